"""Every change of state writes its audit entry (issue 11).

The test walks the URL conf as every user allowed on each page, posts every ``<form
method="post">`` of every page filled as a real user would fill it, once per submit button,
and compares all data before and after each request: a request that changed a row without
appending an entry to the audit log (``jixiao.core.models.AuditEntry``) is a violation. The
Django admin is walked the same way, by a superuser and by a city administrator with the
group the demo gives the city office. All violations of the walk are reported together.

The fixture city is the one of ``test_access_isolation``: two units in publicity with an
open objection each, a third one published. The walk goes round the pages until a round
posts nothing new, so the state moves on (an import changes who is eligible, the ranking
flags the decided list, the list is reopened, a nomination withdrawn and another made, the
list submitted, decided, put on notice, objected to, the period closed and reopened …) and
later pages still have forms to post. A refused post must change nothing at all.

Every post is listed on the test's output with what it changed; a violation names the
request, the user, each table changed (rows added, removed, and the columns changed of each
row) and the audit log's length before and after.
"""

import csv
import io
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from jixiao.core.models import AuditEntry
from jixiao.showcase.photos import placeholder_portrait
from tests.integration import test_access_isolation as access
from tests.workflow_city import UNIT_A, staff_id

pytestmark = pytest.mark.django_db

site = access.site  # the fixture city, built once per test

# Forms that are not the application's: signing out and the language switch.
FOREIGN_ACTIONS = ("/accounts/logout/", "/i18n/", "/accounts/login/")
# Tables that are no state of the application: sessions, log-in attempts, content types,
# the admin's own change messages.
IGNORED_APPS = {"sessions", "contenttypes", "axes", "admin", "django_tasks_database"}
# Drafts and renderings, no state of the assessment: an upload waiting for its preview to be
# applied (the import writes the audit entry), a document made from what is there.
# Wrong rating codes typed (counted against guessing, like the log-in attempts) are no state
# either.
IGNORED_MODELS = {"imports.PendingImport", "core.BackgroundJob", "rating.CodeGuesses"}
IGNORED_COLUMNS = {"auth.User": {"last_login"}}  # set by signing in
# Files, not pages: they hold no form (and some take seconds to make).
FILE_ROUTE = re.compile(r"\.(xlsx|pdf|docx|zip|png|jpg|json|<str:fmt>)$|/file$")
MAX_ROUNDS = 8
MAX_TRIES = 3
ACTED = "acted"
# The order of a round, so that each page still has something to act on: the candidate's
# profile before an objection removes them, the import (new scores, other people eligible)
# before the ranking that flags the decided list, the period's settings (where it is
# closed) last, after every other page was posted while it was open.
FIRST_PAGES = ("showcase:edit_profile", "showcase:unit_profiles", "imports:unit_import")
LAST_PAGES = ("assessment:period_settings",)

TEXT = (
    "该同志在本考核期内牵头完成全市营商环境评价迎检工作，统筹协调各成员单位扎实推进重点任务，"
    "相关指标进入全省前列；同时认真落实党风廉政建设责任，团结带领科室同志攻坚克难，"
    "工作作风扎实，群众评价良好，经集体研究，拟按程序予以认定。"
)
PASSWORD = "Jixiao-Audit-2025!"
NOMINEE = staff_id(UNIT_A, 7)  # outside the top share, not vetoed, not yet nominated


# ----------------------------------------------------------------------------------------
# Forms, as the browser sees them
# ----------------------------------------------------------------------------------------


@dataclass
class Field:
    tag: str  # input, select, textarea
    attrs: dict
    options: list = field(default_factory=list)  # select: (value, selected)
    text: str = ""  # textarea content

    @property
    def name(self) -> str:
        return self.attrs.get("name") or ""

    @property
    def type(self) -> str:
        if self.tag != "input":
            return self.tag
        return (self.attrs.get("type") or "text").lower()


@dataclass
class Form:
    attrs: dict
    fields: list = field(default_factory=list)
    buttons: list = field(default_factory=list)  # attrs of each submit button

    @property
    def method(self) -> str:
        return (self.attrs.get("method") or "get").lower()


