"""The offices' pages of online rating: a unit's assessment office runs its own rounds, the
city's office its city-wide rounds and sees every unit's.

Open a round, issue codes (shown once, with their slips as PDF and .xlsx), watch the
progress (counts and slip numbers, never a score, never who gave one), re-issue a lost slip,
move the closing time, and close and count. Every change goes through
``jixiao.rating.actions``; a refusal is shown on the page that asked.
"""

from dataclasses import dataclass

from django.contrib import messages
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jixiao.assessment.actions import locked_units
from jixiao.assessment.models import Period, PeriodState, RaterGroup, RosterEntry
from jixiao.core.refusals import Refused
from jixiao.imports.problems import ImportRefused
from jixiao.org.access import city_admin_required, unit_role_required
from jixiao.org.models import RoleKind, Unit
from jixiao.rating import actions, progress, slips
from jixiao.rating.models import RatingBatch, RatingRound
from jixiao.rating.office_forms import (
    ClosingForm,
    CountForm,
    IssueForm,
    ReissueForm,
    RoundForm,
    round_choices,
    round_scheme,
    sub_period_label,
)
from jixiao.selection.pages import unit_context
from jixiao.showcase.rendering import is_local_address, public_base_url

PDF = "application/pdf"
# Pages and files that show codes: never kept by a browser's cache or a proxy.
NO_STORE = "no-store"
# How often an open round's progress table refreshes itself (with script).
REFRESH_SECONDS = 30


@dataclass
class Office:
    """Whose pages these are: a unit's assessment office, or the city's (``unit`` None)."""

    request: object
    period: Period
    unit: Unit | None

    @property
    def prefix(self) -> str:
        return "unit" if self.unit is not None else "city"

    def url(self, name: str, *args) -> str:
        where = [self.period.code] + ([self.unit.pk] if self.unit is not None else [])
        return reverse(f"rating_office:{self.prefix}_{name}", args=[*where, *args])

    def round_urls(self, round_: RatingRound) -> dict[str, str]:
        names = ("round", "progress", "issue", "reissue", "closing", "count", "slips_pdf", "slips_xlsx")
        return {name: self.url(name, round_.pk) for name in names}

    def context(self, **more) -> dict:
        if self.unit is not None:
            context = unit_context(self.request, self.period, self.unit, "rating")
            context["base_template"] = "selection/unit_base.html"
        else:
            context = {
                "period": self.period,
                "city_admin": True,
                "base_template": "rating/office_city_base.html",
            }
        context.update(
            office=self,
            rounds_url=self.url("rounds"),
            period_open=self.period.state == PeriodState.OPEN,
            **more,
        )
        return context

    def round(self, round_id: int) -> RatingRound:
        """The round of the period, the unit's own on a unit's pages (the city's office
        reaches every round from its pages)."""
        rounds = RatingRound.objects.select_related("period", "category", "unit", "import_record")
        where = {"unit": self.unit} if self.unit is not None else {}
        return get_object_or_404(rounds, pk=round_id, period=self.period, **where)


def _unit_office(request, code, unit) -> Office:
    return Office(request, get_object_or_404(Period, code=code), unit)


def _city_office(request, code) -> Office:
    return Office(request, get_object_or_404(Period, code=code), None)


def _base_url(request) -> str:
    return public_base_url(request)


# ----------------------------------------------------------------------------------------
# The rounds, and opening one
# ----------------------------------------------------------------------------------------


