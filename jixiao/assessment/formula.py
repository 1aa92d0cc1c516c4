"""How a scheme turns scores into a period total — plain functions, no ORM, no floats.

The computation rule, as the assessment office publishes it:

1. A rater group's score on an indicator is the mean of its raters' scores; when the group
   has at least ``trim_from`` raters, one highest and one lowest score are dropped first
   (去掉一个最高分和一个最低分).
2. A rater-scored indicator's score is the weighted mean of its groups' scores, over the
   groups that scored it (a group without raters passes its weight to the others pro rata).
   An objective or unit-scored indicator's score is the figure entered for it.
3. An indicator contributes score ÷ full marks × its weight; a sub-period's base is the sum
   of its indicators' contributions. Every indicator must be scored in a sub-period in which
   the person was assessed; otherwise the total is incomplete, and says what is missing.
4. The half-year base is the weighted mean of the bases of the sub-periods the person was
   assessed in (a person who joined or left mid-period is averaged over those only).
5. The total is the base, rounded to two decimals, plus bonus points and minus penalty
   points, each capped per period.

Intermediate results are kept to four decimals, the total to two, both rounded half-up.
Everything is integer arithmetic on hundredths of a point ("cents") and ten-thousandths
("fine"), so the database computes exactly the same numbers (``assessment.totals``) on
PostgreSQL and on SQLite, and equal inputs give equal totals — ties are real ties.
"""

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

CENTS_PER_POINT = 100
FINE_PER_CENT = 100
MIN_TRIM_FROM = 3


def round_div(numerator: int, denominator: int) -> int:
    """``numerator ÷ denominator`` rounded half-up, for a non-negative numerator."""
    return (2 * numerator + denominator) // (2 * denominator)


def to_cents(value: Decimal | int | str) -> int:
    """Points with at most two decimals as integer hundredths."""
    cents = Decimal(value) * CENTS_PER_POINT
    if cents != cents.to_integral_value():
        raise ValueError(f"{value} has more than two decimals")
    return int(cents)


def cents_to_points(cents: int) -> Decimal:
    return Decimal(cents).scaleb(-2)


def fine_to_points(fine: int) -> Decimal:
    return Decimal(fine).scaleb(-4)


def group_score(scores_cents: Sequence[int], trim_from: int) -> int:
    """Rule 1: the group's mean in fine units, trimmed when it has ``trim_from`` raters."""
    if not scores_cents:
        raise ValueError("a group score needs at least one rater")
    total, count = sum(scores_cents), len(scores_cents)
    if count >= trim_from:
        total, count = total - max(scores_cents) - min(scores_cents), count - 2
    return round_div(total * FINE_PER_CENT, count)


def rated_indicator_score(
    group_scores: Mapping[Hashable, int], group_weights: Mapping[Hashable, int]
) -> int | None:
    """Rule 2: the weighted mean of the scheme's groups that scored, in fine units; None
    when none of them did (a group outside the scheme does not count)."""
    weights = {group: group_weights[group] for group in group_scores if group in group_weights}
    if not sum(weights.values()):
        return None
    return round_div(sum(weights[g] * group_scores[g] for g in weights), sum(weights.values()))


def contribution(score_fine: int, weight_cents: int, full_marks_cents: int) -> int:
    """Rule 3: what an indicator adds to the base, in fine units of the 100-point total."""
    return round_div(score_fine * weight_cents, full_marks_cents)


def roll_up(bases: Mapping[Hashable, int], weights: Mapping[Hashable, int]) -> int | None:
    """Rule 4: the weighted mean over the sub-periods assessed, in fine units (None if
    their weights are all zero)."""
    total_weight = sum(weights[t] for t in bases)
    if not total_weight:
        return None
    return round_div(sum(weights[t] * b for t, b in bases.items()), total_weight)


def final_total(
    base_fine: int, bonus_cents: int, penalty_cents: int, bonus_cap: int, penalty_cap: int
) -> int:
    """Rule 5: the total in cents."""
    return round_div(base_fine, FINE_PER_CENT) + min(bonus_cents, bonus_cap) - min(penalty_cents, penalty_cap)