class FormParser(HTMLParser):
    """Every form of a page with its fields and submit buttons."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self.form: Form | None = None
        self.select: Field | None = None
        self.option: dict | None = None
        self.textarea: Field | None = None

    def handle_starttag(self, tag, attrs):
        attrs = {k: ("" if v is None else v) for k, v in attrs}
        if tag == "form":
            self.form = Form(attrs)
            self.forms.append(self.form)
        elif self.form is None:
            return
        elif tag == "input":
            kind = (attrs.get("type") or "text").lower()
            if kind in ("submit", "image"):
                self.form.buttons.append(attrs)
            elif kind not in ("button", "reset"):
                self.form.fields.append(Field("input", attrs))
        elif tag == "button":
            if (attrs.get("type") or "submit").lower() == "submit":
                self.form.buttons.append(attrs)
        elif tag == "select":
            self.select = Field("select", attrs)
            self.form.fields.append(self.select)
        elif tag == "option" and self.select is not None:
            self._close_option()
            self.option = {"attrs": attrs, "text": ""}
        elif tag == "textarea":
            self.textarea = Field("textarea", attrs)
            self.form.fields.append(self.textarea)

    def handle_endtag(self, tag):
        if tag == "form":
            self._close_option()
            self.form = self.select = self.textarea = None
        elif tag == "select":
            self._close_option()
            self.select = None
        elif tag == "option":
            self._close_option()
        elif tag == "textarea":
            self.textarea = None

    def handle_data(self, data):
        if self.option is not None:
            self.option["text"] += data
        elif self.textarea is not None:
            self.textarea.text += data

    def _close_option(self):
        if self.option is not None and self.select is not None:
            attrs = self.option["attrs"]
            value = attrs["value"] if "value" in attrs else self.option["text"].strip()
            self.select.options.append((value, "selected" in attrs, "disabled" in attrs))
        self.option = None


def post_forms(html: str) -> list[Form]:
    parser = FormParser()
    parser.feed(html)
    parser.close()
    return [f for f in parser.forms if f.method == "post"]


# ----------------------------------------------------------------------------------------
# Filling a form as a real user would
# ----------------------------------------------------------------------------------------


@dataclass
class Context:
    """What the filler needs to know of the city."""

    unit_people: list  # (staff ID, total) of unit A


def text_for(f: Field, salt: str = "") -> str:
    need = max(int(f.attrs.get("data-min") or 0), 60)
    text = salt + TEXT
    while len(text) < need:
        text += TEXT
    limit = int(f.attrs.get("maxlength") or 0)
    return text[:limit] if limit else text


def number_for(f: Field) -> str:
    preferred = {"members": 9, "present": 7}.get(f.name.rsplit("-", 1)[-1])
    low = f.attrs.get("min")
    high = f.attrs.get("max")
    value = preferred if preferred is not None else (float(low) if low not in (None, "") else 1)
    if low not in (None, ""):
        value = max(value, float(low))
    if high not in (None, ""):
        value = min(value, float(high))
    return str(int(value)) if float(value).is_integer() else str(value)


def scores_csv(ctx: Context) -> bytes:
    """The unit's totals in reverse order (the last is now the best): a change the import
    applies, and one that changes who is eligible, so the decided list is flagged."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["工号", "总分"])
    totals = [total for _number, total in ctx.unit_people]
    for (number, _total), total in zip(ctx.unit_people, reversed(totals), strict=True):
        writer.writerow([number, f"{total:.1f}"])
    return out.getvalue().encode("utf-8")


def file_for(f: Field, ctx: Context):
    accept = f.attrs.get("accept", "")
    if "image" in accept or "photo" in f.name:
        return SimpleUploadedFile("portrait.jpg", placeholder_portrait("审计"), content_type="image/jpeg")
    return SimpleUploadedFile("scores.csv", scores_csv(ctx), content_type="text/csv")


# What a user types into the fields that take no free text; ``{n}`` is the admin pass.
BY_NAME = {
    "staff_id": NOMINEE,
    "person": NOMINEE,
    "code": "2025H2",
    "objector": "王某某",
    "phone": "13800000000",
    "objector_phone": "13800000000",
    "email": "jixiao@example.gov.cn",
}
ADMIN_BY_NAME = {"staff_id": "X90{n}", "code": "2026H{n}", "username": "xinzeng{n}"}