def _rounds_page(office: Office):
    request = office.request
    choices = round_choices(office.period, office.unit)
    form = RoundForm(request.POST or None, choices=choices)
    if request.method == "POST" and form.is_valid():
        category, sub_period = form.chosen()
        name = form.cleaned_data["name"] or _default_name(office, category, sub_period)
        try:
            round_ = actions.create_round(
                period=office.period,
                category=category,
                unit=office.unit,
                name=name,
                opens_at=form.cleaned_data["opens_at"],
                closes_at=form.cleaned_data["closes_at"],
                sub_period=sub_period,
                acting_user=request.user,
            )
        except Refused as refused:
            form.add_error(None, refused.message)
        else:
            messages.success(
                request, _("The round %(name)s is open: now issue its codes.") % {"name": round_.name}
            )
            return redirect(office.url("issue", round_.pk))
    if office.unit is not None:
        own = progress.unit_rounds(office.period, office.unit)
        units = []
    else:
        everything = progress.all_rounds(office.period)
        own = [s for s in everything if s.round.unit_id is None]
        units = [s for s in everything if s.round.unit_id is not None]
    for summary in own:
        summary.url = office.url("round", summary.round.pk)
    for summary in units:
        summary.url = reverse(
            "rating_office:unit_round", args=[office.period.code, summary.round.unit_id, summary.round.pk]
        )
    context = office.context(
        form=form, rounds=own, unit_rounds=units, now=timezone.now(), has_choices=bool(choices)
    )
    return render(request, "rating/office_rounds.html", context)


def _default_name(office: Office, category, sub_period: int) -> str:
    scheme = round_scheme(office.period, category, office.unit)
    part = sub_period_label(office.period, scheme, sub_period) if scheme else ""
    where = office.unit.name if office.unit is not None else _("city-wide")
    return _("%(where)s %(period)s %(category)s %(part)s online rating") % {
        "where": where,
        "period": office.period.title,
        "category": category.name,
        "part": part,
    }


@unit_role_required(RoleKind.ASSESSOR)
def unit_rounds(request, code, unit):
    return _rounds_page(_unit_office(request, code, unit))


@city_admin_required
def city_rounds(request, code):
    return _rounds_page(_city_office(request, code))


# ----------------------------------------------------------------------------------------
# One round: its progress and what the office does with it
# ----------------------------------------------------------------------------------------


def _round_context(office: Office, round_: RatingRound, **more) -> dict:
    scheme = round_scheme(office.period, round_.category, round_.unit)
    state = progress.round_state(round_)
    locked = []
    if state != "counted":
        unit_ids = (
            [round_.unit_id]
            if round_.unit_id is not None
            else RatingBatch.objects.filter(round=round_).values_list("unit_id", flat=True)
        )
        locked = locked_units(office.period, unit_ids)
    counted = None
    if state == "counted" and round_.import_record is not None:
        summary = round_.import_record.summary
        counted = {
            "new": summary.get("new_scores", 0),
            "changed": summary.get("changed_scores", 0),
            "unchanged": summary.get("unchanged_scores", 0),
            "people": summary.get("people", 0),
        }
    if round_.unit_id is not None:
        ranking = reverse("selection:unit", args=[office.period.code, round_.unit_id])
    else:
        ranking = reverse("selection:period", args=[office.period.code])
    return office.context(
        round=round_,
        urls=office.round_urls(round_),
        state=state,
        part=sub_period_label(office.period, scheme, round_.sub_period) if scheme else "",
        address=slips.rating_address(_base_url(office.request), round_),
        progress=progress.round_progress(round_),
        batches=progress.batches(round_),
        locked=locked,
        counted=counted,
        ranking_url=ranking,
        refresh=REFRESH_SECONDS,
        reissue_form=ReissueForm(),
        closing_form=ClosingForm(initial={"closes_at": timezone.localtime(round_.closes_at)}),
        count_form=CountForm(),
        **more,
    )


def _round_page(office: Office, round_id: int):
    round_ = office.round(round_id)
    return render(office.request, "rating/office_round.html", _round_context(office, round_))


def _progress_fragment(office: Office, round_id: int):
    round_ = office.round(round_id)
    context = office.context(
        round=round_,
        urls=office.round_urls(round_),
        state=progress.round_state(round_),
        progress=progress.round_progress(round_),
        refresh=REFRESH_SECONDS,
    )
    return render(office.request, "rating/office_progress.html", context)


@unit_role_required(RoleKind.ASSESSOR)
def unit_round(request, code, unit, round_id):
    return _round_page(_unit_office(request, code, unit), round_id)


@city_admin_required
def city_round(request, code, round_id):
    return _round_page(_city_office(request, code), round_id)


