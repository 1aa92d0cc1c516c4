"""Assessment schemes: checking, copying, finding the one that applies, and the plain form
the formula works on."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from jixiao.assessment import formula
from jixiao.assessment.models import (
    Indicator,
    Period,
    RaterGroup,
    RollUp,
    Scheme,
    SchemeRaterGroup,
    ScoringMethod,
    SubPeriodWeight,
)
from jixiao.core.text import plain_decimal

HUNDRED = Decimal("100")


class SchemeError(Exception):
    """A scheme cannot be used or created as asked; ``problems`` says why, in full."""

    def __init__(self, problems: Sequence[str]):
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


def scheme_problems(scheme: Scheme) -> list[str]:
    """Everything that keeps the scheme from scoring anyone: weights that do not add up
    (with the sums shown), an empty tree, rater weights missing or not adding to 100,
    sub-period weights that do not match the scoring rhythm."""
    problems = []
    indicators = list(scheme.indicators.all())
    if not indicators:
        problems.append(_("The scheme has no indicators."))
    children: dict[int | None, list[Indicator]] = {}
    for indicator in indicators:
        children.setdefault(indicator.parent_id, []).append(indicator)
    top_sum = sum((i.weight for i in children.get(None, [])), Decimal(0))
    if indicators and top_sum != HUNDRED:
        problems.append(
            _("The top-level indicator weights sum to %(sum)s, not 100.") % {"sum": plain_decimal(top_sum)}
        )
    for indicator in indicators:
        kids = children.get(indicator.pk, [])
        if kids:
            kids_sum = sum((k.weight for k in kids), Decimal(0))
            if kids_sum != indicator.weight:
                problems.append(
                    _("The sub-indicators of %(name)s sum to %(sum)s, not its weight %(weight)s.")
                    % {
                        "name": indicator.name,
                        "sum": plain_decimal(kids_sum),
                        "weight": plain_decimal(indicator.weight),
                    }
                )
    rated = any(i.method == ScoringMethod.RATERS for i in leaves(indicators))
    group_weights = list(scheme.rater_groups.all())
    group_sum = sum((g.weight for g in group_weights), Decimal(0))
    if rated and group_sum != HUNDRED:
        problems.append(
            _("The rater group weights sum to %(sum)s, not 100.") % {"sum": plain_decimal(group_sum)}
        )
    for group in group_weights:
        if group.weight <= 0:
            problems.append(
                _("The weight of rater group %(name)s must be more than 0.") % {"name": group.group.name}
            )
    sub_period_weights = list(scheme.sub_period_weights.all())
    if any(w.weight < 1 for w in sub_period_weights):
        problems.append(_("Every sub-period weight must be at least 1."))
    numbers = sorted(w.number for w in sub_period_weights)
    if numbers != list(range(1, scheme.sub_period_count + 1)):
        problems.append(
            _("The scheme is %(rhythm)s but has sub-period weights for %(numbers)s.")
            % {"rhythm": scheme.get_roll_up_display(), "numbers": ", ".join(map(str, numbers)) or "—"}
        )
    return problems


def leaves(indicators: Iterable[Indicator]) -> list[Indicator]:
    """The scored indicators: those without sub-indicators, in tree order."""
    indicators = list(indicators)
    parents = {i.parent_id for i in indicators}
    return [i for i in indicators if i.pk not in parents]


def check_scheme(scheme: Scheme) -> None:
    problems = scheme_problems(scheme)
    if problems:
        raise SchemeError([_("Scheme %(name)s cannot be used:") % {"name": scheme.name}, *problems])


def applicable_scheme(period: Period, unit_id: int, category_id: int) -> Scheme | None:
    """The unit's own adjustment of its category's scheme if it has one, else the city's."""
    schemes = {
        s.unit_id: s
        for s in Scheme.objects.filter(period=period, category_id=category_id).filter(
            Q(unit_id=unit_id) | Q(unit__isnull=True)
        )
    }
    return schemes.get(unit_id) or schemes.get(None)


@dataclass
class IndicatorSpec:
    """A scheme's indicator as written in code or a file, with its sub-indicators."""

    name: str
    weight: Decimal | int | str
    method: str = ScoringMethod.RATERS
    full_marks: Decimal | int | str = 100
    children: list["IndicatorSpec"] = field(default_factory=list)