def by_name(name: str, salt: str) -> str | None:
    """The value a user gives the field called ``name`` (an inline row's field too)."""
    base = name.rsplit("-", 1)[-1]
    names = {**BY_NAME, **{k: v.format(n=salt) for k, v in ADMIN_BY_NAME.items()}} if salt else BY_NAME
    return names.get(name) or names.get(base)


def fill(form: Form, ctx: Context, *, admin: bool = False, fill_empty: bool = True, salt: str = "") -> dict:
    """The data the browser sends for ``form``: given values kept, empty fields filled
    (unless ``fill_empty`` is false: the form sent as it came). ``salt`` makes the texts of
    an admin's add form differ from the previous pass's (names are unique)."""
    data: dict[str, list] = {}
    radios_done: set[str] = set()
    today = timezone.localdate()
    for f in form.fields:
        name, kind = f.name, f.type
        if not name or "disabled" in f.attrs:
            continue
        # The admin's empty inline rows stay empty, as a user leaves them.
        if admin and (re.search(r"-(\d+|__prefix__)-", name) and not f.attrs.get("value")):
            if kind not in ("hidden", "checkbox", "radio", "select"):
                continue
        value = f.attrs.get("value", "")
        if not fill_empty and kind not in ("checkbox", "radio", "select"):
            if kind == "textarea":
                data[name] = [f.text.lstrip("\n")]
            elif kind not in ("file", "password"):
                data[name] = [value]
            continue
        if kind == "hidden":
            data.setdefault(name, []).append(value)
        elif kind == "checkbox":
            if "checked" in f.attrs:
                data.setdefault(name, []).append(value or "on")
        elif kind == "radio":
            if "checked" in f.attrs:
                data[name] = [value or "on"]
                radios_done.add(name)
        elif kind == "select":
            chosen = [v for v, selected, _disabled in f.options if selected]
            if not chosen and "multiple" not in f.attrs:
                usable = [v for v, _s, disabled in f.options if v and not disabled]
                chosen = usable[:1]
            if chosen:
                data[name] = chosen
        elif kind == "textarea":
            data[name] = [f.text.lstrip("\n") or by_name(name, salt) or text_for(f, salt)]
        elif kind == "file":
            if not admin:
                data[name] = [file_for(f, ctx)]
        elif kind == "password":
            data[name] = [PASSWORD]
        elif value:
            data[name] = [value]
        elif kind == "number":
            data[name] = [number_for(f)]
        elif kind == "date":
            low = f.attrs.get("min")
            data[name] = [max(today.isoformat(), low or "")]
        elif kind == "datetime-local":
            data[name] = [timezone.localtime().strftime("%Y-%m-%dT%H:%M")]
        elif kind == "time":
            data[name] = [timezone.localtime().strftime("%H:%M")]
        elif kind == "tel":
            data[name] = ["13800000000"]
        elif kind == "email":
            data[name] = ["jixiao@example.gov.cn"]
        elif kind == "url":
            data[name] = ["https://jixiao.example.gov.cn/"]
        elif by_name(name, salt):
            data[name] = [by_name(name, salt)]
        elif "vDateField" in f.attrs.get("class", ""):  # the admin's date and time inputs
            data[name] = [today.isoformat()]
        elif "vTimeField" in f.attrs.get("class", ""):
            data[name] = ["09:00:00"]
        else:
            data[name] = [text_for(f, salt)]
    # A radio group none of whose buttons is checked: its first button.
    for f in form.fields:
        if f.type == "radio" and f.name and f.name not in radios_done and "disabled" not in f.attrs:
            data[f.name] = [f.attrs.get("value") or "on"]
            radios_done.add(f.name)
    return data


def variants(form: Form) -> list[dict]:
    """One submission per submit button (the unnamed ones are one and the same)."""
    named = [b for b in form.buttons if b.get("name")]
    result = [{}] if len(named) < len(form.buttons) or not form.buttons else []
    result += [{b["name"]: b.get("value", "")} for b in named]
    return result


def as_payload(data: dict) -> dict:
    return {k: v if len(v) > 1 else v[0] for k, v in data.items()}