@unit_role_required(RoleKind.ASSESSOR)
def unit_progress(request, code, unit, round_id):
    return _progress_fragment(_unit_office(request, code, unit), round_id)


@city_admin_required
def city_progress(request, code, round_id):
    return _progress_fragment(_city_office(request, code), round_id)


# ----------------------------------------------------------------------------------------
# Issuing codes: the only time their text is shown
# ----------------------------------------------------------------------------------------


def _issue_page(office: Office, round_id: int):
    request = office.request
    round_ = office.round(round_id)
    roster = []
    if round_.unit_id is not None:
        roster = (
            RosterEntry.objects.filter(period=office.period, unit_id=round_.unit_id, category=round_.category)
            .select_related("person")
            .order_by("person__staff_id")
        )
    form = IssueForm(request.POST or None, round_=round_, roster=roster)
    if request.method == "POST" and form.is_valid():
        try:
            issued = actions.issue_codes(
                round_,
                group=RaterGroup.objects.get(pk=form.cleaned_data["group"]),
                acting_user=request.user,
                unit=form.batch_unit,
                count=0 if form.chosen_holders else form.cleaned_data["count"] or 0,
                holders=form.chosen_holders,
                scope=form.cleaned_data["scope"],
                rated=form.chosen_rated,
                label=form.cleaned_data["label"],
            )
        except Refused as refused:
            form.add_error(None, refused.message)
        else:
            return _issued_page(office, round_, [(i.code, i.text) for i in issued])
    context = office.context(
        round=round_,
        urls=office.round_urls(round_),
        form=form,
        people=_ticks(request, roster),
        state=progress.round_state(round_),
    )
    return render(request, "rating/office_issue.html", context)


def _issued_page(office: Office, round_: RatingRound, issued, *, reissued: bool = False):
    """The codes just issued, shown this once: slips to print, with their PDF and .xlsx."""
    base_url = _base_url(office.request)
    made = slips.make_slips(round_, issued, base_url)
    context = office.context(
        round=round_,
        urls=office.round_urls(round_),
        slips=made,
        codes=" ".join(slip.code for slip in made),
        address=slips.rating_address(base_url, round_),
        local_address=is_local_address(base_url),
        reissued=reissued,
    )
    response = render(office.request, "rating/office_issued.html", context)
    response["Cache-Control"] = NO_STORE
    return response


def _ticks(request, roster) -> list[tuple]:
    """The unit's people of the category, each with whether they were ticked as a holder and
    as scored (kept when the form comes back with an error)."""
    holders, rated = set(request.POST.getlist("holders")), set(request.POST.getlist("rated"))
    return [(entry, str(entry.pk) in holders, str(entry.pk) in rated) for entry in roster]


@unit_role_required(RoleKind.ASSESSOR)
def unit_issue(request, code, unit, round_id):
    return _issue_page(_unit_office(request, code, unit), round_id)


@city_admin_required
def city_issue(request, code, round_id):
    return _issue_page(_city_office(request, code), round_id)


def _reissue(office: Office, round_id: int):
    round_ = office.round(round_id)
    form = ReissueForm(office.request.POST)
    if not form.is_valid():
        messages.error(office.request, _("Give the number of the slip to re-issue."))
        return redirect(office.url("round", round_.pk))
    try:
        issued = actions.reissue_code(round_, form.cleaned_data["slip"], acting_user=office.request.user)
    except Refused as refused:
        messages.error(office.request, refused.message)
        return redirect(office.url("round", round_.pk))
    return _issued_page(office, round_, [(issued.code, issued.text)], reissued=True)


@require_POST
@unit_role_required(RoleKind.ASSESSOR)
def unit_reissue(request, code, unit, round_id):
    return _reissue(_unit_office(request, code, unit), round_id)


@require_POST
@city_admin_required
def city_reissue(request, code, round_id):
    return _reissue(_city_office(request, code), round_id)