def define_scheme(
    *,
    name: str,
    period: Period | None,
    category=None,
    unit=None,
    indicators: Sequence[IndicatorSpec],
    rater_groups: dict[str, Decimal | int | str] | None = None,
    roll_up: str = RollUp.HALF_YEAR,
    sub_period_weights: Sequence[int] | None = None,
    **settings,
) -> Scheme:
    """Create a complete scheme and check it; nothing is kept if it does not add up."""
    with transaction.atomic():
        scheme = Scheme.objects.create(
            name=name, period=period, category=category, unit=unit, roll_up=roll_up, **settings
        )
        order = 0

        def add(specs: Sequence[IndicatorSpec], parent: Indicator | None) -> None:
            nonlocal order
            for spec in specs:
                order += 1
                node = Indicator.objects.create(
                    scheme=scheme,
                    parent=parent,
                    name=spec.name,
                    weight=Decimal(spec.weight),
                    full_marks=Decimal(spec.full_marks),
                    method=spec.method,
                    sort_order=order,
                )
                add(spec.children, node)

        add(indicators, None)
        for group_name, weight in (rater_groups or {}).items():
            group, _created = RaterGroup.objects.get_or_create(name=group_name)
            SchemeRaterGroup.objects.create(scheme=scheme, group=group, weight=Decimal(weight))
        weights = sub_period_weights or [1] * scheme.sub_period_count
        SubPeriodWeight.objects.bulk_create(
            SubPeriodWeight(scheme=scheme, number=number, weight=weight)
            for number, weight in enumerate(weights, start=1)
        )
        check_scheme(scheme)
    return scheme


def copy_scheme(
    source: Scheme, *, period: Period, category=None, unit=None, name: str | None = None
) -> Scheme:
    """A copy of ``source`` (the previous period's scheme, a city template, or the city's
    scheme for a unit's adjustment) for ``period``; adjust it afterwards."""
    if (
        unit is not None
        and source.unit_id is None
        and source.period_id is not None
        and not source.units_may_adjust
    ):
        raise SchemeError([_("The city does not let units adjust scheme %(name)s.") % {"name": source.name}])
    with transaction.atomic():
        copy = Scheme.objects.create(
            name=name or source.name,
            period=period,
            category=category or source.category,
            unit=unit,
            based_on=source,
            roll_up=source.roll_up,
            trim_from=source.trim_from,
            bonus_cap=source.bonus_cap,
            penalty_cap=source.penalty_cap,
            units_may_adjust=source.units_may_adjust if unit is None else False,
        )
        copied: dict[int | None, Indicator | None] = {None: None}
        pending = list(source.indicators.all())
        while pending:  # a node is copied once its parent is
            ready = [i for i in pending if i.parent_id in copied]
            for indicator in ready:
                copied[indicator.pk] = Indicator.objects.create(
                    scheme=copy,
                    parent=copied[indicator.parent_id],
                    name=indicator.name,
                    weight=indicator.weight,
                    full_marks=indicator.full_marks,
                    method=indicator.method,
                    sort_order=indicator.sort_order,
                )
            pending = [i for i in pending if i.pk not in copied]
        SchemeRaterGroup.objects.bulk_create(
            SchemeRaterGroup(scheme=copy, group_id=g.group_id, weight=g.weight)
            for g in source.rater_groups.all()
        )
        SubPeriodWeight.objects.bulk_create(
            SubPeriodWeight(scheme=copy, number=w.number, weight=w.weight)
            for w in source.sub_period_weights.all()
        )
    return copy


def formula_scheme(scheme: Scheme) -> formula.Scheme:
    """The scheme as the pure formula takes it."""
    return formula.Scheme(
        indicators=[
            formula.Indicator(
                key=i.pk,
                name=i.name,
                weight_cents=formula.to_cents(i.weight),
                full_marks_cents=formula.to_cents(i.full_marks),
                rated=i.method == ScoringMethod.RATERS,
            )
            for i in leaves(scheme.indicators.all())
        ],
        group_weights={g.group_id: formula.to_cents(g.weight) for g in scheme.rater_groups.all()},
        sub_period_weights={w.number: w.weight for w in scheme.sub_period_weights.all()},
        trim_from=scheme.trim_from,
        bonus_cap_cents=formula.to_cents(scheme.bonus_cap),
        penalty_cap_cents=formula.to_cents(scheme.penalty_cap),
    )