def signature(action: str, button: dict, form: Form) -> tuple:
    """A form is posted again only when it is another form: another action, button, hidden
    value or set of fields (a new candidate, a reopened period …)."""
    hidden = tuple(
        sorted(
            (f.name, f.attrs.get("value", ""))
            for f in form.fields
            if f.type == "hidden" and f.name != "csrfmiddlewaretoken"
        )
    )
    names = tuple(sorted({f.name for f in form.fields if f.type != "hidden"}))
    return (action, tuple(sorted(button.items())), hidden, names)


# ----------------------------------------------------------------------------------------
# The data, before and after
# ----------------------------------------------------------------------------------------


def state() -> dict[str, list]:
    """Every row of the application (``snapshot()``) and of the accounts (users, groups,
    permissions), as text."""
    dump = {label: rows for label, rows in access.snapshot().items() if label not in IGNORED_MODELS}
    for model in apps.get_models(include_auto_created=True):
        label = model._meta.label
        if label in dump or label in IGNORED_MODELS or model._meta.app_label in IGNORED_APPS:
            continue
        rows = model.objects.values_list(*columns(label))
        dump[label] = sorted(tuple(str(v) for v in row) for row in rows)
    return dump


def columns(label: str) -> list[str]:
    model = next(m for m in apps.get_models(include_auto_created=True) if m._meta.label == label)
    ignored = IGNORED_COLUMNS.get(label, set())
    return [f.attname for f in model._meta.concrete_fields if f.attname not in ignored]


def changed_tables(before: dict, after: dict) -> dict[str, str]:
    """Table → what changed in it: rows added, removed, and the columns changed in a row
    (rows are told apart by their primary key, the first column)."""
    changes = {}
    for table in sorted(set(before) | set(after)):
        old, new = before.get(table, []), after.get(table, [])
        if old == new:
            continue
        old_rows, new_rows = {r[0]: r for r in old}, {r[0]: r for r in new}
        names = columns(table)
        parts = []
        added = sorted(set(new_rows) - set(old_rows))
        removed = sorted(set(old_rows) - set(new_rows))
        if added:
            parts.append(f"{len(added)} added")
        if removed:
            parts.append(f"{len(removed)} removed")
        edited = [k for k in sorted(set(old_rows) & set(new_rows)) if old_rows[k] != new_rows[k]]
        for key in edited[:3]:
            diff = [n for n, a, b in zip(names, old_rows[key], new_rows[key], strict=True) if a != b]
            parts.append(f"#{key} {'/'.join(diff)}")
        if len(edited) > 3:
            parts.append(f"{len(edited) - 3} more changed")
        changes[table] = f"({'; '.join(parts)})"
    return changes


AUDIT = AuditEntry._meta.label


