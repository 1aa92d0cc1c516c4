"""Periods (city), a unit's roster and scores, a person's breakdown, score templates and a
staff member's own results."""

import io

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import F, OuterRef, Q, Subquery
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from jixiao.assessment import formula
from jixiao.assessment.breakdown import explain
from jixiao.assessment.models import Period, PeriodState, RosterEntry
from jixiao.assessment.schemes import applicable_scheme
from jixiao.assessment.services import get_or_create_period
from jixiao.core.audit import AuditAction, record
from jixiao.imports.workbooks import KINDS, write_template
from jixiao.org.access import (
    UNIT_OFFICE,
    city_admin_required,
    has_unit_role,
    own_person_ids,
    signed_in,
    unit_role_required,
)
from jixiao.org.models import Category, RoleKind
from jixiao.selection.forms import RulesForm
from jixiao.selection.models import Candidate, ProposalState, RankingResult, SelectionRules, Verdict


@signed_in
def person_breakdown(request, code, staff_id):
    entry = get_object_or_404(
        RosterEntry.objects.select_related("person", "unit", "category", "period", "score"),
        period__code=code,
        person__staff_id=staff_id,
    )
    # The unit's office sees its people; a staff member only themself.
    if not (
        has_unit_role(request.user, entry.unit_id, *UNIT_OFFICE)
        or entry.person_id in own_person_ids(request.user)
    ):
        raise Http404
    breakdown = explain(entry)
    context = {"entry": entry, "breakdown": breakdown}
    if breakdown is not None:
        result, spec = breakdown.result, breakdown.spec
        context.update(
            lines=[
                {
                    "sub_period": breakdown.sub_period_name(line.sub_period),
                    "indicator": line.indicator,
                    "weight": formula.cents_to_points(line.indicator.weight_cents),
                    "full_marks": formula.cents_to_points(line.indicator.full_marks_cents),
                    "groups": [
                        {
                            "name": breakdown.group_names.get(group, group),
                            "weight": formula.cents_to_points(spec.group_weights[group]),
                            "raters": breakdown.group_sizes[(line.indicator.key, line.sub_period, group)],
                            "trimmed": breakdown.trimmed(line.indicator.key, line.sub_period, group),
                            "score": formula.fine_to_points(score),
                        }
                        for group, score in sorted(line.group_scores.items())
                    ],
                    "score": formula.fine_to_points(line.score_fine),
                    "points": formula.fine_to_points(line.contribution_fine),
                }
                for line in result.lines
            ],
            missing=[(breakdown.sub_period_name(t), indicator.name) for t, indicator in result.missing],
            bases=[
                (breakdown.sub_period_name(t), formula.fine_to_points(base), spec.sub_period_weights[t])
                for t, base in sorted(result.sub_period_bases.items())
            ],
            base=None if result.base_fine is None else formula.fine_to_points(result.base_fine),
            bonus=formula.cents_to_points(result.bonus_cents),
            penalty=formula.cents_to_points(result.penalty_cents),
            bonus_cap=formula.cents_to_points(spec.bonus_cap_cents),
            penalty_cap=formula.cents_to_points(spec.penalty_cap_cents),
            total=None if result.total_cents is None else formula.cents_to_points(result.total_cents),
        )
    return render(request, "assessment/breakdown.html", context)


@unit_role_required(RoleKind.ASSESSOR)
def score_template(request, code, unit, category_id, kind):
    if kind not in KINDS:
        raise Http404
    period = get_object_or_404(Period, code=code)
    category = get_object_or_404(Category, pk=category_id)
    scheme = applicable_scheme(period, unit.pk, category.pk)
    if scheme is None:
        raise Http404
    people = list(
        RosterEntry.objects.filter(period=period, unit=unit, category=category)
        .order_by("person__staff_id")
        .values_list("person__staff_id", "person__name")
    )
    buffer = io.BytesIO()
    write_template(buffer, kind, period, scheme, people)
    buffer.seek(0)
    return FileResponse(
        buffer,
        as_attachment=True,
        filename=f"{period.code}-{unit.name}-{category.name}-{kind}.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


# ----------------------------------------------------------------------------------------
# Periods (city administrators)
# ----------------------------------------------------------------------------------------


class NewPeriodForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Period code"), max_length=10, help_text=gettext_lazy("e.g. 2024H1")
    )

    def clean_code(self):
        code = self.cleaned_data["code"].strip().upper()
        if Period.objects.filter(code=code).exists():
            raise ValidationError(_("Period %(code)s already exists.") % {"code": code})
        return code


@city_admin_required
def periods(request):
    form = NewPeriodForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            period, _created = get_or_create_period(form.cleaned_data["code"])
        except ValidationError as error:
            form.add_error("code", error)
        else:
            record(
                actor=request.user.get_username(),
                action=AuditAction.PERIOD,
                target=period,
                period=period,
                summary=_("Period %(code)s created") % {"code": period.code},
            )
            messages.success(
                request, _("Period %(code)s created with the default rules.") % {"code": period.code}
            )
            return redirect("assessment:period_settings", code=period.code)
    return render(request, "assessment/periods.html", {"periods": Period.objects.all(), "form": form})


