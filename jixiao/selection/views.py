"""The city's periods and progress board, and a unit's pages from its roster and ranking to
published exemplars. The views parse and render; every change is an action
(``selection.actions``, ``assessment.actions``)."""

import datetime
from itertools import groupby

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, F, OuterRef, Q, Subquery
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from jixiao.assessment import actions as assessment_actions
from jixiao.assessment.models import Period, PeriodState, RosterEntry
from jixiao.assessment.schemes import applicable_scheme
from jixiao.core.refusals import Refused
from jixiao.org.access import UNIT_OFFICE, city_admin_required, has_unit_role, unit_role_required
from jixiao.org.models import Category, RoleKind, Unit
from jixiao.selection import actions, unit_jobs, workflow
from jixiao.selection.forms import (
    VERDICT_CHOICES,
    MeetingForm,
    NominationForm,
    NoticeForm,
    ObjectionForm,
    ResolutionForm,
    RulesForm,
)
from jixiao.selection.models import (
    Candidate,
    NominationState,
    Notice,
    Objection,
    Outcome,
    Proposal,
    ProposalState,
    RankingResult,
    Resolution,
    Route,
    SelectionRules,
    SpecialNomination,
    Verdict,
)
from jixiao.selection.notice_documents import notice_docx, notice_pdf
from jixiao.selection.pages import first_steps, unit_context
from jixiao.selection.publicity import CalendarNotAvailable
from jixiao.selection.ranking import ranking_is_current, summarize

# ----------------------------------------------------------------------------------------
# Periods (city administrators)
# ----------------------------------------------------------------------------------------


class NewPeriodForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Period code"), max_length=10, help_text=gettext_lazy("e.g. 2024H1")
    )

    def clean_code(self):
        return self.cleaned_data["code"].strip().upper()


@city_admin_required
def periods(request):
    form = NewPeriodForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            period = assessment_actions.create_period(form.cleaned_data["code"], acting_user=request.user)
        except ValidationError as error:
            form.add_error("code", error)
        except Refused as refused:
            form.add_error("code", refused.message)
        else:
            messages.success(
                request, _("Period %(code)s created with the default rules.") % {"code": period.code}
            )
            return redirect("selection:period_settings", code=period.code)
    return render(request, "selection/periods.html", {"periods": Period.objects.all(), "form": form})


@city_admin_required
def period_settings(request, code):
    period = get_object_or_404(Period, code=code)
    rules = SelectionRules.objects.get(period=period)
    form = RulesForm(request.POST or None, instance=rules)
    if request.method == "POST" and form.is_valid():
        try:
            actions.change_rules(
                period,
                {name: form.cleaned_data[name] for name in form.changed_data},
                acting_user=request.user,
            )
        except Refused as refused:
            messages.error(request, refused.message)
        else:
            if form.changed_data:
                messages.success(request, _("Rules saved; the ranking must be computed again."))
        return redirect("selection:period_settings", code=period.code)
    return render(
        request,
        "selection/period_settings.html",
        {"period": period, "form": form, "PeriodState": PeriodState},
    )


@require_POST
@city_admin_required
def period_state(request, code):
    period = get_object_or_404(Period, code=code)
    state = request.POST.get("state")
    if state not in PeriodState.values:
        raise Http404
    assessment_actions.set_period_state(period, state, acting_user=request.user)
    return redirect("selection:period_settings", code=period.code)


# ----------------------------------------------------------------------------------------
# City
# ----------------------------------------------------------------------------------------