@dataclass
class Walk:
    """The requests of the test, each post checked against the data before it."""

    client: object
    ctx: Context
    violations: list = field(default_factory=list)
    posted: list = field(default_factory=list)  # every post and what it did, for the report
    tries: dict = field(default_factory=dict)  # form → (times posted, ACTED or the data after)
    pages: dict = field(default_factory=dict)  # (url, user) → the data it was last shown on
    last: dict | None = None  # the data after the last post
    fresh: bool = False  # ``last`` is the data as it is now (no page was requested since)
    changed: bool = False  # the last post changed data

    def get(self, url: str, user: str):
        """A page (pages change nothing; the data is read again before the next post)."""
        self.fresh = False
        return self.client.get(url, follow=True)

    def post(self, url: str, payload: dict, user: str, label: str):
        before = self.last if self.fresh and self.last is not None else state()
        response = self.client.post(url, payload, follow=True)
        after = state()
        self.last, self.fresh = after, True
        self.check(f"{label} as {user}", response, before, after)
        return response

    def check(self, what: str, response, before: dict, after: dict) -> None:
        """What the request changed is audited, and a refused request changed nothing."""
        audit_before, audit_after = len(before[AUDIT]), len(after[AUDIT])
        changes = {t: c for t, c in changed_tables(before, after).items() if t != AUDIT}
        changed = ", ".join(f"{t} {c}" for t, c in changes.items())
        refusal = refusal_text(response)
        if changes and audit_after <= audit_before:
            self.violations.append(
                f"{what}: {changed} changed, audit entries {audit_before} → {audit_after}"
                + (f" (and answered with an error: {refusal})" if refusal else "")
            )
        elif changes and refusal:
            self.violations.append(
                f"{what}: refused ({refusal}) yet {changed} changed, "
                f"audit entries {audit_before} → {audit_after}"
            )
        if not set(before[AUDIT]) <= set(after[AUDIT]):
            self.violations.append(f"{what}: audit entries changed or removed")
        self.changed = bool(changes)
        self.posted.append(
            f"{what} → {response.status_code}"
            + (f" (refused: {refusal})" if refusal else "")
            + f": audit {audit_before}→{audit_after}; {changed or 'nothing changed'}"
        )

    def send(self, action: str, form: Form, button: dict, user: str, label: str):
        data = {**fill(form, self.ctx), **{k: [v] for k, v in button.items()}}
        return self.post(action, as_payload(data), user, label)

    def submit_forms(self, page_url: str, html: str, user: str, depth: int = 0, replay=None) -> int:
        """Post every form of the page, once per submit button; the forms a response shows
        (an import's preview) are posted in turn, each button on a form of its own (the
        request that showed the form is repeated for the next button)."""
        count = 0
        for form in post_forms(html):
            action = urljoin(page_url, form.attrs.get("action") or page_url)
            path = urlsplit(action).path
            if path.startswith(FOREIGN_ACTIONS) or not form.buttons:
                continue  # not the application's, or nothing to press
            for n, button in enumerate(variants(form)):
                key = (user, signature(path, button, form))
                times, posted_on = self.tries.get(key, (0, None))
                # A form that did its work is not posted again; one that was refused or did
                # nothing is, up to MAX_TRIES times, once the data changed (the period
                # reopened, the list reopened …).
                if posted_on in (ACTED, fingerprint(self.last)) or times >= MAX_TRIES:
                    continue
                current = form
                if n > 0 and replay is not None:
                    current = same_form(post_forms(replay()), path, button)
                    if current is None:
                        continue
                label = f"POST {action} [{button_label(button)}] from {page_url}"
                response = self.send(action, current, button, user, label)
                acted = self.changed and not refusal_text(response)
                self.tries[key] = (times + 1, ACTED if acted else fingerprint(self.last))
                count += 1
                shown = not response.redirect_chain and response.status_code == 200 and is_html(response)
                if depth < 2 and shown:

                    def again(action=action, form=current, button=button, label=label):
                        label = f"{label} (again, for the next button of the form it shows)"
                        return self.send(action, form, button, user, label).content.decode()

                    final = response.request["PATH_INFO"]
                    count += self.submit_forms(final, response.content.decode(), user, depth + 1, again)
        return count


def same_form(forms: list[Form], path: str, button: dict) -> Form | None:
    for form in forms:
        names = {(b.get("name"), b.get("value", "")) for b in form.buttons}
        if urlsplit(form.attrs.get("action") or path).path == path and (
            not button or next(iter(button.items())) in names
        ):
            return form
    return None


def fingerprint(dump: dict | None) -> int:
    return hash(tuple((t, tuple(rows)) for t, rows in sorted((dump or {}).items()) if t != AUDIT))


def is_html(response) -> bool:
    return response.get("Content-Type", "").startswith("text/html")


def button_label(button: dict) -> str:
    if button:
        return ", ".join(f"{k}={v}" for k, v in button.items())
    return "submit"


ERRORS = re.compile(
    r'<(?:li|p|div|ul)[^>]*class="[^"]*\b(?:error|errorlist|errornote)\b[^"]*"[^>]*>(.*?)</', re.S
)


def refusal_text(response) -> str:
    if response.status_code >= 400:
        return f"HTTP {response.status_code}"
    if not is_html(response):
        return ""
    found = [re.sub(r"<[^>]+>|\s+", " ", m).strip() for m in ERRORS.findall(response.content.decode())]
    return "; ".join(t for t in found if t)[:200]


# ----------------------------------------------------------------------------------------
# The walk
# ----------------------------------------------------------------------------------------