# ---------------------------------------------------------------------------------------
# One person under one scheme: the reference model and the breakdown shown to users.


@dataclass(frozen=True)
class Indicator:
    key: Hashable
    name: str
    weight_cents: int
    full_marks_cents: int
    rated: bool  # scored by rater groups; otherwise by a figure entered for it


@dataclass(frozen=True)
class Scheme:
    indicators: Sequence[Indicator]
    group_weights: Mapping[Hashable, int]  # rater group → weight (any unit; only ratios count)
    sub_period_weights: Mapping[int, int]  # sub-period number → weight
    trim_from: int = 5
    bonus_cap_cents: int = 500
    penalty_cap_cents: int = 1000


@dataclass
class Inputs:
    """A person's raw scores: rater scores by (indicator, sub-period, group), direct scores
    by (indicator, sub-period), bonus and penalty points — all in cents."""

    rater_scores: Mapping[tuple[Hashable, int, Hashable], Sequence[int]] = field(default_factory=dict)
    direct_scores: Mapping[tuple[Hashable, int], int] = field(default_factory=dict)
    bonuses: Sequence[int] = ()
    penalties: Sequence[int] = ()


@dataclass(frozen=True)
class IndicatorLine:
    sub_period: int
    indicator: Indicator
    group_scores: Mapping[Hashable, int]  # fine; empty for a directly scored indicator
    score_fine: int
    contribution_fine: int


@dataclass
class Result:
    lines: list[IndicatorLine]
    sub_period_bases: dict[int, int]  # fine
    missing: list[tuple[int, Indicator]]  # (sub-period, indicator) not scored
    base_fine: int | None = None
    bonus_cents: int = 0
    penalty_cents: int = 0
    total_cents: int | None = None

    @property
    def assessed(self) -> bool:
        return bool(self.sub_period_bases) or bool(self.missing)

    @property
    def complete(self) -> bool:
        return self.total_cents is not None


def person_total(scheme: Scheme, inputs: Inputs) -> Result:
    """Rules 1–5 for one person; the reference the database computation is tested against."""
    # Only the scheme's sub-periods, indicators and groups count: scores left from before
    # the scheme was edited are ignored.
    rated = {i.key for i in scheme.indicators if i.rated}
    entered = {i.key for i in scheme.indicators if not i.rated}
    assessed_periods = sorted(
        t
        for t in {
            t
            for (i, t, g), scores in inputs.rater_scores.items()
            if scores and i in rated and g in scheme.group_weights
        }
        | {t for i, t in inputs.direct_scores if i in entered}
        if t in scheme.sub_period_weights
    )
    result = Result(lines=[], sub_period_bases={}, missing=[])
    for t in assessed_periods:
        base, complete = 0, True
        for indicator in scheme.indicators:
            if indicator.rated:
                groups = {
                    g: group_score(scores, scheme.trim_from)
                    for (i, period, g), scores in inputs.rater_scores.items()
                    if i == indicator.key and period == t and scores and g in scheme.group_weights
                }
                score = rated_indicator_score(groups, scheme.group_weights) if groups else None
            else:
                groups = {}
                direct = inputs.direct_scores.get((indicator.key, t))
                score = None if direct is None else direct * FINE_PER_CENT
            if score is None:
                result.missing.append((t, indicator))
                complete = False
                continue
            share = contribution(score, indicator.weight_cents, indicator.full_marks_cents)
            result.lines.append(IndicatorLine(t, indicator, groups, score, share))
            base += share
        if complete:
            result.sub_period_bases[t] = base
    result.bonus_cents = min(sum(inputs.bonuses), scheme.bonus_cap_cents)
    result.penalty_cents = min(sum(inputs.penalties), scheme.penalty_cap_cents)
    if result.sub_period_bases and not result.missing:
        result.base_fine = roll_up(result.sub_period_bases, scheme.sub_period_weights)
    if result.base_fine is not None:
        result.total_cents = final_total(
            result.base_fine,
            sum(inputs.bonuses),
            sum(inputs.penalties),
            scheme.bonus_cap_cents,
            scheme.penalty_cap_cents,
        )
    return result