@city_admin_required
def period_overview(request, code):
    """The progress board: every unit's stage in the period, filterable, with counts."""
    period = get_object_or_404(Period, code=code)
    board = workflow.progress_board(period)
    units, city = summarize(period)
    summaries = {summary.name: summary for summary in units}
    for row in board:
        row.summary = summaries.pop(row.unit.name, None)
    # A unit only a stale ranking still names (renamed on the roster since) stays listed
    # until the next ranking, so its people are not silently missing from the totals.
    for unit in Unit.objects.filter(name__in=list(summaries)):
        board.append(workflow.UnitProgress(unit=unit))
        board[-1].summary = summaries[unit.name]
    stage = request.GET.get("stage", "")
    query = request.GET.get("q", "").strip()
    flagged_only = request.GET.get("flagged") == "1"
    counts = {s: 0 for s in workflow.Stage.ORDER}
    for row in board:
        counts[row.stage] += 1
    rows = [
        row
        for row in board
        if (not stage or row.stage == stage)
        and (not query or query in row.unit.name)
        and (not flagged_only or row.flagged)
    ]
    totals = {
        field: sum(getattr(row, field) for row in board)
        for field in ("headcount", "scored", "by_rank", "special", "candidates", "approved", "exemplars")
    }
    context = {
        "period": period,
        "periods": Period.objects.all(),
        "rows": rows,
        "totals": totals,
        "city": city,
        "stages": [
            (s, workflow.stage_label(s), counts[s]) for s in workflow.Stage.ORDER if s != ProposalState.DRAFT
        ],
        "stage": stage,
        "query": query,
        "flagged_only": flagged_only,
        "current": ranking_is_current(period),
        "steps": first_steps(period),
    }
    template = "selection/board_rows.html" if request.htmx else "selection/period.html"
    return render(request, template, context)


def counts_by_route(exemplars, name: str, sort_order: str) -> list[dict]:
    return list(
        exemplars.values(name)
        .annotate(
            n=Count("id"),
            by_rank=Count("id", filter=Q(route=Route.BY_RANK)),
            special=Count("id", filter=Q(route=Route.SPECIAL)),
        )
        .order_by(sort_order, name)
    )


@city_admin_required
def city_totals(request, code):
    """Exemplars of the period by route and by category, and by unit."""
    period = get_object_or_404(Period, code=code)
    exemplars = workflow.exemplars(period)
    by_route = {
        row["route"]: row["n"] for row in exemplars.values("route").annotate(n=Count("id")).order_by()
    }
    by_category = counts_by_route(exemplars, "category__name", "category__sort_order")
    by_unit = counts_by_route(exemplars, "proposal__unit__name", "proposal__unit__sort_order")
    return render(
        request,
        "selection/city_totals.html",
        {
            "period": period,
            "total": sum(by_route.values()),
            "by_rank": by_route.get(Route.BY_RANK, 0),
            "special": by_route.get(Route.SPECIAL, 0),
            "by_category": by_category,
            "by_unit": by_unit,
        },
    )


# ----------------------------------------------------------------------------------------
# Unit
# ----------------------------------------------------------------------------------------


def _holds(user, unit, kind) -> bool:
    return has_unit_role(user, unit.pk, kind)


def _period(code) -> Period:
    return get_object_or_404(Period, code=code)


@unit_role_required(*UNIT_OFFICE)
def unit_ranking(request, code, unit):
    period = _period(code)
    results = (
        RankingResult.objects.filter(period=period, unit=unit)
        .select_related("person", "entry", "category")
        .order_by("category__sort_order", "category_id", "rank", "person__staff_id")
    )
    nominated = set(
        SpecialNomination.objects.filter(
            period=period, unit=unit, state=NominationState.PROPOSED
        ).values_list("person_id", flat=True)
    )
    groups = []
    for category, members in groupby(results, key=lambda r: r.category):
        members = list(members)
        # The cut-off line goes under the last person whose rank is within the places.
        quota = members[0].quota
        within = [i for i, m in enumerate(members) if m.rank <= quota]
        cutoff_index = within[-1] if within else -1
        groups.append(
            {
                "category": category,
                "rows": [(m, i == cutoff_index) for i, m in enumerate(members)],
                "size": members[0].group_size,
                "quota": quota,
                "selected": sum(1 for m in members if m.outcome == Outcome.BY_RANK),
            }
        )
    categories = Category.objects.filter(
        pk__in=RosterEntry.objects.filter(period=period, unit=unit).values("category_id")
    )
    templates = [c for c in categories if applicable_scheme(period, unit.pk, c.pk) is not None]
    context = unit_context(request, period, unit, "ranking")
    context.update(
        groups=groups,
        nominated=nominated,
        Outcome=Outcome,
        templates=templates,
        steps=first_steps(period, unit),
    )
    return render(request, "selection/unit.html", context)


@require_POST
@unit_role_required(RoleKind.ASSESSOR)
def run_ranking(request, code, unit):
    period = _period(code)
    return unit_jobs.start(
        request,
        period,
        unit,
        task=unit_jobs.rank_unit,
        kind="ranking",
        label=_("Ranking of %(unit)s") % {"unit": unit.name},
        parameters={},
        next_url=reverse("selection:unit", args=[period.code, unit.pk]),
    )