def _slips_file(office: Office, round_id: int, kind: str):
    """The slips (PDF) or the list (.xlsx) of the codes the form carries back, each checked
    against its stored hash: only codes of this round, usable now."""
    round_ = office.round(round_id)
    try:
        issued = slips.usable_codes(round_, slips.split_codes(office.request.POST.get("codes", "")))
    except slips.NotUsable as refused:
        messages.error(office.request, refused.message)
        return redirect(office.url("round", round_.pk))
    base_url = _base_url(office.request)
    made = slips.make_slips(round_, issued, base_url)
    if kind == "pdf":
        data, content_type = slips.slips_pdf(round_, made, base_url), PDF
    else:
        data, content_type = slips.slips_xlsx(round_, made), slips.XLSX
    response = FileResponse(
        iter([data]),
        as_attachment=True,
        filename=slips.slips_filename(round_, made, kind),
        content_type=content_type,
    )
    response["Cache-Control"] = NO_STORE
    return response


@require_POST
@unit_role_required(RoleKind.ASSESSOR)
def unit_slips_pdf(request, code, unit, round_id):
    return _slips_file(_unit_office(request, code, unit), round_id, "pdf")


@require_POST
@city_admin_required
def city_slips_pdf(request, code, round_id):
    return _slips_file(_city_office(request, code), round_id, "pdf")


@require_POST
@unit_role_required(RoleKind.ASSESSOR)
def unit_slips_xlsx(request, code, unit, round_id):
    return _slips_file(_unit_office(request, code, unit), round_id, "xlsx")


@require_POST
@city_admin_required
def city_slips_xlsx(request, code, round_id):
    return _slips_file(_city_office(request, code), round_id, "xlsx")


# ----------------------------------------------------------------------------------------
# Closing time, and counting
# ----------------------------------------------------------------------------------------


def _closing(office: Office, round_id: int):
    request = office.request
    round_ = office.round(round_id)
    if "now" in request.POST:
        closes_at, done = timezone.now(), _("The round is closed: raters can no longer open or submit codes.")
    else:
        form = ClosingForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Give the new closing time."))
            return redirect(office.url("round", round_.pk))
        closes_at = form.cleaned_data["closes_at"]
        if _minute(closes_at) == _minute(round_.closes_at):
            messages.info(request, _("The closing time is unchanged."))
            return redirect(office.url("round", round_.pk))
        done = _("The round now closes at %(time)s.") % {"time": _minute(closes_at)}
    try:
        actions.set_closing_time(round_, closes_at, acting_user=request.user)
    except Refused as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, done)
    return redirect(office.url("round", round_.pk))


def _minute(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


@require_POST
@unit_role_required(RoleKind.ASSESSOR)
def unit_closing(request, code, unit, round_id):
    return _closing(_unit_office(request, code, unit), round_id)


@require_POST
@city_admin_required
def city_closing(request, code, round_id):
    return _closing(_city_office(request, code), round_id)


def _count(office: Office, round_id: int):
    request = office.request
    round_ = office.round(round_id)
    form = CountForm(request.POST)
    form.is_valid()
    reason = form.cleaned_data.get("reason") or None
    try:
        counted = actions.count_round(round_, acting_user=request.user, reason=reason)
    except ImportRefused as refused:
        file_name = _("online rating %(key)s.csv") % {"key": round_.key}
        context = _round_context(office, round_, problems=refused.problems, file_name=file_name)
        return render(request, "rating/office_round.html", context)
    except Refused as refused:
        messages.error(request, refused.message)
        return redirect(office.url("round", round_.pk))
    messages.success(
        request,
        _(
            "The round is closed and counted: %(submitted)s of %(issued)s codes submitted, %(scores)s scores "
            "written, totals computed again."
        )
        % {"submitted": counted.submitted, "issued": counted.issued, "scores": counted.scores},
    )
    return redirect(office.url("round", round_.pk))


@require_POST
@unit_role_required(RoleKind.ASSESSOR)
def unit_count(request, code, unit, round_id):
    return _count(_unit_office(request, code, unit), round_id)


@require_POST
@city_admin_required
def city_count(request, code, round_id):
    return _count(_city_office(request, code), round_id)
