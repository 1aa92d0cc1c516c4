"""The raters' pages (考核码): no account, a phone, maybe no script.

A rater types the code from their slip; the session then holds the code's id and its hash
(never the code): a code re-issued meanwhile no longer matches, and every request checks
that the code is still usable. The sheet keeps every entry as a draft (htmx saves each
field on change; without script the buttons post the whole form), the review reads every
score back with what still blocks the submission, then the code is used up.

The views parse and render; every change is a rater's action of ``rating.actions``
(``open_code``, ``save_draft``, ``submit``). No page names a code's holder.
"""

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from functools import wraps

from django.contrib.auth.decorators import login_not_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from jixiao.core.clients import client_address
from jixiao.core.refusals import Refused
from jixiao.rating import actions
from jixiao.rating.errors import RatingRefusal
from jixiao.rating.models import RatingCode, RatingRound, RoundState
from jixiao.rating.sheets import Sheet, sheet_for

# What the session holds: the code's id and hash, the round's key (to lead back to its
# entry page) and, once submitted, the round's name for the thank-you page.
CODE = "rating_code"
CODE_HASH = "rating_code_hash"
ROUND_KEY = "rating_round_key"
DONE = "rating_done"

NUMBER = re.compile(r"[+-]?(\d{1,7}(\.\d*)?|\.\d+)")
LONGEST_NUMBER = 20


def code_page(view):
    """For the raters' pages: no account; they show nothing but the code form until a
    usable code is held in the session (``access = "code"``)."""
    view = login_not_required(view)
    view.access = "code"
    return view


# ----------------------------------------------------------------------------------------
# The code held in the session
# ----------------------------------------------------------------------------------------


def _hold(request, code: RatingCode) -> None:
    request.session.cycle_key()  # a session fixed before the code was typed is not reused
    for name in (CODE, CODE_HASH, DONE):
        request.session.pop(name, None)
    request.session[CODE] = code.pk
    request.session[CODE_HASH] = code.code_hash
    request.session[ROUND_KEY] = code.round.key


def _let_go(request) -> None:
    request.session.pop(CODE, None)
    request.session.pop(CODE_HASH, None)


def _held(request) -> RatingCode | None:
    """The session's code as the database has it now; None once it was re-issued."""
    pk, digest = request.session.get(CODE), request.session.get(CODE_HASH)
    if pk is None or not digest:
        return None
    return (
        RatingCode.objects.select_related(
            "round", "round__period", "round__category", "batch", "batch__unit", "group"
        )
        .filter(pk=pk, code_hash=digest)
        .first()
    )


def _entry_url(request) -> str:
    key = request.session.get(ROUND_KEY)
    return reverse("rating:enter_round", args=[key]) if key else reverse("rating:enter")


def _refused(request, message: str, *, status: int):
    """The page of a code that can no longer be used (submitted, closed, replaced)."""
    return render(
        request,
        "rating/rate_refused.html",
        {"message": message, "entry_url": _entry_url(request)},
        status=status,
    )