def pages():
    """The application's pages that may show a form: not the public pages (GET only), not
    Django's own, not the files."""
    found = [
        e
        for e in access.ENDPOINTS
        if not e.post_only and e.access != "public" and not FILE_ROUTE.search(e.route)
    ]
    return sorted(found, key=lambda e: (e.name not in FIRST_PAGES, e.name in LAST_PAGES))


def walk_application(walk: Walk, site) -> None:
    """Round after round, every page as every user allowed on it, its forms posted, until a
    round posts nothing new."""
    for number in range(1, MAX_ROUNDS + 1):
        walk.posted.append(f"-- round {number}")
        posted = 0
        for endpoint in pages():
            url = site.url(endpoint)
            for user in access.allowed_users(endpoint):
                if walk.pages.get((url, user)) == fingerprint(walk.last):
                    continue  # the same data, the same page: nothing new to post
                access.as_user(walk.client, site, user)
                response = walk.get(url, user)
                walk.pages[(url, user)] = fingerprint(walk.last)
                if response.status_code != 200 or not is_html(response):
                    continue
                final = response.request["PATH_INFO"]
                query = response.request.get("QUERY_STRING")
                page = final + (f"?{query}" if query else "")
                posted += walk.submit_forms(page, response.content.decode(), user)
        if not posted:
            return
    walk.violations.append(
        f"(the walk of the application still found forms to post after {MAX_ROUNDS} rounds)"
    )


# ----------------------------------------------------------------------------------------
# The Django admin
# ----------------------------------------------------------------------------------------


def admin_form(html: str) -> Form | None:
    for form in post_forms(html):
        if form.attrs.get("id", "").endswith("_form") and form.attrs.get("id") != "changelist-form":
            return form
    return None


# The object of each model whose change form is posted: the first, but for roles an office
# role of a unit (the city administrator's and a staff member's fit no other kind as they
# are: one has no unit, the other names a person).
OBJECT_FILTER = {"org.Role": {"unit__isnull": False, "person__isnull": True}}
INLINE_ROW = re.compile(r"^(?P<row>.+-\d+)-(?P<field>[^-]+)$")


def changed_values(f: Field, value: str) -> list[str]:
    """Other values a user could give the field, the likeliest first."""
    if f.type in ("text", "textarea") and value:
        limit = int(f.attrs.get("maxlength") or 0)
        return [(value if not limit or len(value) < limit else value[: limit - 1]) + "改"]
    if f.type == "number" and value:
        high = f.attrs.get("max")
        step = -1 if high not in (None, "") and float(value) + 1 > float(high) else 1
        number = float(value) + step
        return [str(int(number)) if number.is_integer() else str(number)]
    if f.type == "select" and "multiple" not in f.attrs:
        return [v for v, _selected, disabled in f.options if v and v != value and not disabled]
    return []


def existing_row(name: str, data: dict) -> bool | None:
    """For a field of an inline row: whether the row is an object already saved (None: not
    an inline row's field)."""
    row = INLINE_ROW.match(name)
    if row is None:
        return None
    prefix, number = row["row"].rsplit("-", 1)
    return int(number) < int(data.get(f"{prefix}-INITIAL_FORMS", ["0"])[0] or 0)


def one_field_changed(form: Form, data: dict, *, inline: bool) -> list[tuple[dict, str]]:
    """The same data with one field changed, a few ways (the first the application takes is
    kept): a text field of the object itself (a select where it has none), or a field of
    one of its inline rows (its rules, its roles, its indicators …)."""
    fields = []
    for f in form.fields:
        if not f.name or f.name not in data or "readonly" in f.attrs or "disabled" in f.attrs:
            continue
        if f.type in ("hidden", "checkbox", "radio", "file", "password"):
            continue
        row = existing_row(f.name, data)
        if (row is None) == inline or row is False:
            continue
        fields.append(f)
    kinds = [("text", "textarea"), ("select",)] if not inline else [("text", "textarea", "number", "select")]
    for wanted in kinds:
        options = [
            ({**data, f.name: [value]}, f"{f.name}={value}")
            for f in fields
            if f.type in wanted
            for value in changed_values(f, data[f.name][0])
        ]
        if options:
            return options[:MAX_TRIES]
    return []


