"""How a person's total was reached, for the unit's office and for the person themself."""

from django.http import Http404
from django.shortcuts import get_object_or_404, render

from jixiao.assessment import formula
from jixiao.assessment.breakdown import explain
from jixiao.assessment.models import RosterEntry, ScoreSource
from jixiao.org.access import UNIT_OFFICE, has_unit_role, own_person_ids, signed_in
from jixiao.org.models import RoleKind


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
    score = getattr(entry, "score", None)
    context = {
        "entry": entry,
        "breakdown": breakdown,
        # An imported total in place of the scheme's (which the breakdown computes).
        "override": score if score is not None and score.source == ScoreSource.IMPORT and breakdown else None,
        "may_take_back": has_unit_role(request.user, entry.unit_id, RoleKind.ASSESSOR),
    }
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