@city_admin_required
def period_settings(request, code):
    period = get_object_or_404(Period, code=code)
    rules = SelectionRules.objects.get(period=period)
    before = forms.model_to_dict(rules, exclude=["period"])
    form = RulesForm(request.POST or None, instance=rules)
    if request.method == "POST" and form.is_valid():
        if form.has_changed():
            form.save()
            record(
                actor=request.user.get_username(),
                action=AuditAction.RULES,
                target=rules,
                period=period,
                summary=_("Rules of %(code)s changed: %(fields)s")
                % {
                    "code": period.code,
                    "fields": "、".join(str(form.fields[f].label) for f in form.changed_data),
                },
                before={f: before[f] for f in form.changed_data},
                after={f: form.cleaned_data[f] for f in form.changed_data},
            )
            messages.success(request, _("Rules saved; the ranking must be computed again."))
        return redirect("assessment:period_settings", code=period.code)
    return render(
        request,
        "assessment/period_settings.html",
        {"period": period, "form": form, "PeriodState": PeriodState},
    )


@require_POST
@city_admin_required
def period_state(request, code):
    period = get_object_or_404(Period, code=code)
    state = request.POST.get("state")
    if state not in PeriodState.values:
        raise Http404
    if state != period.state:
        before = period.state
        Period.objects.filter(pk=period.pk).update(state=state)
        record(
            actor=request.user.get_username(),
            action=AuditAction.PERIOD,
            target=period,
            period=period,
            summary=_("Period %(code)s %(state)s") % {"code": period.code, "state": PeriodState(state).label},
            before={"state": before},
            after={"state": state},
        )
    return redirect("assessment:period_settings", code=period.code)


# ----------------------------------------------------------------------------------------
# A unit's roster and scores
# ----------------------------------------------------------------------------------------

ROSTER_SORTS = {
    "staff_id": "person__staff_id",
    "name": "person__name",
    "category": "category__sort_order",
    "post": "post",
    "total": "score__total",
    "rank": "rank",
}


@unit_role_required(*UNIT_OFFICE)
def roster(request, code, unit):
    """Every person of the unit in the period with their total, rank and result: searchable,
    sortable and paged, so a unit of several thousand people stays quick."""
    from jixiao.selection.views import unit_context

    period = get_object_or_404(Period, code=code)
    entries = RosterEntry.objects.filter(period=period, unit=unit).select_related(
        "person", "category", "score"
    )
    query = request.GET.get("q", "").strip()
    if query:
        entries = entries.filter(
            Q(person__staff_id__icontains=query) | Q(person__name__icontains=query) | Q(post__icontains=query)
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
    context.update(
        page=page, query=query, sort=sort, outcomes=dict(RankingResult._meta.get_field("outcome").choices)
    )
    template = "assessment/roster_rows.html" if request.htmx else "assessment/roster.html"
    return render(request, template, context)


# ----------------------------------------------------------------------------------------
# A staff member's own results
# ----------------------------------------------------------------------------------------


@signed_in
def my_results(request):
    people = own_person_ids(request.user)
    entries = (
        RosterEntry.objects.filter(person_id__in=people)
        .select_related("period", "unit", "category", "person", "score")
        .order_by("-period__start")
    )
    results = {
        (r.period_id, r.person_id): r
        for r in RankingResult.objects.filter(person_id__in=people).select_related()
    }
    candidacies = {
        (c.proposal.period_id, c.person_id): c
        for c in Candidate.objects.filter(person_id__in=people).select_related("proposal")
    }
    rows = [
        (
            entry,
            results.get((entry.period_id, entry.person_id)),
            exemplar_status(candidacies.get((entry.period_id, entry.person_id))),
        )
        for entry in entries
    ]
    # Their own totals and places, oldest first, for the chart above the table.
    oldest_first = list(reversed(rows))
    charts = {
        "periods": [entry.period.code for entry, _result, _status in oldest_first],
        "totals": [
            float(entry.score.total) if hasattr(entry, "score") else None for entry, _r, _s in oldest_first
        ],
        "ranks": [result.rank if result else None for _entry, result, _status in oldest_first],
        "labels": {"total": _("Total"), "rank": _("Rank in group")},
    }
    return render(request, "assessment/my_results.html", {"rows": rows, "charts": charts})


def exemplar_status(candidate) -> str:
    """What became of a person's candidacy: the line a staff member reads about themself."""
    if candidate is None:
        return ""
    if candidate.removed_at is not None:
        return _("Removed from the list after an upheld objection during publicity")
    if candidate.verdict == Verdict.REJECTED:
        return _("Not approved by the party committee")
    if candidate.proposal.state == ProposalState.PUBLISHED and candidate.verdict == Verdict.APPROVED:
        return _("Performance exemplar (%(route)s)") % {"route": candidate.get_route_display()}
    return _("Candidate: %(state)s") % {"state": candidate.proposal.get_state_display()}