def walk_admin(walk: Walk, user, name: str, salt: str) -> None:
    from django.contrib import admin

    walk.client.logout()
    walk.client.force_login(user)
    for model in sorted(admin.site._registry, key=lambda m: m._meta.label):
        opts = model._meta
        if opts.app_label in IGNORED_APPS:
            continue  # log-in attempts: no state of the application
        base = f"/admin/{opts.app_label}/{opts.model_name}/"
        changelist = walk.get(base, name)
        if changelist.status_code == 403:
            continue  # not this user's reference data
        assert changelist.status_code == 200, f"{name}: GET {base} → {changelist.status_code}"
        obj = model._default_manager.filter(**OBJECT_FILTER.get(opts.label, {})).order_by("pk").first()
        if obj is not None:
            url = f"{base}{obj.pk}/change/"
            response = walk.get(url, name)
            assert response.status_code == 200, f"{name}: GET {url} → {response.status_code}"
            form = admin_form(response.content.decode())
            if form is not None and any(b.get("name") == "_save" for b in form.buttons):
                data = fill(form, walk.ctx, admin=True, fill_empty=False)
                data["_save"] = [""]
                walk.post(url, as_payload(data), name, f"POST {url} [unchanged]")
                for inline in (False, True):
                    # The form as it is now (the unchanged save may have changed it).
                    form = admin_form(walk.get(url, name).content.decode())
                    data = {**fill(form, walk.ctx, admin=True, fill_empty=False), "_save": [""]}
                    for payload, change in one_field_changed(form, data, inline=inline):
                        response = walk.post(url, as_payload(payload), name, f"POST {url} [{change}]")
                        if not refusal_text(response):
                            break
        add = f"{base}add/"
        response = walk.get(add, name)
        if response.status_code == 200:
            form = admin_form(response.content.decode())
            if form is not None:
                data = fill(form, walk.ctx, admin=True, salt=salt)
                data["_save"] = [""]
                walk.post(add, as_payload(data), name, f"POST {add} [filled]")


def city_admin_in_the_admin(site):
    """The city administrator as the demo makes them: staff, in the city office's group."""
    from jixiao.demo.workflow import city_office_group

    user = site.users["admin"]
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    user.groups.add(city_office_group())
    return get_user_model().objects.get(pk=user.pk)


# ----------------------------------------------------------------------------------------
# The test
# ----------------------------------------------------------------------------------------


@pytest.mark.slow  # about 20 s on SQLite, 35 s on PostgreSQL
def test_every_posted_form_that_changes_data_writes_an_audit_entry(client, site, caplog):
    # The refusals the walk meets on purpose (403 of pages and admin models the user may not
    # use) are logged as warnings: they would bury the report.
    caplog.set_level("ERROR", logger="django.request")
    people = [
        (number, float(total))
        for number, total in site.city.units[UNIT_A.name]
        .roster_entries.filter(period=site.city.period)
        .values_list("person__staff_id", "score__total")
        .order_by("person__staff_id")
        if total is not None
    ]
    walk = Walk(client, Context(unit_people=people))
    walk_application(walk, site)

    root = get_user_model().objects.create_superuser("root", password=PASSWORD)
    city_admin = city_admin_in_the_admin(site)
    walk.fresh = False  # the two accounts above are the test's, not a request's
    walk_admin(walk, root, "root (superuser)", "1")
    walk_admin(walk, city_admin, "admin (city office, staff)", "2")

    # A city administrator cannot make themself a superuser.
    url = f"/admin/auth/user/{city_admin.pk}/change/"
    walk.client.force_login(city_admin)
    response = walk.get(url, "admin (city office, staff)")
    form = admin_form(response.content.decode())
    data = fill(form, walk.ctx, admin=True, fill_empty=False)
    data["is_superuser"] = ["on"]
    data["_save"] = [""]
    walk.post(url, as_payload(data), "admin (city office, staff)", f"POST {url} [is_superuser=on]")
    city_admin.refresh_from_db()
    if city_admin.is_superuser:
        walk.violations.append(
            f"POST {url} [is_superuser=on] as admin (city office, staff): the city administrator "
            "made themself a superuser"
        )

    print("\n".join(["posted:", *walk.posted]))
    assert not walk.violations, "\n".join(
        [f"{len(walk.violations)} changes of state without their audit entry:", *walk.violations]
    )