@unit_role_required(*UNIT_OFFICE)
def candidates(request, code, unit):
    period = _period(code)
    rules = SelectionRules.objects.get(period=period)
    headcount = RosterEntry.objects.filter(period=period, unit=unit).count()
    nominations = SpecialNomination.objects.filter(period=period, unit=unit).select_related("person")
    used = sum(1 for n in nominations if n.state == NominationState.PROPOSED)
    # Who may be nominated: assessed, outside the places, not vetoed, not yet nominated.
    nominees = list(
        RankingResult.objects.filter(period=period, unit=unit, outcome=Outcome.NOT_SELECTED)
        .exclude(person__in=[n.person_id for n in nominations if n.state == NominationState.PROPOSED])
        .order_by("category__sort_order", "rank", "person__staff_id")
        .values_list("person__staff_id", "entry__name")
    )
    form = NominationForm(people=nominees)
    if request.method == "POST":
        if not _holds(request.user, unit, RoleKind.ASSESSOR):
            raise Http404
        form = NominationForm(request.POST, people=nominees)
        if form.is_valid():
            try:
                actions.nominate(
                    period,
                    form.cleaned_data["person"],
                    form.cleaned_data["reason"],
                    acting_user=request.user,
                    unit=unit,
                )
            except Refused as refused:
                form.add_error(None, refused.message)
            else:
                messages.success(request, _("Nomination recorded."))
                return redirect("selection:candidates", code=period.code, unit_id=unit.pk)
    proposal = Proposal.objects.filter(period=period, unit=unit).first()
    context = unit_context(request, period, unit, "candidates")
    context.update(
        proposed=workflow.current_candidates(period, unit),
        by_rank=RankingResult.objects.filter(period=period, unit=unit, outcome=Outcome.BY_RANK)
        .select_related("person", "entry", "category")
        .order_by("category__sort_order", "rank"),
        nominations=nominations,
        used=used,
        cap=rules.special_cap(headcount),
        headcount=headcount,
        form=form,
        nominees=nominees,
        min_length=rules.special_reason_min_length,
        submitted=proposal is not None and proposal.state != ProposalState.DRAFT,
        candidates=proposal.candidates.select_related("person", "category") if proposal else [],
    )
    return render(request, "selection/candidates.html", context)


@require_POST
@unit_role_required(RoleKind.ASSESSOR)
def withdraw_nomination(request, code, unit, nomination_id):
    period = _period(code)
    nomination = get_object_or_404(SpecialNomination, pk=nomination_id, period=period, unit=unit)
    try:
        actions.withdraw_nomination(nomination, acting_user=request.user)
    except Refused as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, _("Nomination of %(name)s withdrawn.") % {"name": nomination.name})
    return redirect("selection:candidates", code=period.code, unit_id=unit.pk)


@require_POST
@unit_role_required(RoleKind.ASSESSOR)
def submit_candidates(request, code, unit):
    period = _period(code)
    try:
        proposal = actions.submit(period, unit, acting_user=request.user)
    except Refused as refused:
        messages.error(request, refused.message)
    else:
        messages.success(
            request,
            _("%(count)s candidates submitted to the committee.") % {"count": proposal.candidates.count()},
        )
    return redirect("selection:candidates", code=period.code, unit_id=unit.pk)


@require_POST
@unit_role_required(RoleKind.ASSESSOR)
def reopen(request, code, unit):
    proposal = get_object_or_404(Proposal, period__code=code, unit=unit)
    try:
        actions.reopen(proposal, acting_user=request.user, reason=request.POST.get("reason", ""))
    except Refused as refused:
        messages.error(request, refused.message)
    else:
        messages.success(
            request, _("The list is reopened: submit the current candidates for a new decision.")
        )
    return redirect("selection:candidates", code=code, unit_id=unit.pk)


