"""Who may open what: every page of the URL conf, for every kind of user.

The pages are taken from the URL resolver, not listed by hand, so a new view is checked the
moment it is routed: it must declare its access (``city``, ``unit``, ``self`` or ``public``,
set by the decorators of ``jixiao.org.access``), anonymous users are sent to the login page
(public pages excepted: they open for anyone, read only), a unit's office never reaches
another unit's objects (404, never 200, never a 403 that would tell the object exists),
staff members see only their own results, and city pages refuse unit users. A refused POST
changes nothing at all.

The city: 市财政局 (A) and 城关镇 (B), 20 people each, ranked, each with a special
nomination, their lists submitted, decided and in publicity with one open objection; A's
first candidate has a profile with a photo, and each has a document made for it. 市教育局
(P) has its list published: the public pages show its exemplars.
"""

import datetime
import inspect
import re
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.utils import timezone

from jixiao.assessment.models import RaterGroup
from jixiao.assessment.schemes import IndicatorSpec, define_scheme
from jixiao.core import jobs
from jixiao.core.audit import AuditEntry
from jixiao.core.models import BackgroundJob, JobState
from jixiao.org.access import UNIT_OFFICE, Operator
from jixiao.org.models import Category, RoleKind
from jixiao.rating import actions as rating_actions
from jixiao.selection import actions, workflow
from jixiao.selection.models import NominationState, Proposal, ProposalState, SpecialNomination
from tests.workflow_city import (
    PERIOD,
    REASON,
    UNIT_A,
    UNIT_B,
    UnitSpec,
    approve_all,
    build_city,
    make_user,
    notice_details,
    person_name,
    staff_id,
    to_publicity,
    write_profile,
)

pytestmark = pytest.mark.django_db

# Not the application's own pages: Django's admin (staff only, its own permissions),
# the language switch and the login/logout pages (open to anonymous users by nature).
# The other account pages (password change) are checked like every page.
# The language menus (their own tests in test_showcase) redirect anywhere on the site.
# The sign-in pages (single sign-on has its own test: tests/integration/test_single_sign_on.py).
SKIPPED_PREFIXES = ("admin/", "i18n/", "language/", "accounts/login/", "accounts/logout/", "accounts/sso/")
# "code": the raters' pages of online rating (jixiao.rating.rater_views.code_page): no
# account; without a usable code in the session they show the code form and nothing else.
ACCESS_KINDS = {"city", "unit", "self", "public", "code"}
# Converters whose value belongs to one unit: a request for another unit's value must fail.
UNIT_BOUND = {
    "unit_id",
    "staff_id",
    "nomination_id",
    "objection_id",
    "person_id",
    "job",
    "job_key",
    "round_id",
}
# What a POST sends: enough for each POST-only view to act if it let the user through.
POST_DATA = {
    "state": "closed",
    "resolution": "upheld",
    "reason": "经核实反映属实，取消其拟表彰人选资格。",
}
STAFF_NUMBER = 10  # the staff member is A's 10th person
OBJECTED_NUMBER = 2  # each unit's objection is against its 2nd person
NOMINATED = {UNIT_A: 5, UNIT_B: 6}
UNIT_P = UnitSpec("市教育局", "E", "教育丙")
PUBLISHED_ON = datetime.date(2025, 10, 11)


# ----------------------------------------------------------------------------------------
# The URL conf, walked
# ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Endpoint:
    route: str
    name: str
    callback: object

    @property
    def access(self):
        return getattr(self.callback, "access", None)

    @property
    def unit_roles(self) -> tuple:
        return tuple(getattr(self.callback, "unit_roles", ()))

    @property
    def converters(self) -> list[str]:
        return [m.group("name") for m in CONVERTER.finditer(self.route)]

    @property
    def post_only(self) -> bool:
        methods = allowed_methods(self.callback)
        return methods is not None and "GET" not in methods

    @property
    def method(self) -> str:
        return "post" if self.post_only else "get"

    def __str__(self) -> str:
        return self.route or "(root)"


