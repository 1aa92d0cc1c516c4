"""Ranking per unit and the city total (the full unit workflow comes with roles)."""

from itertools import groupby

from django.shortcuts import get_object_or_404, render

from jixiao.assessment.models import Period, RosterEntry
from jixiao.assessment.schemes import applicable_scheme
from jixiao.core.access import city_admin_required
from jixiao.org.models import Category, Unit
from jixiao.selection.models import NominationState, Outcome, RankingResult, SpecialNomination
from jixiao.selection.ranking import ranking_is_current, summarize


@city_admin_required
def period_overview(request, code):
    period = get_object_or_404(Period, code=code)
    units, city = summarize(period)
    unit_ids = dict(Unit.objects.values_list("name", "id"))
    rows = [(unit_ids.get(u.name), u) for u in units]
    return render(
        request,
        "selection/period.html",
        {
            "period": period,
            "periods": Period.objects.all(),
            "rows": rows,
            "city": city,
            "current": ranking_is_current(period),
        },
    )


@city_admin_required
def unit_ranking(request, code, unit_id):
    period = get_object_or_404(Period, code=code)
    unit = get_object_or_404(Unit, pk=unit_id)
    results = (
        RankingResult.objects.filter(period=period, unit=unit)
        .select_related("person", "category")
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
    return render(
        request,
        "selection/unit.html",
        {
            "period": period,
            "unit": unit,
            "groups": groups,
            "nominated": nominated,
            "Outcome": Outcome,
            "current": ranking_is_current(period),
            "templates": templates,
        },
    )
