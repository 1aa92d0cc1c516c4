"""Assessment schemes: checking, copying, finding the one that applies, and the plain form
the formula works on."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, Max, ProtectedError, Q
from django.utils.translation import gettext as _

from jixiao.assessment import formula
from jixiao.assessment.models import (
    SUB_PERIODS,
    DirectScore,
    Indicator,
    Period,
    RaterGroup,
    RaterScore,
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
            top_mark_share=source.top_mark_share,
            top_mark_from=source.top_mark_from,
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


# ----------------------------------------------------------------------------------------
# A scheme as a file holds it (``imports.scheme_workbooks`` reads and writes the workbook):
# created from it, or an existing scheme updated in place to match it.


@dataclass
class SchemeDefinition:
    """A whole scheme without its period and unit: settings, indicator tree (each node's
    weight in points), rater groups by name with their weights, sub-period weights."""

    name: str
    category: object  # org.Category
    indicators: list[IndicatorSpec]
    rater_groups: dict[str, Decimal] = field(default_factory=dict)
    roll_up: str = RollUp.HALF_YEAR
    sub_period_weights: list[int] = field(default_factory=list)
    trim_from: int = 5
    bonus_cap: Decimal = Decimal("5")
    penalty_cap: Decimal = Decimal("10")
    units_may_adjust: bool = False
    # Online rating: at most this % of the people a rater scores get a top mark (None: no limit).
    top_mark_share: int | None = None
    top_mark_from: Decimal = Decimal("90")


def walk(specs: Sequence[IndicatorSpec], parent: IndicatorSpec | None = None):
    """Every indicator of the tree with its parent, each parent before its children."""
    for spec in specs:
        yield spec, parent
        yield from walk(spec.children, spec)


def definition_of(scheme: Scheme) -> SchemeDefinition:
    """The scheme as a file holds it (``write_definition`` of this gives the scheme back)."""
    nodes = list(scheme.indicators.all())
    specs = {i.pk: IndicatorSpec(i.name, i.weight, i.method, i.full_marks) for i in nodes}
    roots: list[IndicatorSpec] = []
    for node in nodes:
        (roots if node.parent_id is None else specs[node.parent_id].children).append(specs[node.pk])
    return SchemeDefinition(
        name=scheme.name,
        category=scheme.category,
        indicators=roots,
        rater_groups={g.group.name: g.weight for g in scheme.rater_groups.select_related("group")},
        roll_up=scheme.roll_up,
        sub_period_weights=[w.weight for w in scheme.sub_period_weights.all()],
        trim_from=scheme.trim_from,
        bonus_cap=scheme.bonus_cap,
        penalty_cap=scheme.penalty_cap,
        units_may_adjust=scheme.units_may_adjust,
        top_mark_share=scheme.top_mark_share,
        top_mark_from=scheme.top_mark_from,
    )


@dataclass
class SchemeChanges:
    """What writing a definition over the existing scheme (``None``: a new one) changes."""

    existing: Scheme | None
    added: list[str] = field(default_factory=list)  # indicator names
    removed: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    settings: list[str] = field(default_factory=list)  # the names of the settings that change
    rater_groups: bool = False  # their weights change
    new_rater_groups: list[str] = field(default_factory=list)  # groups the city does not have yet

    @property
    def nothing(self) -> bool:
        return self.existing is not None and not (
            self.added or self.removed or self.changed or self.settings or self.rater_groups
        )


def _settings_of(definition: SchemeDefinition, unit) -> dict:
    """The scheme's own fields as the definition sets them (a unit's adjustment is never
    adjustable in turn)."""
    return {
        "name": definition.name,
        "roll_up": definition.roll_up,
        "trim_from": definition.trim_from,
        "bonus_cap": Decimal(definition.bonus_cap),
        "penalty_cap": Decimal(definition.penalty_cap),
        "units_may_adjust": definition.units_may_adjust if unit is None else False,
        "top_mark_share": definition.top_mark_share,
        "top_mark_from": Decimal(definition.top_mark_from),
    }


def _sub_period_weights(definition: SchemeDefinition) -> list[int]:
    return list(definition.sub_period_weights) or [1] * SUB_PERIODS[RollUp(definition.roll_up)]


def _nodes(specs: Sequence[IndicatorSpec]) -> dict[str, tuple]:
    return {
        spec.name: (
            parent.name if parent else None,
            Decimal(spec.weight),
            Decimal(spec.full_marks),
            spec.method,
        )
        for spec, parent in walk(specs)
    }


def scheme_changes(existing: Scheme | None, definition: SchemeDefinition, *, unit=None) -> SchemeChanges:
    """What ``write_definition`` would change, for the preview and the audit summary."""
    known = set(
        RaterGroup.objects.filter(name__in=list(definition.rater_groups)).values_list("name", flat=True)
    )
    new_groups = [name for name in definition.rater_groups if name not in known]
    new = _nodes(definition.indicators)
    if existing is None:
        return SchemeChanges(None, added=list(new), new_rater_groups=new_groups)
    old_definition = definition_of(existing)
    old = _nodes(old_definition.indicators)
    settings_now = _settings_of(definition, unit)
    settings = [
        str(Scheme._meta.get_field(name).verbose_name)
        for name, value in settings_now.items()
        if getattr(existing, name) != value
    ]
    if old_definition.sub_period_weights != _sub_period_weights(definition):
        settings.append(str(SubPeriodWeight._meta.verbose_name_plural))
    old_groups = {name: Decimal(weight) for name, weight in old_definition.rater_groups.items()}
    new_group_weights = {name: Decimal(weight) for name, weight in definition.rater_groups.items()}
    return SchemeChanges(
        existing,
        added=[name for name in new if name not in old],
        removed=[name for name in old if name not in new],
        changed=[name for name in new if name in old and new[name] != old[name]],
        settings=settings,
        rater_groups=old_groups != new_group_weights,
        new_rater_groups=new_groups,
    )


def replacement_problems(existing: Scheme | None, definition: SchemeDefinition) -> list[str]:
    """What keeps the definition from replacing ``existing`` in place: the raw scores already
    entered on its indicators must keep an indicator of the same name, still a leaf, scored
    the same way (by raters, or directly), with full marks no lower than the best score, in
    the same rhythm, and their rater groups must stay in the scheme."""
    if existing is None:
        return []
    scored = {}
    for model, by_raters in ((RaterScore, True), (DirectScore, False)):
        rows = (
            model.objects.filter(indicator__scheme=existing)
            .values_list("indicator_id")
            .annotate(people=Count("entry_id", distinct=True), best=Max("score_cents"))
        )
        for indicator_id, people, best in rows:
            scored.setdefault(indicator_id, []).append((by_raters, people, best))
    problems = []
    if not scored:
        return problems
    new = {spec.name: spec for spec, _parent in walk(definition.indicators)}
    parents = {parent.name for _spec, parent in walk(definition.indicators) if parent is not None}
    for indicator in existing.indicators.filter(pk__in=list(scored)):
        spec = new.get(indicator.name)
        for by_raters, people, best in scored[indicator.pk]:
            params = {"name": indicator.name, "count": people}
            if spec is None:
                problems.append(
                    _(
                        "Indicator %(name)s has scores of %(count)s people and is not in the file: an "
                        "indicator with scores cannot be removed."
                    )
                    % params
                )
            elif spec.name in parents:
                problems.append(
                    _(
                        "Indicator %(name)s has scores of %(count)s people: it cannot be divided into "
                        "sub-indicators."
                    )
                    % params
                )
            elif (spec.method == ScoringMethod.RATERS) != by_raters:
                problems.append(
                    _("Indicator %(name)s has rater scores of %(count)s people: it stays scored by raters.")
                    % params
                    if by_raters
                    else _(
                        "Indicator %(name)s has indicator scores of %(count)s people: it cannot become "
                        "scored by raters."
                    )
                    % params
                )
            elif Decimal(spec.full_marks) * 100 < best:
                problems.append(
                    _("Indicator %(name)s has scores up to %(best)s: its full marks cannot be lower.")
                    % {"name": indicator.name, "best": plain_decimal(Decimal(best) / 100)}
                )
    if definition.roll_up != existing.roll_up:
        problems.append(
            _("The scheme's scores are entered %(rhythm)s: its scoring rhythm cannot change.")
            % {"rhythm": existing.get_roll_up_display()}
        )
    used_groups = (
        RaterScore.objects.filter(indicator__scheme=existing)
        .order_by("group__sort_order", "group_id")
        .values_list("group__name", flat=True)
        .distinct()
    )
    for name in dict.fromkeys(used_groups):
        if name not in definition.rater_groups:
            problems.append(
                _(
                    "Rater group %(name)s has scores in this scheme and is not in the file: it cannot be "
                    "removed."
                )
                % {"name": name}
            )
    return problems


def write_definition(
    existing: Scheme | None, definition: SchemeDefinition, *, period: Period, unit=None, based_on=None
) -> Scheme:
    """Create the scheme, or update ``existing`` in place: its indicators matched by name (the
    raw scores on them stay), the others added or removed; checked whole, nothing kept if it
    does not add up (``SchemeError``)."""
    settings = _settings_of(definition, unit)
    with transaction.atomic():
        if existing is None:
            scheme = Scheme.objects.create(
                period=period, category=definition.category, unit=unit, based_on=based_on, **settings
            )
        else:
            scheme = existing
            for name, value in settings.items():
                setattr(scheme, name, value)
            scheme.save(update_fields=list(settings))
        kept = {i.name: i for i in scheme.indicators.all()}
        placed: dict[str, Indicator] = {}
        updated = []
        for order, (spec, parent) in enumerate(walk(definition.indicators), start=1):
            node = kept.get(spec.name) or Indicator(scheme=scheme, name=spec.name)
            node.parent = placed[parent.name] if parent is not None else None
            node.weight = Decimal(spec.weight)
            node.full_marks = Decimal(spec.full_marks)
            node.method = spec.method
            node.sort_order = order
            if node.pk is None:
                node.save()  # before its children, which point at it
            else:
                updated.append(node)
            placed[spec.name] = node
        if updated:
            Indicator.objects.bulk_update(updated, ["parent", "weight", "full_marks", "method", "sort_order"])
        try:
            # Every kept node hangs from a kept one by now: the deletion cascades to no kept node.
            Indicator.objects.filter(scheme=scheme).exclude(name__in=list(placed)).delete()
        except ProtectedError:
            raise SchemeError(
                [_("Scores were entered on the scheme's indicators meanwhile: import the file again.")]
            ) from None
        SchemeRaterGroup.objects.filter(scheme=scheme).delete()
        next_order = (RaterGroup.objects.aggregate(m=Max("sort_order"))["m"] or 0) + 1
        groups = []
        for name, weight in definition.rater_groups.items():
            group, created = RaterGroup.objects.get_or_create(name=name, defaults={"sort_order": next_order})
            next_order += created
            groups.append(SchemeRaterGroup(scheme=scheme, group=group, weight=Decimal(weight)))
        SchemeRaterGroup.objects.bulk_create(groups)
        SubPeriodWeight.objects.filter(scheme=scheme).delete()
        SubPeriodWeight.objects.bulk_create(
            SubPeriodWeight(scheme=scheme, number=number, weight=weight)
            for number, weight in enumerate(_sub_period_weights(definition), start=1)
        )
        check_scheme(scheme)
    return scheme