CONVERTER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")


def walk(resolver=None, prefix: str = "", namespace: str = ""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from walk(entry, route, inner)
        elif isinstance(entry, URLPattern):
            yield Endpoint(route, f"{namespace}{entry.name or ''}", entry.callback)


def allowed_methods(view) -> set[str] | None:
    """The methods a ``require_http_methods`` decorator anywhere in the view's wrapper chain
    lets through (None: no such decorator)."""
    while view is not None:
        try:
            nonlocals = inspect.getclosurevars(view).nonlocals
        except TypeError:
            nonlocals = {}
        if "request_method_list" in nonlocals:
            return set(nonlocals["request_method_list"])
        view = getattr(view, "__wrapped__", None)
    return None


ENDPOINTS = [e for e in walk() if not e.route.startswith(SKIPPED_PREFIXES)]


def endpoints(predicate=lambda e: True):
    return [pytest.param(e, id=str(e)) for e in ENDPOINTS if predicate(e)]


def is_unit_bound(e: Endpoint) -> bool:
    # A public page names a unit only to show what it published to everyone.
    return e.access != "public" and bool(UNIT_BOUND & set(e.converters))


# ----------------------------------------------------------------------------------------
# The city, its users, and the URLs filled from it
# ----------------------------------------------------------------------------------------


# Where one name takes another value for one view: a unit's lists are not the city's tables.
ENDPOINT_VALUES = {
    "reports:unit_table": {"table": "ranking"},
    "rating:enter_round": {"key": "ABC234"},  # a rating round's key (none here: the form alone)
}


@dataclass
class Site:
    city: object
    values: dict  # "A" / "B" → converter name → value
    users: dict  # name → User

    def url(self, endpoint: Endpoint, side: str = "A", **overrides) -> str:
        if endpoint.access == "public":
            side = "P"  # the unit whose exemplars are published
        values = {**self.values[side], **ENDPOINT_VALUES.get(endpoint.name, {}), **overrides}

        def fill(match):
            name = match.group("name")
            if name not in values:
                pytest.fail(f"{endpoint}: the fixture city has no value for <{name}>; add one to Site.values")
            return str(values[name])

        url = "/" + CONVERTER.sub(fill, endpoint.route)
        assert resolve(url).func is endpoint.callback, url
        return url

    def mixed_url(self, endpoint: Endpoint) -> str | None:
        """A's unit with B's object in it (B's nomination under A's unit, …)."""
        if "unit_id" not in endpoint.converters or not (UNIT_BOUND - {"unit_id"}) & set(endpoint.converters):
            return None
        b = self.values["B"]
        return self.url(endpoint, "A", **{k: b[k] for k in UNIT_BOUND - {"unit_id"}})


@pytest.fixture
def site(tmp_path, capsys, settings):
    city = build_city(tmp_path, capsys, specs=(UNIT_A, UNIT_B, UNIT_P))
    category = Category.objects.get()
    # A city scheme, so that the units have score templates to download.
    define_scheme(
        name="一般干部考核方案",
        period=city.period,
        category=category,
        indicators=[IndicatorSpec("德", 40), IndicatorSpec("绩", 60)],
        rater_groups={"领导评价": 100},
    )
    values, users = {}, {"admin": make_user("admin", RoleKind.CITY_ADMIN)}
    for side, spec in (("A", UNIT_A), ("B", UNIT_B)):
        unit = city.units[spec.name]
        city.nominate(staff_id(spec, NOMINATED[spec]))
        _proposal, notice, objection = to_publicity(
            city, unit, objection_against=staff_id(spec, OBJECTED_NUMBER)
        )
        first = _proposal.candidates.get(person__staff_id=staff_id(spec, 1))
        values[side] = {
            "code": PERIOD,
            "unit_id": unit.pk,
            "category_id": category.pk,
            "staff_id": staff_id(spec, STAFF_NUMBER),
            "nomination_id": SpecialNomination.objects.get(unit=unit).pk,
            "objection_id": objection.pk,
            "kind": "rater-scores",
            "fmt": "pdf",
            "person_id": first.person_id,
            "job": made_document(unit),
            "table": "units",
            "listing": "trend",
        }
        if side == "A":
            write_profile(first, portrait="A1")
        low = side.lower()
        users[f"assessor_{low}"] = make_user(f"assessor_{low}", RoleKind.ASSESSOR, unit)
        users[f"secretary_{low}"] = make_user(f"secretary_{low}", RoleKind.SECRETARY, unit)
        values[side]["job_key"] = queued_action(unit, users[f"assessor_{low}"])
        values[side]["round_id"] = rating_round(city, unit, category)
    unit_a = city.units[UNIT_A.name]
    users["staff_a"] = make_user(
        "staff_a", RoleKind.STAFF, unit_a, city.person(staff_id(UNIT_A, STAFF_NUMBER))
    )
    published, _notice, _objection = to_publicity(city, city.units[UNIT_P.name])
    actions.publish(published, acting_user=Operator("city"), today=PUBLISHED_ON)
    exemplar = published.candidates.get(person__staff_id=staff_id(UNIT_P, 1))
    profile = write_profile(exemplar, portrait="P1")
    values["P"] = {"code": PERIOD, "key": profile.public_key, "unit_id": published.unit_id}
    return Site(city, values, users)


def rating_round(city, unit, category) -> int:
    """An open online-rating round of the unit, with two codes issued."""
    now, operator = timezone.now(), Operator("cli:test")
    round_ = rating_actions.create_round(
        period=city.period,
        category=category,
        unit=unit,
        name=f"{unit.name}在线测评",
        opens_at=now - datetime.timedelta(minutes=1),
        closes_at=now + datetime.timedelta(days=7),
        acting_user=operator,
    )
    rating_actions.issue_codes(
        round_, group=RaterGroup.objects.get(name="领导评价"), count=2, acting_user=operator
    )
    return round_.pk


def queued_action(unit, user) -> str:
    """A ranking of the unit its assessor started, waiting for a worker."""
    now, key = timezone.now(), jobs.job_key("access-test-action", unit.pk)
    BackgroundJob.objects.create(
        key=key,
        kind="ranking",
        state=JobState.QUEUED,
        filename="排名计算",
        content_type="",
        unit_id=unit.pk,
        requested_by=user.pk,
        rate_limited=False,
        parameters={"progress": reverse("selection:unit_job", args=[PERIOD, unit.pk, key])},
        created_at=now,
        updated_at=now,
    )
    return key


def made_document(unit) -> str:
    """A finished document job of the unit (what a poster download leaves behind)."""
    now = timezone.now()
    job = BackgroundJob.objects.create(
        key=jobs.job_key("access-test", unit.pk),
        kind="poster",
        state=JobState.DONE,
        filename="光荣榜.pdf",
        content_type="application/pdf",
        unit_id=unit.pk,
        result=b"%PDF",
        created_at=now,
        updated_at=now,
    )
    return job.key


def as_user(client, site: Site, name: str | None):
    """Signed in as the named user, or anonymous for ``None``."""
    client.logout()
    if name is not None:
        client.force_login(site.users[name])
    return client


def request(client, endpoint: Endpoint, url: str, method: str | None = None):
    method = method or endpoint.method
    if method == "post":
        return client.post(url, POST_DATA)
    return client.get(url)


def snapshot() -> dict[str, list]:
    """Every row of every table of the application (audit log included), as text."""
    dump = {}
    for model in apps.get_models():
        if not model.__module__.startswith("jixiao."):
            continue
        fields = [f.attname for f in model._meta.concrete_fields]
        rows = model.objects.values_list(*fields)
        dump[model._meta.label] = sorted(tuple(str(v) for v in row) for row in rows)
    return dump


def refused(client, endpoint: Endpoint, url: str, status: int, *, method: str | None = None) -> None:
    """The request is answered ``status`` and, whatever it was, changes nothing."""
    before = snapshot()
    response = request(client, endpoint, url, method)
    assert response.status_code == status, f"{(method or endpoint.method).upper()} {url}"
    assert snapshot() == before, f"a refused {(method or endpoint.method).upper()} {url} changed data"


# ----------------------------------------------------------------------------------------
# The routes themselves
# ----------------------------------------------------------------------------------------


def test_the_url_conf_is_walked():
    names = {e.name for e in ENDPOINTS}
    assert {
        "home",
        "my_results",
        "portal:audit",
        "selection:unit",
        "selection:submit",
        "selection:publish",
        "assessment:breakdown",
        "imports:unit_import",
    } <= names
    assert all(not e.route.startswith(SKIPPED_PREFIXES) for e in ENDPOINTS)
    assert {e.name for e in ENDPOINTS if e.post_only} >= {"selection:submit", "selection:publish"}


@pytest.mark.parametrize("endpoint", endpoints())
def test_every_view_declares_its_access(endpoint):
    assert endpoint.access in ACCESS_KINDS, (
        f"{endpoint} ({endpoint.name}): every view declares its access "
        "(decorate it with city_admin_required, unit_role_required or signed_in)"
    )
    if endpoint.access == "unit":
        assert "unit_id" in endpoint.converters, f"{endpoint}: a unit view is addressed by unit_id"
        assert endpoint.unit_roles and set(endpoint.unit_roles) <= set(UNIT_OFFICE) | {RoleKind.STAFF}


# ----------------------------------------------------------------------------------------
# Anonymous
# ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("endpoint", endpoints(lambda e: e.access not in ("public", "code")))
def test_anonymous_users_are_sent_to_the_login_page(client, site, endpoint):
    url = site.url(endpoint)
    for method in ("get", "post"):
        before = snapshot()
        response = request(client, endpoint, url, method)
        assert response.status_code == 302, f"{method.upper()} {url}"
        assert response["Location"].startswith("/accounts/login/?next="), response["Location"]
        assert snapshot() == before


@pytest.mark.parametrize("endpoint", endpoints(lambda e: e.access == "public"))
def test_public_pages_open_for_anyone_and_accept_no_post(client, site, endpoint):
    url = site.url(endpoint)
    response = client.get(url, follow=True)
    assert response.status_code == 200, f"GET {url}"
    refused(client, endpoint, url, 405, method="post")


@pytest.mark.parametrize("endpoint", endpoints(lambda e: e.access == "code"))
def test_rating_pages_show_nothing_without_a_code(client, site, endpoint):
    """The raters' pages need no account, but without a code typed into this session they
    show the code form (or lead to it) and nobody's name; a POST changes nothing (a wrong
    code is only counted against guessing)."""
    names = [person_name(UNIT_A, n) for n in range(1, 21)]
    for name in (None, "staff_a"):
        as_user(client, site, name)
        url = site.url(endpoint)
        for method in ("get", "post"):
            before = snapshot()
            response = request(client, endpoint, url, method)
            if response.status_code == 302:
                assert response["Location"] == "/rate/", f"{method.upper()} {url}"
            else:
                assert (method, response.status_code) in {
                    ("get", 200),
                    ("post", 200),
                    ("get", 405),
                    ("post", 405),
                }, url
                assert 'name="code"' in response.content.decode() or response.status_code == 405
            assert not any(n in response.content.decode() for n in names), url
            assert snapshot() == before, f"{method.upper()} {url} changed data"


# ----------------------------------------------------------------------------------------
# Those who may
# ----------------------------------------------------------------------------------------


def allowed_users(endpoint: Endpoint) -> list[str | None]:
    if endpoint.access == "city":
        return ["admin"]
    if endpoint.access == "unit":
        kinds = set(endpoint.unit_roles)
        return ["admin"] + [
            name
            for name, kind in (("assessor_a", RoleKind.ASSESSOR), ("secretary_a", RoleKind.SECRETARY))
            if kind in kinds
        ]
    if endpoint.access in ("public", "code"):
        return [None, "admin", "assessor_a", "staff_a"]
    return ["admin", "assessor_a", "secretary_a", "staff_a"]


# Pages every signed-in user may open but that show some users nothing at all.
SELF_REFUSALS = {
    ("portal:audit", "staff_a"): 403,
    # A document belongs to its unit's office.
    ("showcase:export", "staff_a"): 404,
    ("showcase:export_file", "staff_a"): 404,
    # An action in the background shows its progress and outcome to the user who started it.
    ("selection:unit_job", "admin"): 404,
    ("selection:unit_job", "secretary_a"): 404,
    # The key is a unit's job: the city's job page shows only the city office's own.
    ("selection:city_job", "admin"): 404,
}
# A's list is not published: its downloads send the office back to the profiles page,
# which says why.
NOTHING_PUBLISHED_YET = {
    "showcase:unit_poster",
    "showcase:unit_wechat",
    "showcase:unit_long_image",
    "showcase:unit_congratulations",
    "showcase:exemplar_congratulation",
}


@pytest.mark.parametrize("endpoint", endpoints())
def test_those_who_may_use_the_view_get_it(client, site, endpoint):
    users = allowed_users(endpoint)
    for name in users:
        as_user(client, site, name)
        url = site.url(endpoint)
        response = client.get(url)
        if endpoint.post_only:
            assert response.status_code == 405, f"{name}: GET {url}"
            continue
        expected = SELF_REFUSALS.get((endpoint.name, name), 200)
        if endpoint.name in NOTHING_PUBLISHED_YET:
            assert response.status_code == 302, f"{name}: GET {url}"
            assert response["Location"].endswith("/profiles/"), response["Location"]
            continue
        if response.status_code == 302 and endpoint.access in ("self", "public", "city", "code"):
            # A start page sends each user where their work is: that page must open.
            response = client.get(response["Location"])
        assert response.status_code == expected, f"{name}: GET {url}"
    if endpoint.post_only:
        # The unit's own office (or the city for city views) acts: the view answers with a
        # redirect to the page that shows the result.
        name = users[-1]
        as_user(client, site, name)
        response = client.post(site.url(endpoint), POST_DATA)
        assert response.status_code == 302, f"{name}: POST {site.url(endpoint)}"
        assert not response["Location"].startswith("/accounts/login/")


def test_a_superuser_counts_as_a_city_administrator(client, site):
    from django.contrib.auth import get_user_model

    root = get_user_model().objects.create_superuser("root", password="x-Secret-2025")
    client.force_login(root)
    assert client.get(f"/periods/{PERIOD}/").status_code == 200
    assert client.get(f"/periods/{PERIOD}/units/{site.values['B']['unit_id']}/").status_code == 200


# ----------------------------------------------------------------------------------------
# Another unit's office
# ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("endpoint", endpoints(is_unit_bound))
def test_another_units_office_never_reaches_its_objects(client, site, endpoint):
    # A city page refuses unit users whatever the unit: 403 for B's unit as for their own.
    status = 403 if endpoint.access == "city" else 404
    for name in ("assessor_a", "secretary_a"):
        as_user(client, site, name)
        refused(client, endpoint, site.url(endpoint, "B"), status)
    if endpoint.post_only:
        for name in ("assessor_b", "secretary_b"):
            as_user(client, site, name)
            refused(client, endpoint, site.url(endpoint, "A"), status)
    mixed = site.mixed_url(endpoint)
    if mixed is not None:
        # B's object under A's unit, asked for by those who may use A's page (the city
        # administrator included): not found.
        for name in allowed_users(endpoint):
            as_user(client, site, name)
            refused(client, endpoint, mixed, 404)


# ----------------------------------------------------------------------------------------
# The wrong role of the right unit
# ----------------------------------------------------------------------------------------


def has_other_office_role(e: Endpoint) -> bool:
    return e.access == "unit" and set(UNIT_OFFICE) - set(e.unit_roles)


@pytest.mark.parametrize("endpoint", endpoints(has_other_office_role))
def test_the_wrong_role_of_the_unit_is_refused(client, site, endpoint):
    for kind, name in ((RoleKind.ASSESSOR, "assessor_a"), (RoleKind.SECRETARY, "secretary_a")):
        if kind not in endpoint.unit_roles:
            as_user(client, site, name)
            refused(client, endpoint, site.url(endpoint), 404)


# ----------------------------------------------------------------------------------------
# Staff members
# ----------------------------------------------------------------------------------------


def staff_may_be_refused(e: Endpoint) -> bool:
    return e.access in ("unit", "city") or "staff_id" in e.converters


@pytest.mark.parametrize("endpoint", endpoints(staff_may_be_refused))
def test_a_staff_member_reaches_nothing_but_their_own(client, site, endpoint):
    as_user(client, site, "staff_a")
    if endpoint.access == "city":
        refused(client, endpoint, site.url(endpoint), 403)
    elif endpoint.access == "unit":
        # Their own unit's pages do not exist for them.
        refused(client, endpoint, site.url(endpoint), 404)
        refused(client, endpoint, site.url(endpoint, "B"), 404)
    else:
        # Anyone else's results, in their unit or another, do not exist for them.
        for other in (
            staff_id(UNIT_A, 1),
            staff_id(UNIT_A, STAFF_NUMBER + 1),
            staff_id(UNIT_B, STAFF_NUMBER),
        ):
            refused(client, endpoint, site.url(endpoint, staff_id=other), 404)
        assert request(client, endpoint, site.url(endpoint)).status_code == 200


def test_my_results_list_only_my_own_rows(client, site):
    as_user(client, site, "staff_a")
    html = client.get("/me/").content.decode()
    own = person_name(UNIT_A, STAFF_NUMBER)
    assert html.count("<tr>") == 2  # the header and their one row
    assert html.count(f"/periods/{PERIOD}/people/") == 1
    assert f"/periods/{PERIOD}/people/{staff_id(UNIT_A, STAFF_NUMBER)}/" in html
    for spec in (UNIT_A, UNIT_B):
        for number in range(1, 21):
            if (spec, number) != (UNIT_A, STAFF_NUMBER):
                assert person_name(spec, number) not in html
                assert staff_id(spec, number) not in html
    breakdown = client.get(f"/periods/{PERIOD}/people/{staff_id(UNIT_A, STAFF_NUMBER)}/")
    assert breakdown.status_code == 200
    assert own in breakdown.content.decode()


# ----------------------------------------------------------------------------------------
# City pages
# ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("endpoint", endpoints(lambda e: e.access == "city"))
def test_city_pages_refuse_unit_users(client, site, endpoint):
    for name in ("assessor_a", "secretary_a", "assessor_b", "staff_a"):
        as_user(client, site, name)
        refused(client, endpoint, site.url(endpoint), 403)


# ----------------------------------------------------------------------------------------
# The workflow's POSTs by the wrong role, in a state where the right role would succeed
# ----------------------------------------------------------------------------------------


def unit_a(site):
    return site.city.units[UNIT_A.name]


def back_to_draft(site) -> None:
    """A's list never proposed: its proposal (with decision, notice, objection) is gone."""
    Proposal.objects.filter(unit=unit_a(site)).delete()


def proposal_a(site) -> Proposal:
    return Proposal.objects.get(unit=unit_a(site))


def unit_url(site, tail: str) -> str:
    return f"/periods/{PERIOD}/units/{unit_a(site).pk}/{tail}"


def test_only_the_assessor_submits(client, site):
    back_to_draft(site)
    url = unit_url(site, "candidates/submit/")
    for name in ("secretary_a", "staff_a", "assessor_b", "secretary_b"):
        as_user(client, site, name)
        before = snapshot()
        assert client.post(url).status_code == 404, name
        assert snapshot() == before
    assert not Proposal.objects.filter(unit=unit_a(site)).exists()
    as_user(client, site, "assessor_a")
    assert client.post(url).status_code == 302
    assert proposal_a(site).state == ProposalState.SUBMITTED


def test_only_the_assessor_runs_the_ranking_and_nominates(client, site):
    back_to_draft(site)
    run_url = unit_url(site, "ranking/run/")
    nominate_url = unit_url(site, "candidates/")
    nominee = staff_id(UNIT_A, 7)
    for name in ("secretary_a", "staff_a", "assessor_b"):
        as_user(client, site, name)
        before = snapshot()
        assert client.post(run_url).status_code == 404, name
        assert client.post(nominate_url, {"person": nominee, "reason": REASON}).status_code == 404
        assert snapshot() == before
    runs = site.city.period.ranking_runs.count()
    as_user(client, site, "assessor_a")
    assert client.post(run_url).status_code == 302
    assert site.city.period.ranking_runs.count() == runs + 1
    # The first nomination (5th person) used one of A's two places.
    response = client.post(nominate_url, {"person": nominee, "reason": REASON})
    assert response.status_code == 302
    assert SpecialNomination.objects.filter(person__staff_id=nominee, state=NominationState.PROPOSED).exists()


def test_only_the_assessor_withdraws_a_nomination(client, site):
    back_to_draft(site)
    nomination = SpecialNomination.objects.get(unit=unit_a(site))
    url = unit_url(site, f"nominations/{nomination.pk}/withdraw/")
    for name in ("secretary_a", "staff_a", "assessor_b"):
        as_user(client, site, name)
        refused_post(client, url, 404)
    as_user(client, site, "assessor_a")
    assert client.post(url).status_code == 302
    nomination.refresh_from_db()
    assert nomination.state == NominationState.WITHDRAWN


def refused_post(client, url, status, data=None):
    before = snapshot()
    assert client.post(url, data or {}).status_code == status, url
    assert snapshot() == before


def decision_form(proposal) -> dict:
    data = {
        "kind": "party_committee",
        "date": "2025-09-20",
        "minutes_number": "2025-18",
        "members": "7",
        "present": "6",
    }
    for candidate in proposal.candidates.all():
        data[f"verdict-{candidate.pk}"] = "approved"
    return data


def test_only_the_secretary_records_the_decision(client, site):
    back_to_draft(site)
    proposal = actions.submit(site.city.period, unit_a(site), acting_user=Operator("assessor"))
    url = unit_url(site, "decision/")
    for name in ("assessor_a", "staff_a", "secretary_b", "assessor_b"):
        as_user(client, site, name)
        refused_post(client, url, 404, decision_form(proposal))
    as_user(client, site, "secretary_a")
    assert client.post(url, decision_form(proposal)).status_code == 302
    assert proposal_a(site).state == ProposalState.DECIDED


def test_only_the_assessor_issues_the_notice_and_records_objections(client, site):
    back_to_draft(site)
    proposal = approve_all(actions.submit(site.city.period, unit_a(site), acting_user=Operator("assessor")))
    url = unit_url(site, "publicity/")
    details = notice_details(unit_a(site))
    notice_form = {
        "open_notice": "1",
        "start": details.start.isoformat(),
        "issuing_body": details.issuing_body,
        "issued_on": details.issued_on.isoformat(),
        "receiving_body": details.receiving_body,
        "phone": details.phone,
    }
    for name in ("secretary_a", "staff_a", "assessor_b"):
        as_user(client, site, name)
        refused_post(client, url, 404, notice_form)
    as_user(client, site, "assessor_a")
    assert client.post(url, notice_form).status_code == 302
    assert proposal_a(site).state == ProposalState.PUBLICITY

    candidate = proposal.candidates.get(person__staff_id=staff_id(UNIT_A, 1))
    objection_form = {
        "objection": "1",
        "candidate": str(candidate.pk),
        "objector": "李某某",
        "objector_phone": "13900000000",
        "received_at": "2025-09-29T10:00",
        "content": "反映该同志存在违规情况。",
    }
    for name in ("secretary_a", "staff_a", "assessor_b"):
        as_user(client, site, name)
        refused_post(client, url, 404, objection_form)
    as_user(client, site, "assessor_a")
    assert client.post(url, objection_form).status_code == 302
    assert candidate.objections.count() == 1


def test_only_the_units_office_resolves_an_objection(client, site):
    objection = proposal_a(site).notice.objections.get()
    url = unit_url(site, f"publicity/objections/{objection.pk}/resolve/")
    for name in ("staff_a", "assessor_b", "secretary_b"):
        as_user(client, site, name)
        refused_post(client, url, 404, POST_DATA)
    as_user(client, site, "secretary_a")
    assert client.post(url, POST_DATA).status_code == 302
    objection.refresh_from_db()
    assert objection.resolution == "upheld"
    assert objection.candidate.removed_at is not None


def test_only_the_city_publishes(client, site):
    # Objection dismissed and the notice over (it ended 2025-10-10): publishable.
    objection = proposal_a(site).notice.objections.get()
    actions.resolve_objection(objection, "dismissed", "经核实反映不属实。", acting_user=Operator("assessor"))
    assert workflow.publication_blockers(proposal_a(site)) == []
    url = unit_url(site, "publicity/publish/")
    for name in ("assessor_a", "secretary_a", "staff_a", "assessor_b"):
        as_user(client, site, name)
        refused_post(client, url, 403)
    assert proposal_a(site).state == ProposalState.PUBLICITY
    as_user(client, site, "admin")
    assert client.post(url).status_code == 302
    assert proposal_a(site).state == ProposalState.PUBLISHED


def test_the_notice_document_in_both_formats_only_for_the_unit(client, site):
    for fmt, mime in (("docx", "wordprocessingml"), ("pdf", "application/pdf")):
        url = unit_url(site, f"publicity/notice.{fmt}")
        as_user(client, site, "secretary_a")
        response = client.get(url)
        assert response.status_code == 200 and mime in response["Content-Type"]
        for name in ("assessor_b", "staff_a"):
            as_user(client, site, name)
            assert client.get(url).status_code == 404
    as_user(client, site, "assessor_a")
    assert client.get(unit_url(site, "publicity/notice.txt")).status_code == 404


# ----------------------------------------------------------------------------------------
# The audit log
# ----------------------------------------------------------------------------------------


def test_the_audit_log_shows_a_unit_only_its_own_entries(client, site):
    b_entries = AuditEntry.objects.filter(unit__name=UNIT_B.name)
    assert b_entries.count() >= 4  # nomination, submission, decision, notice, objection
    for name in ("assessor_a", "secretary_a"):
        as_user(client, site, name)
        html = client.get("/audit/").content.decode()
        assert UNIT_A.name in html
        assert UNIT_B.name not in html
        assert UNIT_B.people_name not in html
        a_summaries = set(AuditEntry.objects.filter(unit__name=UNIT_A.name).values_list("summary", flat=True))
        for summary in set(b_entries.values_list("summary", flat=True)) - a_summaries:
            assert summary not in html
        # Asking for B's entries by filter shows A's own, never B's.
        html = client.get(f"/audit/?unit={site.values['B']['unit_id']}").content.decode()
        assert UNIT_B.name not in html and UNIT_B.people_name not in html
    as_user(client, site, "admin")
    html = client.get("/audit/").content.decode()
    assert UNIT_A.name in html and UNIT_B.name in html


def test_the_fixture_city_is_as_described(site):
    """The fixture is what the tests above assume."""
    for spec in (UNIT_A, UNIT_B):
        proposal = Proposal.objects.get(unit=site.city.units[spec.name])
        assert proposal.state == ProposalState.PUBLICITY
        assert sorted(proposal.candidates.values_list("person__staff_id", flat=True)) == sorted(
            [staff_id(spec, 1), staff_id(spec, 2), staff_id(spec, NOMINATED[spec])]
        )
        assert proposal.notice.objections.get().candidate.person.staff_id == staff_id(spec, OBJECTED_NUMBER)
        assert proposal.candidates.get(person__staff_id=staff_id(spec, 1)).total == Decimal("99")