@unit_role_required(*UNIT_OFFICE)
def decision(request, code, unit):
    period = _period(code)
    proposal = Proposal.objects.filter(period=period, unit=unit).first()
    candidates = list(proposal.candidates.select_related("person", "category")) if proposal else []
    may_decide = (
        proposal is not None
        and proposal.state == ProposalState.SUBMITTED
        and _holds(request.user, unit, RoleKind.SECRETARY)
    )
    form = MeetingForm()
    # "Approve all" pre-selects approval for everyone; each can still be changed.
    preset = Verdict.APPROVED if request.GET.get("preset") == "approve" else ""
    verdicts = {
        c.pk: (request.POST.get(f"verdict-{c.pk}", preset), request.POST.get(f"reason-{c.pk}", ""))
        for c in candidates
    }
    problems = []
    if request.method == "POST":
        if not may_decide:
            raise Http404
        form = MeetingForm(request.POST)
        if form.is_valid():
            try:
                actions.decide(
                    proposal,
                    actions.MeetingRecord(**form.cleaned_data),
                    verdicts,
                    acting_user=request.user,
                )
            except Refused as refused:
                problems.append(refused.message)
            else:
                messages.success(request, _("The committee's decision is recorded and the list frozen."))
                return redirect("selection:decision", code=period.code, unit_id=unit.pk)
    context = unit_context(request, period, unit, "decision")
    context.update(
        candidates=[(c, verdicts.get(c.pk, ("", ""))) for c in candidates],
        form=form,
        may_decide=may_decide,
        problems=problems,
        verdict_choices=VERDICT_CHOICES,
        meeting=proposal.meetings.first() if proposal else None,
        intact=workflow.decided_list_intact(proposal) if proposal else True,
        Verdict=Verdict,
    )
    return render(request, "selection/decision.html", context)


@unit_role_required(*UNIT_OFFICE)
def publicity(request, code, unit):
    period = _period(code)
    proposal = Proposal.objects.filter(period=period, unit=unit).first()
    notice = Notice.objects.filter(proposal=proposal).first() if proposal else None
    notice_form = objection_form = None
    if proposal is not None and proposal.state == ProposalState.DECIDED and notice is None:
        today = timezone.localdate()
        notice_form = NoticeForm(
            request.POST if request.method == "POST" and "open_notice" in request.POST else None,
            initial={
                "start": today + datetime.timedelta(days=1),
                "issued_on": today,
                # The bodies and phone the unit named on its last notice; offices keep them.
                **(
                    Notice.objects.filter(proposal__unit=unit)
                    .order_by("-issued_on", "-pk")
                    .values("issuing_body", "receiving_body", "phone", "address")
                    .first()
                    or {}
                ),
            },
        )
        if notice_form.is_bound:
            if not _holds(request.user, unit, RoleKind.ASSESSOR):
                raise Http404
            if notice_form.is_valid():
                try:
                    actions.open_publicity(
                        proposal,
                        actions.NoticeDetails(**notice_form.cleaned_data),
                        acting_user=request.user,
                    )
                except (Refused, CalendarNotAvailable) as refused:
                    notice_form.add_error(None, str(refused))
                else:
                    messages.success(request, _("The publicity notice is issued."))
                    return redirect("selection:publicity", code=period.code, unit_id=unit.pk)
    on_notice = []
    if notice is not None:
        on_notice = list(proposal.candidates.kept().select_related("person", "category"))
        if proposal.state == ProposalState.PUBLICITY:
            objection_form = ObjectionForm(
                request.POST if request.method == "POST" and "objection" in request.POST else None,
                candidates=on_notice,
                initial={"received_at": timezone.localtime().replace(second=0, microsecond=0, tzinfo=None)},
            )
            if objection_form.is_bound:
                if not _holds(request.user, unit, RoleKind.ASSESSOR):
                    raise Http404
                if objection_form.is_valid():
                    data = objection_form.cleaned_data
                    candidate = get_object_or_404(Candidate, pk=data["candidate"], proposal=proposal)
                    try:
                        actions.record_objection(
                            notice,
                            candidate,
                            objector=data["objector"],
                            objector_phone=data["objector_phone"],
                            received_at=data["received_at"],
                            content=data["content"],
                            acting_user=request.user,
                        )
                    except Refused as refused:
                        objection_form.add_error(None, refused.message)
                    else:
                        messages.success(request, _("Objection recorded."))
                        return redirect("selection:publicity", code=period.code, unit_id=unit.pk)
    context = unit_context(request, period, unit, "publicity")
    context.update(
        notice=notice,
        notice_form=notice_form,
        objection_form=objection_form,
        on_notice=on_notice,
        objections=notice.objections.select_related("candidate__person") if notice else [],
        resolution_form=ResolutionForm(),
        blockers=workflow.publication_blockers(proposal) if proposal else [],
        Resolution=Resolution,
        ProposalState=ProposalState,
    )
    return render(request, "selection/publicity.html", context)


