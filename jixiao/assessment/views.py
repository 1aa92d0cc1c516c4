"""A person's breakdown and a unit's score templates (city administrators until roles exist)."""

import io

from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, render

from jixiao.assessment import formula
from jixiao.assessment.breakdown import explain
from jixiao.assessment.models import Period, RosterEntry
from jixiao.assessment.schemes import applicable_scheme
from jixiao.core.access import city_admin_required
from jixiao.imports.workbooks import KINDS, write_template
from jixiao.org.models import Category, Unit


@city_admin_required
def person_breakdown(request, code, staff_id):
    entry = get_object_or_404(
        RosterEntry.objects.select_related("person", "unit", "category", "period", "score"),
        period__code=code,
        person__staff_id=staff_id,
    )
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


@city_admin_required
def score_template(request, code, unit_id, category_id, kind):
    if kind not in KINDS:
        raise Http404
    period = get_object_or_404(Period, code=code)
    unit = get_object_or_404(Unit, pk=unit_id)
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