def needs_code(view):
    """Pass the session's usable code to the view; without one, lead to the code form; with
    one that died (submitted, round closed, re-issued), say why and forget it."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.session.get(CODE) is None:
            if request.htmx:
                return HttpResponseClientRedirect(_entry_url(request))
            return redirect(_entry_url(request))
        code = _held(request)
        if code is None:
            message = _(
                "This code no longer works: a new code may have replaced it. Please type the code on your slip again."
            )
        else:
            try:
                actions.require_usable(code)
            except Refused as refused:
                message = refused.message
            else:
                return view(request, code, *args, **kwargs)
        if request.htmx:
            # The page itself says why (a fragment would leave the sheet looking alive).
            return HttpResponseClientRedirect(reverse("rating:sheet"))
        _let_go(request)
        return _refused(request, message, status=200 if request.method == "GET" else 409)

    return wrapper


# ----------------------------------------------------------------------------------------
# Scores as people type them
# ----------------------------------------------------------------------------------------


class BadScore(ValueError):
    pass


def parse_score(text: str) -> int | None:
    """A score as typed ("90", "90.5", "９０．５", "90分") in hundredths; None when empty."""
    cleaned = unicodedata.normalize("NFKC", text or "").replace("。", ".").replace(" ", "").strip()
    cleaned = cleaned.removesuffix("分")
    if not cleaned:
        return None
    if len(cleaned) > LONGEST_NUMBER or not NUMBER.fullmatch(cleaned):
        raise BadScore(_("Type a number, such as 90 or 90.5."))
    cents = Decimal(cleaned) * 100
    if cents != cents.to_integral_value():
        raise BadScore(_("A score has at most two decimals, such as 90.25."))
    return int(cents)


def points(cents: int) -> str:
    """Hundredths as a score is written: 90, 90.5, 90.25."""
    whole, part = divmod(cents, 100)
    return str(whole) if part == 0 else f"{whole}.{part:02d}".rstrip("0")


def field_name(entry_id: int, indicator_id: int) -> str:
    return f"s-{entry_id}-{indicator_id}"


@dataclass
class Saved:
    sheet: Sheet
    errors: dict[str, str]  # field → message
    typed: dict[str, str]  # field → the text refused, shown again
    posted: list[str]  # the sheet's fields the request carried


def save_entries(code: RatingCode, data) -> Saved:
    """Save every field of the sheet the request carried; a bad one is named and left out,
    the others are saved."""
    sheet = sheet_for(code)
    full = sheet.full_marks_cents()
    names = {i.pk: i.name for i in sheet.indicators}
    entered, errors, typed, posted = {}, {}, {}, []
    for entry_id, indicator_id in sheet.keys:
        name = field_name(entry_id, indicator_id)
        if name not in data:
            continue
        posted.append(name)
        try:
            cents = parse_score(data[name])
            if cents is not None and not 0 <= cents <= full[indicator_id]:
                raise BadScore(
                    Refused(
                        RatingRefusal.SCORE_OUT_OF_RANGE,
                        indicator=names[indicator_id],
                        full=points(full[indicator_id]),
                    ).message
                )
        except BadScore as bad:
            errors[name], typed[name] = str(bad), data[name]
            continue
        entered[(entry_id, indicator_id)] = cents
    if entered:
        sheet = actions.save_draft(code, entered, sheet=sheet)
    return Saved(sheet, errors, typed, posted)


# ----------------------------------------------------------------------------------------
# What the pages show
# ----------------------------------------------------------------------------------------


def _clock(moment) -> str:
    return timezone.localtime(moment).strftime("%H:%M")


def _when(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def top_mark_lines(sheet: Sheet) -> list[str]:
    """Where the scheme limits top marks: how many people may have one, per item."""
    if sheet.scheme is None or not sheet.indicators:
        return []
    allowed = sheet.top_allowance()
    if allowed is None:
        return []
    floors = sheet.top_floors()
    if len(set(floors.values())) == 1:
        floor = points(next(iter(floors.values())))
        if allowed == 0:
            return [
                _(
                    "With so few people to score, nobody may have a top mark (%(floor)s points or more) on any item."
                )
                % {"floor": floor}
            ]
        return [
            _("On each item, at most %(allowed)s people may have a top mark (%(floor)s points or more).")
            % {"allowed": allowed, "floor": floor}
        ]
    return [
        _("%(indicator)s: at most %(allowed)s people may have a top mark (%(floor)s points or more).")
        % {"indicator": i.name, "allowed": allowed, "floor": points(floors[i.pk])}
        for i in sheet.indicators
    ]


def _people(sheet: Sheet, saved: Saved | None = None) -> list[dict]:
    """Each person with a row per indicator: its field, range, value and message."""
    full = sheet.full_marks_cents()
    floors = sheet.top_floors() if sheet.scheme is not None else {}
    errors = saved.errors if saved else {}
    typed = saved.typed if saved else {}
    people = []
    for person in sheet.people:
        rows = []
        for indicator in sheet.indicators:
            name = field_name(person.pk, indicator.pk)
            cents = sheet.scores.get((person.pk, indicator.pk))
            rows.append(
                {
                    "name": name,
                    "indicator": indicator.name,
                    "full": points(full[indicator.pk]),
                    "value": typed[name] if name in typed else ("" if cents is None else points(cents)),
                    "error": errors.get(name, ""),
                    "missing": cents is None,
                    "top": cents is not None and indicator.pk in floors and cents >= floors[indicator.pk],
                }
            )
        people.append({"entry": person, "rows": rows, "missing": sum(r["missing"] for r in rows)})
    # Without script, the page opens at the first score it refused.
    first = next((row for p in people for row in p["rows"] if row["error"]), None)
    if first is not None:
        first["first_error"] = True
    return people


def _progress(sheet: Sheet) -> dict:
    total = len(sheet.keys)
    return {"done": total - sheet.missing(), "total": total}


def _frame(code: RatingCode, sheet: Sheet) -> dict:
    return {
        "round": code.round,
        "group": code.group,
        "unit": code.batch.unit,
        "category": code.round.category,
        "closes": _when(code.round.closes_at),
        "sheet": sheet,
        "progress": _progress(sheet),
        "top_lines": top_mark_lines(sheet),
    }


# ----------------------------------------------------------------------------------------
# The pages
# ----------------------------------------------------------------------------------------


@code_page
@never_cache
@require_http_methods(["GET", "POST"])
def enter(request, key: str = ""):
    """The code form (``?code=`` fills it in, as the QR code on a slip does). Wrong codes are
    counted per address and round: past the limit the address waits (429)."""
    round_ = RatingRound.objects.filter(key=key.upper()).first() if key else None
    round_key = round_.key if round_ is not None else ""
    typed = request.GET.get("code", "")[:40]
    message, status = "", 200
    if request.method == "POST":
        typed = request.POST.get("code", "")[:40]
        if not typed.strip():
            message = _("Type the code on your slip.")
        else:
            try:
                code = actions.open_code(typed, address=client_address(request), round_key=round_key)
            except Refused as refused:
                message = refused.message
                if refused.code == RatingRefusal.TOO_MANY_GUESSES:
                    status = 429
            else:
                _hold(request, code)
                return redirect("rating:sheet")
    elif round_ is not None:
        message = _round_not_open(round_)  # told before any code is typed
    held = _held(request)
    in_progress = held is not None and held.submitted_at is None and _usable(held)
    return render(
        request,
        "rating/rate_enter.html",
        {
            "round": round_,
            "opens": _when(round_.opens_at) if round_ else "",
            "closes": _when(round_.closes_at) if round_ else "",
            "typed": typed,
            "message": message,
            "in_progress": in_progress,
        },
        status=status,
    )


def _round_not_open(round_: RatingRound) -> str:
    now = timezone.now()
    if round_.state == RoundState.COUNTED or now >= round_.closes_at:
        return Refused(RatingRefusal.ROUND_CLOSED, time=_when(round_.closes_at)).message
    if now < round_.opens_at:
        return Refused(RatingRefusal.ROUND_NOT_OPEN, time=_when(round_.opens_at)).message
    return ""


def _usable(code: RatingCode) -> bool:
    try:
        actions.require_usable(code)
    except Refused:
        return False
    return True


@code_page
@never_cache
@require_http_methods(["GET", "POST"])
@needs_code
def sheet(request, code: RatingCode):
    """Every person the code scores, an entry per rater-scored indicator. Posted (no script):
    every field is saved, then the sheet again (保存草稿) or the review (检查并提交)."""
    saved = None
    if request.method == "POST":
        try:
            saved = save_entries(code, request.POST)
        except Refused as refused:  # the round closed or the code was used meanwhile
            _let_go(request)
            return _refused(request, refused.message, status=409)
        if not saved.errors:
            return redirect("rating:review" if request.POST.get("action") == "review" else "rating:sheet")
        the_sheet = saved.sheet
    else:
        the_sheet = sheet_for(code)
    return render(
        request,
        "rating/rate_sheet.html",
        {
            **_frame(code, the_sheet),
            "people": _people(the_sheet, saved),
            "errors": len(saved.errors) if saved else 0,
            "saved_at": _clock(code.saved_at) if code.saved_at and not saved else "",
        },
    )


@code_page
@never_cache
@require_POST
@needs_code
def save(request, code: RatingCode):
    """htmx: save the fields posted (one, as the sheet sends them); answer the field's
    message, the save status and the progress (400 when a score was refused)."""
    try:
        saved = save_entries(code, request.POST)
    except Refused:
        return HttpResponseClientRedirect(reverse("rating:sheet"))
    problems = list(saved.errors.values())
    return render(
        request,
        "rating/rate_saved.html",
        {
            "fields": [{"name": name, "error": saved.errors.get(name, "")} for name in saved.posted],
            "problem": problems[0] if problems else "",
            "time": _clock(timezone.now()),
            "progress": _progress(saved.sheet),
        },
        status=400 if problems else 200,
    )


@code_page
@never_cache
@require_http_methods(["GET", "POST"])
@needs_code
def review(request, code: RatingCode):
    """Every score read back, what still blocks the submission, and the submission itself
    (``confirm=1``): once, whatever arrives at the same time."""
    if request.method == "POST":
        if request.POST.get("confirm") != "1":
            return redirect("rating:review")
        try:
            actions.submit(code)
        except Refused as refused:
            if refused.code not in (RatingRefusal.NOT_COMPLETE, RatingRefusal.TOO_MANY_TOP_MARKS):
                _let_go(request)
                return _refused(request, refused.message, status=409)
        else:
            _let_go(request)
            request.session[DONE] = code.round.name
            return redirect("rating:done")
    the_sheet = sheet_for(code)
    problems = actions.submission_problems(the_sheet)
    people = _people(the_sheet)
    first_missing = next((p["entry"].pk for p in people if p["missing"]), None)
    return render(
        request,
        "rating/rate_review.html",
        {
            **_frame(code, the_sheet),
            "people": people,
            "problems": [
                {
                    "message": problem.message,
                    "anchor": f"p-{first_missing}"
                    if problem.code == RatingRefusal.NOT_COMPLETE and first_missing
                    else "limits",
                }
                for problem in problems
            ],
        },
    )


@code_page
@never_cache
@require_GET
def done(request):
    """Thanks, once the scores are in."""
    name = request.session.get(DONE)
    if not name:
        return redirect(_entry_url(request))
    return render(request, "rating/rate_done.html", {"round_name": name, "entry_url": _entry_url(request)})