@require_POST
@unit_role_required(RoleKind.ASSESSOR, RoleKind.SECRETARY)
def resolve_objection(request, code, unit, objection_id):
    objection = get_object_or_404(
        Objection, pk=objection_id, notice__proposal__unit=unit, notice__proposal__period__code=code
    )
    form = ResolutionForm(request.POST)
    if form.is_valid():
        try:
            actions.resolve_objection(
                objection,
                form.cleaned_data["resolution"],
                form.cleaned_data["reason"],
                acting_user=request.user,
            )
        except Refused as refused:
            messages.error(request, refused.message)
        else:
            messages.success(request, _("Objection resolved."))
    else:
        messages.error(request, _("Choose upheld or dismissed and give the reason."))
    return redirect("selection:publicity", code=code, unit_id=unit.pk)


@unit_role_required(*UNIT_OFFICE)
def notice_document(request, code, unit, fmt):
    notice = get_object_or_404(Notice, proposal__period__code=code, proposal__unit=unit)
    if fmt == "docx":
        content, mime = (
            notice_docx(notice),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        )
    elif fmt == "pdf":
        content, mime = notice_pdf(notice), "application/pdf"
    else:
        raise Http404
    response = HttpResponse(content, content_type=mime)
    filename = _("%(period)s %(unit)s publicity notice") % {"period": code, "unit": unit.name}
    response["Content-Disposition"] = content_disposition_header(True, f"{filename}.{fmt}")
    return response


@require_POST
@city_admin_required
def publish(request, code, unit_id):
    proposal = get_object_or_404(Proposal, period__code=code, unit_id=unit_id)
    try:
        actions.publish(proposal, acting_user=request.user)
    except Refused as refused:
        messages.error(request, refused.message)
    else:
        messages.success(
            request, _("Published: the exemplars of %(unit)s are public.") % {"unit": proposal.unit.name}
        )
    return redirect(reverse("selection:publicity", args=[code, unit_id]))


# ----------------------------------------------------------------------------------------
# A unit's roster and scores
# ----------------------------------------------------------------------------------------

ROSTER_SORTS = {
    "staff_id": "person__staff_id",
    "name": "name",
    "category": "category__sort_order",
    "post": "post",
    "total": "score__total",
    "rank": "rank",
}


@unit_role_required(*UNIT_OFFICE)
def roster(request, code, unit):
    """Every person of the unit in the period with their total, rank and result: searchable,
    sortable and paged, so a unit of several thousand people stays quick."""
    period = _period(code)
    entries = RosterEntry.objects.filter(period=period, unit=unit).select_related(
        "person", "category", "score"
    )
    query = request.GET.get("q", "").strip()
    if query:
        entries = entries.filter(
            Q(person__staff_id__icontains=query) | Q(name__icontains=query) | Q(post__icontains=query)
        )
    results = RankingResult.objects.filter(period=period, person_id=OuterRef("person_id"))
    entries = entries.annotate(
        rank=Subquery(results.values("rank")[:1]),
        outcome=Subquery(results.values("outcome")[:1]),
    )
    sort = request.GET.get("sort", "staff_id")
    descending = sort.startswith("-")
    key = ROSTER_SORTS.get(sort.lstrip("-"), "person__staff_id")
    order = F(key).desc(nulls_last=True) if descending else F(key).asc(nulls_last=True)
    entries = entries.order_by(order, "person__staff_id")
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    context = unit_context(request, period, unit, "roster")
    context.update(page=page, query=query, sort=sort)
    template = "selection/roster_rows.html" if request.htmx else "selection/roster.html"
    return render(request, template, context)


@require_POST
@unit_role_required(RoleKind.ASSESSOR)
def take_back_total(request, code, unit, staff_id):
    """The unit's assessor takes an imported total back: the scheme's counts again."""
    entry = get_object_or_404(
        RosterEntry.objects.select_related("person", "unit", "period"),
        period__code=code,
        unit=unit,
        person__staff_id=staff_id,
    )
    try:
        actions.take_back_imported_total(
            entry, acting_user=request.user, reason=request.POST.get("reason", "")
        )
    except Refused as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, _("The imported total of %(name)s was taken back.") % {"name": entry.name})
    return redirect("assessment:breakdown", code=code, staff_id=staff_id)
