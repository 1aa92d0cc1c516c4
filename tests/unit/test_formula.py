"""The computation rule of a scheme (rules 1–5 of ``jixiao.assessment.formula``) as
properties of its pure functions.

Every expectation is computed a second way: with exact rationals (``Fraction``) in points,
rounded half-up with ``Decimal`` only where the rule says — intermediates to four
decimals, the total to two — instead of the formula's integer cents and fine units.
"""

import random
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction

import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

from jixiao.assessment import formula
from jixiao.assessment.formula import (
    Indicator,
    Inputs,
    Scheme,
    cents_to_points,
    contribution,
    final_total,
    fine_to_points,
    group_score,
    person_total,
    rated_indicator_score,
    roll_up,
    round_div,
    to_cents,
)

# --------------------------------------------------------------------------- exact arithmetic


def half_up(value: Fraction, places: int) -> Decimal:
    """``value`` rounded half-up to ``places`` decimals, by Decimal's own rounding."""
    with localcontext(prec=200):
        exact = Decimal(value.numerator) / Decimal(value.denominator)  # exact or far from a tie
        return exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def r4(value: Fraction) -> Fraction:
    """An intermediate result as the rule keeps it: four decimals, half-up."""
    return Fraction(half_up(value, 4))


def in_cents(value: Fraction) -> Decimal:
    """A value already on the 1/100 grid, as a Decimal."""
    assert (value * 100).denominator == 1, f"{value} is not in whole hundredths"
    return half_up(value, 2)


def points(cents: int) -> Fraction:
    return Fraction(cents, 100)


def as_fine(value: Fraction) -> int:
    scaled = value * 10_000
    assert scaled.denominator == 1, f"{value} is not on the 1/10000 grid"
    return int(scaled)


def exact_group_mean(scores_cents: list[int], trim_from: int) -> Fraction:
    """Rule 1 in points: the plain mean, or — from ``trim_from`` raters — the mean of the
    scores left after removing one highest and one lowest (sorted, first and last)."""
    scores = sorted(scores_cents)
    if len(scores) >= trim_from:
        scores = scores[1:-1]
    return Fraction(sum(scores), 100 * len(scores))


def exact_weighted_mean(values: dict, weights: dict) -> Fraction:
    return sum((weights[k] * values[k] for k in values), Fraction(0)) / sum(weights[k] for k in values)


@dataclass
class Expected:
    bases: dict[int, Fraction] = field(default_factory=dict)  # sub-period → base in points
    missing: set[tuple[int, object]] = field(default_factory=set)  # (sub-period, indicator key)
    base: Fraction | None = None
    bonus: Fraction = Fraction(0)
    penalty: Fraction = Fraction(0)
    total: Decimal | None = None


def expected_total(scheme: Scheme, inputs: Inputs) -> Expected:
    """Rules 1–5 of the published rule, in points, with exact rationals."""
    scored_periods = {t for (_, t, _), scores in inputs.rater_scores.items() if scores}
    scored_periods |= {t for (_, t) in inputs.direct_scores}
    expected = Expected()
    for t in sorted(scored_periods):
        base, complete = Fraction(0), True
        for indicator in scheme.indicators:
            if indicator.rated:  # rule 2: groups that scored, weights pro rata
                groups = {
                    g: r4(exact_group_mean(scores, scheme.trim_from))
                    for (key, period, g), scores in inputs.rater_scores.items()
                    if key == indicator.key and period == t and scores
                }
                score = r4(exact_weighted_mean(groups, scheme.group_weights)) if groups else None
            else:
                direct = inputs.direct_scores.get((indicator.key, t))
                score = None if direct is None else points(direct)
            if score is None:
                expected.missing.add((t, indicator.key))
                complete = False
                continue
            # Rule 3: score ÷ full marks × weight.
            base += r4(score / points(indicator.full_marks_cents) * points(indicator.weight_cents))
        if complete:
            expected.bases[t] = base
    # Rule 5: bonus and penalty, each capped.
    expected.bonus = min(points(sum(inputs.bonuses)), points(scheme.bonus_cap_cents))
    expected.penalty = min(points(sum(inputs.penalties)), points(scheme.penalty_cap_cents))
    if expected.bases and not expected.missing:
        # Rule 4: weighted mean over the sub-periods assessed.
        expected.base = r4(exact_weighted_mean(expected.bases, scheme.sub_period_weights))
        expected.total = half_up(expected.base, 2) + in_cents(expected.bonus) - in_cents(expected.penalty)
        expected.total = expected.total.quantize(Decimal("0.01"))
    return expected


# --------------------------------------------------------------------------- strategies

FULL_MARKS_CENTS = st.sampled_from([10_000, 5_000, 2_000, 1_000])
GROUP_KEYS = ["领导评价", "同事互评", "服务对象评价"]


def partitions(total: int, parts: int):
    """``parts`` positive integers summing to ``total``, odd splits like 33.33/33.33/33.34 included."""
    if parts == 1:
        return st.just([total])
    cuts = st.lists(st.integers(1, total - 1), min_size=parts - 1, max_size=parts - 1, unique=True)
    drawn = cuts.map(lambda c: [b - a for a, b in zip([0, *sorted(c)], [*sorted(c), total], strict=True)])
    if parts == 3 and total == 10_000:
        return st.just([3333, 3333, 3334]) | drawn
    return drawn


def scores_for(full_marks_cents: int):
    """Scores from 0 to full marks, often on a few round values so that ties and equal
    extremes are frequent."""
    common = [full_marks_cents * k // 100 for k in (60, 75, 80, 85, 90, 100)]
    return st.sampled_from(common) | st.integers(0, full_marks_cents)


@st.composite
def schemes(draw, max_indicators: int = 5) -> Scheme:
    count = draw(st.integers(1, max_indicators))
    weights = draw(partitions(10_000, count))
    indicators = [
        Indicator(
            key=f"I{k}",
            name=f"指标{k}",
            weight_cents=weight,
            full_marks_cents=draw(FULL_MARKS_CENTS),
            rated=draw(st.booleans()),
        )
        for k, weight in enumerate(weights)
    ]
    group_count = draw(st.integers(1, 3))
    group_weights = dict(zip(GROUP_KEYS, draw(partitions(10_000, group_count)), strict=False))
    sub_periods = draw(st.sampled_from([1, 2, 6]))
    sub_period_weights = {t: draw(st.integers(1, 5)) for t in range(1, sub_periods + 1)}
    return Scheme(
        indicators=indicators,
        group_weights=group_weights,
        sub_period_weights=sub_period_weights,
        trim_from=draw(st.integers(3, 6)),
        bonus_cap_cents=draw(st.sampled_from([0, 300, 500, 1_000])),
        penalty_cap_cents=draw(st.sampled_from([0, 500, 1_000, 2_000])),
    )


@st.composite
def inputs_for(draw, scheme: Scheme, gaps: bool = True) -> Inputs:
    """A person's raw scores: some sub-periods (maybe none), in each every indicator scored
    — or, with ``gaps``, now and then one left unscored."""
    assessed = draw(st.sets(st.sampled_from(sorted(scheme.sub_period_weights)), max_size=6))
    inputs = Inputs(rater_scores={}, direct_scores={})
    for t in sorted(assessed):
        for indicator in scheme.indicators:
            if gaps and draw(st.integers(0, 11)) == 0:
                continue
            scores = scores_for(indicator.full_marks_cents)
            if indicator.rated:
                groups = draw(st.sets(st.sampled_from(sorted(scheme.group_weights)), min_size=1))
                for g in sorted(groups):
                    inputs.rater_scores[indicator.key, t, g] = draw(st.lists(scores, min_size=1, max_size=8))
            else:
                inputs.direct_scores[indicator.key, t] = draw(scores)
    inputs.bonuses = draw(st.lists(st.sampled_from([50, 100, 200, 250, 300]), max_size=4))
    inputs.penalties = draw(st.lists(st.sampled_from([25, 100, 500, 1_000]), max_size=3))
    return inputs


@st.composite
def people(draw, gaps: bool = True) -> tuple[Scheme, Inputs]:
    scheme = draw(schemes())
    return scheme, draw(inputs_for(scheme, gaps=gaps))


def shuffled(inputs: Inputs, rng: random.Random) -> Inputs:
    """The same raw scores, raters and groups listed in another order."""
    keys = list(inputs.rater_scores)
    rng.shuffle(keys)
    rater_scores = {}
    for key in keys:
        scores = list(inputs.rater_scores[key])
        rng.shuffle(scores)
        rater_scores[key] = scores
    direct = list(inputs.direct_scores.items())
    rng.shuffle(direct)
    bonuses, penalties = list(inputs.bonuses), list(inputs.penalties)
    rng.shuffle(bonuses)
    rng.shuffle(penalties)
    return Inputs(rater_scores, dict(direct), bonuses, penalties)


# --------------------------------------------------------------------------- rounding


@given(st.integers(0, 10**12), st.integers(1, 10**6))
@example(5, 10)  # 0.5 → 1
@example(15, 10)  # 1.5 → 2 (half-up, not to even)
@example(25, 10)  # 2.5 → 3
@example(4, 10)
def test_round_div_rounds_half_up(numerator, denominator):
    assert round_div(numerator, denominator) == half_up(Fraction(numerator, denominator), 0)


@given(st.integers(-(10**9), 10**9))
def test_to_cents_reads_two_decimals_exactly(cents):
    text = f"{'-' if cents < 0 else ''}{abs(cents) // 100}.{abs(cents) % 100:02d}"
    assert to_cents(text) == cents
    assert to_cents(Decimal(text)) == cents
    assert cents_to_points(cents) == Decimal(text)


@given(st.integers(0, 10**7), st.integers(1, 9))
def test_to_cents_refuses_a_third_decimal(cents, thousandth):
    value = Decimal(cents).scaleb(-2) + Decimal(thousandth).scaleb(-3)
    with pytest.raises(ValueError, match="more than two decimals"):
        to_cents(value)
    with pytest.raises(ValueError):
        to_cents(str(value))


def test_to_cents_worked_examples():
    assert to_cents(85) == 8500
    assert to_cents("85.5") == 8550
    assert to_cents("85.250") == 8525  # a trailing zero is not a third decimal
    assert to_cents(Decimal("33.33")) == 3333
    for value in ("85.255", "0.001", Decimal("99.999")):
        with pytest.raises(ValueError):
            to_cents(value)
    assert fine_to_points(852550) == Decimal("85.2550")


# --------------------------------------------------------------------------- rule 1: group score


@given(st.lists(st.integers(0, 10_000), min_size=1, max_size=12), st.integers(3, 8))
def test_a_group_score_is_its_trimmed_mean_rounded_half_up_to_four_decimals(scores, trim_from):
    score = group_score(scores, trim_from)
    assert fine_to_points(score) == half_up(exact_group_mean(scores, trim_from), 4)


@given(st.lists(st.integers(0, 10_000), min_size=1, max_size=12), st.integers(3, 8), st.randoms())
def test_trimming_drops_exactly_one_highest_and_one_lowest_and_only_from_trim_from_raters(
    scores, trim_from, rng
):
    score = group_score(scores, trim_from)
    if len(scores) < trim_from:
        # Every rater counts: the plain mean.
        assert fine_to_points(score) == half_up(Fraction(sum(scores), 100 * len(scores)), 4)
        # … so moving the highest score moves the result.
        raised = [*scores]
        raised[scores.index(max(scores))] += 100
        assert group_score(raised, trim_from) > score
    else:
        # One highest and one lowest are dropped, whatever they are (even equal to others).
        lowest, highest = min(scores), max(scores)
        rest = [*scores]
        rest.remove(lowest)
        rest.remove(highest)
        assert fine_to_points(score) == half_up(Fraction(sum(rest), 100 * len(rest)), 4)
        extreme = [*rest, lowest - rng.randint(0, lowest), highest + rng.randint(0, 5_000)]
        rng.shuffle(extreme)
        assert group_score(extreme, trim_from) == score  # how extreme they were does not count


@given(st.integers(0, 10_000), st.integers(1, 12), st.integers(3, 8))
def test_raters_who_all_agree_give_their_score(score_cents, raters, trim_from):
    assert group_score([score_cents] * raters, trim_from) == score_cents * 100


@given(st.lists(st.integers(0, 10_000), min_size=1, max_size=12), st.integers(3, 8), st.randoms())
def test_the_order_of_raters_does_not_matter(scores, trim_from, rng):
    other = [*scores]
    rng.shuffle(other)
    assert group_score(other, trim_from) == group_score(scores, trim_from)


def test_a_group_needs_a_rater():
    with pytest.raises(ValueError):
        group_score([], 5)


@pytest.mark.parametrize(
    ("scores", "trim_from", "expected"),
    [
        ([60, 70, 80, 90, 100], 5, "80"),  # drop 60 and 100: (70+80+90)/3
        ([60, 70, 80, 90], 5, "75"),  # four raters: untrimmed
        ([60, 70, 80, 90], 4, "75"),  # trimmed: (70+80)/2
        ([60, 70, 80, 100], 4, "75"),  # trimmed: (70+80)/2, the 100 is dropped
        ([60, 70, 80, 100], 5, "77.5"),
        ([80, 80, 90, 90, 100], 5, "86.6667"),  # one 80 of two is dropped: 266.6…/3
        ([100, 100, 100, 60, 60], 5, "86.6667"),  # one 100 and one 60
        ([90, 90, 90, 90, 90], 5, "90"),
        ([85.25, 85.26], 5, "85.255"),
        ([0.01, 0, 0], 5, "0.0033"),  # 0.00333… rounds down
        ([0.02, 0, 0], 5, "0.0067"),  # 0.00666… rounds up
        ([0.01, 0, 0, 0, 0, 0, 0, 0], 9, "0.0013"),  # 0.00125 is a tie: half-up
        ([0.01, 0, 0, 0, 0, 0, 0, 0], 8, "0"),  # 0.01 is dropped as the highest
    ],
)
def test_group_score_worked_examples(scores, trim_from, expected):
    cents = [to_cents(Decimal(str(s))) for s in scores]
    assert fine_to_points(group_score(cents, trim_from)) == Decimal(expected)


# --------------------------------------------------------------------------- rule 2: rated indicator


@st.composite
def group_scores_and_weights(draw):
    weights = dict(zip(GROUP_KEYS, draw(partitions(10_000, draw(st.integers(1, 3)))), strict=False))
    present = draw(st.sets(st.sampled_from(sorted(weights)), min_size=1))
    scores = {g: draw(st.integers(0, 1_000_000)) for g in sorted(present)}
    return scores, weights


@given(group_scores_and_weights())
@example(({"领导评价": 5, "同事互评": 0}, {"领导评价": 5_000, "同事互评": 5_000}))  # 2.5 fine → 3
def test_a_rated_indicator_is_the_weighted_mean_of_the_groups_that_scored(drawn):
    scores, weights = drawn
    score = rated_indicator_score(scores, weights)
    exact = exact_weighted_mean({g: Fraction(s, 10_000) for g, s in scores.items()}, weights)
    assert fine_to_points(score) == half_up(exact, 4)
    # A group that did not score passes its weight on pro rata: the result is the same as
    # for a scheme with only the groups that scored.
    assert score == rated_indicator_score(scores, {g: weights[g] for g in scores})
    # Weights count only as ratios.
    assert score == rated_indicator_score(scores, {g: 7 * w for g, w in weights.items()})
    # A weighted mean lies between the lowest and the highest group.
    assert min(scores.values()) <= score <= max(scores.values())


@given(st.integers(0, 1_000_000), group_scores_and_weights())
def test_groups_that_agree_give_their_score_whatever_the_weights(score, drawn):
    present, weights = drawn
    assert rated_indicator_score(dict.fromkeys(present, score), weights) == score


def test_rated_indicator_worked_examples():
    weights = {"领导评价": 4000, "同事互评": 6000}
    assert rated_indicator_score({"领导评价": 900_000, "同事互评": 800_000}, weights) == 840_000
    assert rated_indicator_score({"领导评价": 900_000}, weights) == 900_000  # peers did not rate
    halves = {"领导评价": 5_000, "同事互评": 5_000}
    # Ties at the fourth decimal round up, never to even: 0.00025 → 0.0003, 0.00015 → 0.0002.
    assert rated_indicator_score({"领导评价": 5, "同事互评": 0}, halves) == 3
    assert rated_indicator_score({"领导评价": 3, "同事互评": 0}, halves) == 2
    thirds = {"领导评价": 3333, "同事互评": 3333, "服务对象评价": 3334}
    # (90×33.33 + 80×33.33 + 70×33.34) / 100 = 79.999
    assert rated_indicator_score(
        {"领导评价": 900_000, "同事互评": 800_000, "服务对象评价": 700_000}, thirds
    ) == as_fine(Fraction("79.999"))


# --------------------------------------------------------------------------- rules 3–5


@given(st.integers(0, 1_000_000), st.integers(0, 10_000), FULL_MARKS_CENTS)
def test_a_contribution_is_score_over_full_marks_times_weight(score_fine, weight_cents, full_marks_cents):
    exact = Fraction(score_fine, 10_000) / points(full_marks_cents) * points(weight_cents)
    assert fine_to_points(contribution(score_fine, weight_cents, full_marks_cents)) == half_up(exact, 4)


def test_contribution_worked_examples():
    assert contribution(450_000, 5_000, 5_000) == 450_000  # 45 of 50 marks, weight 50
    assert contribution(800_000, 3_333, 10_000) == 266_640  # 80 % of 33.33
    assert contribution(1, 5_000, 10_000) == 1  # 0.00005 rounds up
    assert contribution(1, 4_999, 10_000) == 0


@given(
    st.dictionaries(st.integers(1, 6), st.integers(0, 1_000_000), min_size=1),
    st.lists(st.integers(1, 5), min_size=6, max_size=6),
)
def test_roll_up_is_the_weighted_mean_of_the_sub_periods_assessed(bases, weight_list):
    weights = dict(enumerate(weight_list, start=1))
    exact = exact_weighted_mean({t: Fraction(b, 10_000) for t, b in bases.items()}, weights)
    assert fine_to_points(roll_up(bases, weights)) == half_up(exact, 4)


@given(
    st.integers(0, 1_000_000),
    st.lists(st.integers(0, 500), max_size=5),
    st.lists(st.integers(0, 800), max_size=5),
    st.integers(0, 1_000),
    st.integers(0, 2_000),
)
def test_the_total_is_the_rounded_base_plus_capped_bonus_minus_capped_penalty(
    base_fine, bonuses, penalties, bonus_cap, penalty_cap
):
    total = final_total(base_fine, sum(bonuses), sum(penalties), bonus_cap, penalty_cap)
    bonus = min(points(sum(bonuses)), points(bonus_cap))
    penalty = min(points(sum(penalties)), points(penalty_cap))
    expected = half_up(Fraction(base_fine, 10_000), 2) + in_cents(bonus) - in_cents(penalty)
    assert cents_to_points(total) == expected


def test_final_total_worked_examples():
    assert final_total(850_050, 0, 0, 500, 1_000) == 8_501  # 85.005 → 85.01, half-up
    assert final_total(850_049, 0, 0, 500, 1_000) == 8_500
    assert final_total(850_000, 700, 0, 500, 1_000) == 9_000  # 7 bonus points capped at 5
    assert final_total(850_000, 300, 1_500, 500, 1_000) == 7_800  # penalty capped at 10


# --------------------------------------------------------------------------- one person: rules 1–5


def assert_matches_expected(result: formula.Result, expected: Expected) -> None:
    assert result.sub_period_bases == {t: as_fine(b) for t, b in expected.bases.items()}
    assert {(t, i.key) for t, i in result.missing} == expected.missing
    assert len(result.missing) == len(expected.missing)  # each gap listed once
    assert result.bonus_cents == as_fine(expected.bonus) // 100
    assert result.penalty_cents == as_fine(expected.penalty) // 100
    if expected.total is None:
        assert result.total_cents is None
        assert result.base_fine is None
        assert not result.complete
    else:
        assert result.complete
        assert result.base_fine == as_fine(expected.base)
        assert cents_to_points(result.total_cents) == expected.total
    assert result.assessed == bool(expected.bases or expected.missing)


@given(people())
def test_a_person_total_follows_rules_1_to_5(drawn):
    scheme, inputs = drawn
    assert_matches_expected(person_total(scheme, inputs), expected_total(scheme, inputs))


@given(people(gaps=False))
def test_a_person_scored_throughout_is_complete(drawn):
    scheme, inputs = drawn
    result = person_total(scheme, inputs)
    assert result.missing == []
    assert result.complete == bool(inputs.rater_scores or inputs.direct_scores)
    if result.complete:
        # The breakdown adds up: each sub-period's base is the sum of its lines.
        for t, base in result.sub_period_bases.items():
            lines = [line for line in result.lines if line.sub_period == t]
            assert [line.indicator for line in lines] == list(scheme.indicators)
            assert sum(line.contribution_fine for line in lines) == base
        # Scores between 0 and full marks give a base between 0 and 100.
        assert 0 <= result.base_fine <= 1_000_000


@given(people(), st.randoms())
def test_permuting_raters_groups_and_indicators_never_changes_a_total(drawn, rng):
    scheme, inputs = drawn
    result = person_total(scheme, inputs)
    indicators = list(scheme.indicators)
    rng.shuffle(indicators)
    groups = list(scheme.group_weights.items())
    rng.shuffle(groups)
    other_scheme = replace(scheme, indicators=indicators, group_weights=dict(groups))
    other = person_total(other_scheme, shuffled(inputs, rng))
    assert (other.total_cents, other.base_fine) == (result.total_cents, result.base_fine)
    assert other.sub_period_bases == result.sub_period_bases
    assert sorted((t, i.key) for t, i in other.missing) == sorted((t, i.key) for t, i in result.missing)


@given(people(gaps=False), st.data())
def test_equal_sums_of_scores_give_equal_totals(drawn, data):
    """Ties are real ties: raters of a group whose scores add up to the same sum give the
    same total, however the sum is split (with floats, 0.1 + 0.2 is not 0.3)."""
    scheme, inputs = drawn
    untrimmed = [k for k, scores in inputs.rater_scores.items() if 2 <= len(scores) < scheme.trim_from]
    assume(untrimmed)
    key = data.draw(st.sampled_from(untrimmed))
    scores = list(inputs.rater_scores[key])
    i, j = data.draw(st.lists(st.integers(0, len(scores) - 1), min_size=2, max_size=2, unique=True))
    moved = data.draw(st.integers(0, scores[j]))
    scores[i], scores[j] = scores[i] + moved, scores[j] - moved
    other = Inputs(
        {**inputs.rater_scores, key: scores}, inputs.direct_scores, inputs.bonuses, inputs.penalties
    )
    assert person_total(scheme, other).total_cents == person_total(scheme, inputs).total_cents


@given(people())
def test_identical_inputs_give_identical_results(drawn):
    """Two people with the same raw scores (separate copies) get the same result, line by line."""
    scheme, inputs = drawn
    twin = Inputs(
        {k: list(v) for k, v in inputs.rater_scores.items()},
        dict(inputs.direct_scores),
        list(inputs.bonuses),
        list(inputs.penalties),
    )
    assert person_total(scheme, twin) == person_total(scheme, inputs)


def test_ties_are_ties_worked_example():
    """0.1 + 0.2 == 0.3 here: two people whose scores come to the same points tie exactly."""
    scheme = Scheme(
        indicators=[Indicator("德", "德", 5_000, 10_000, True), Indicator("能", "能", 5_000, 10_000, False)],
        group_weights={"领导评价": 4_000, "同事互评": 6_000},
        sub_period_weights={1: 1},
    )
    a = Inputs(
        rater_scores={("德", 1, "领导评价"): [8_510, 8_520], ("德", 1, "同事互评"): [8_000]},
        direct_scores={("能", 1): 6_020},
    )
    b = Inputs(
        rater_scores={("德", 1, "领导评价"): [8_515, 8_515], ("德", 1, "同事互评"): [7_990, 8_010]},
        direct_scores={("能", 1): 6_020},
    )
    # 德: 85.15×0.4 + 80×0.6 = 82.06 → 41.03; 能: 30.10; base 71.13
    assert person_total(scheme, a).total_cents == person_total(scheme, b).total_cents == 7_113


@given(people(), st.integers(1, 10_000))
def test_a_group_without_raters_changes_nothing(drawn, weight):
    scheme, inputs = drawn
    result = person_total(scheme, inputs)
    wider = replace(scheme, group_weights={**scheme.group_weights, "另一组": weight})
    scored = {(i, t) for (i, t, _) in inputs.rater_scores}
    empty = {(i, t, "另一组"): [] for (i, t) in scored}
    other = person_total(
        wider,
        Inputs({**inputs.rater_scores, **empty}, inputs.direct_scores, inputs.bonuses, inputs.penalties),
    )
    assert (other.total_cents, other.base_fine, other.sub_period_bases) == (
        result.total_cents,
        result.base_fine,
        result.sub_period_bases,
    )
    assert other.missing == result.missing


def test_an_empty_rater_list_in_an_unscored_sub_period_changes_nothing():
    """A sub-period is assessed when somebody scored in it, not when a group is listed."""
    scheme = Scheme(
        indicators=[Indicator("德", "德", 10_000, 10_000, True)],
        group_weights={"领导评价": 10_000},
        sub_period_weights={1: 1, 2: 1},
    )
    scored = {("德", 1, "领导评价"): [9_000]}
    assert person_total(scheme, Inputs(scored)).total_cents == 9_000
    with_empty = person_total(scheme, Inputs({**scored, ("德", 2, "领导评价"): []}))
    assert with_empty.missing == []
    assert with_empty.total_cents == 9_000


@given(people(gaps=False), st.data())
def test_a_sub_period_without_scores_is_skipped(drawn, data):
    """Someone who joined or left mid-period is averaged over the sub-periods they were
    assessed in: dropping every score of one sub-period drops it from the roll-up."""
    scheme, inputs = drawn
    result = person_total(scheme, inputs)
    assume(len(result.sub_period_bases) >= 2)
    gone = data.draw(st.sampled_from(sorted(result.sub_period_bases)))
    fewer = Inputs(
        {k: v for k, v in inputs.rater_scores.items() if k[1] != gone},
        {k: v for k, v in inputs.direct_scores.items() if k[1] != gone},
        inputs.bonuses,
        inputs.penalties,
    )
    other = person_total(scheme, fewer)
    kept = {t: b for t, b in result.sub_period_bases.items() if t != gone}
    assert other.sub_period_bases == kept
    assert other.missing == []
    assert other.base_fine == roll_up(kept, scheme.sub_period_weights)
    exact = exact_weighted_mean({t: Fraction(b, 10_000) for t, b in kept.items()}, scheme.sub_period_weights)
    assert fine_to_points(other.base_fine) == half_up(exact, 4)


@given(people(gaps=False), st.data())
def test_a_partly_scored_sub_period_makes_the_total_incomplete_and_says_what_is_missing(drawn, data):
    scheme, inputs = drawn
    result = person_total(scheme, inputs)
    assume(result.complete and len(scheme.indicators) >= 2)
    t = data.draw(st.sampled_from(sorted(result.sub_period_bases)))
    indicator = data.draw(st.sampled_from(list(scheme.indicators)))
    gap = Inputs(
        {k: v for k, v in inputs.rater_scores.items() if (k[0], k[1]) != (indicator.key, t)},
        {k: v for k, v in inputs.direct_scores.items() if k != (indicator.key, t)},
        inputs.bonuses,
        inputs.penalties,
    )
    other = person_total(scheme, gap)
    assert other.missing == [(t, indicator)]
    assert other.total_cents is None and other.base_fine is None
    assert other.assessed and not other.complete
    assert t not in other.sub_period_bases
    assert {s: b for s, b in other.sub_period_bases.items()} == {
        s: b for s, b in result.sub_period_bases.items() if s != t
    }


@given(
    people(gaps=False),
    st.lists(st.integers(0, 2_000), max_size=5),
    st.lists(st.integers(0, 3_000), max_size=5),
)
def test_bonuses_and_penalties_are_capped(drawn, bonuses, penalties):
    scheme, inputs = drawn
    plain = person_total(scheme, Inputs(inputs.rater_scores, inputs.direct_scores))
    assume(plain.complete)
    adjusted = person_total(scheme, Inputs(inputs.rater_scores, inputs.direct_scores, bonuses, penalties))
    assert adjusted.base_fine == plain.base_fine  # adjustments do not touch the base
    assert adjusted.bonus_cents == min(sum(bonuses), scheme.bonus_cap_cents)
    assert adjusted.penalty_cents == min(sum(penalties), scheme.penalty_cap_cents)
    assert adjusted.total_cents == plain.total_cents + adjusted.bonus_cents - adjusted.penalty_cents
    assert adjusted.total_cents - plain.total_cents <= scheme.bonus_cap_cents
    assert plain.total_cents - adjusted.total_cents <= scheme.penalty_cap_cents


def test_nobody_without_scores_is_assessed():
    scheme = Scheme(
        indicators=[Indicator("德", "德", 10_000, 10_000, False)], group_weights={}, sub_period_weights={1: 1}
    )
    result = person_total(scheme, Inputs(bonuses=[300], penalties=[100]))
    assert not result.assessed and not result.complete
    assert result.total_cents is None and result.missing == [] and result.sub_period_bases == {}


def test_a_person_worked_example():
    """德 20 (raters), 能 30 = 业务 20 (raters) + 学习 10 (objective), 绩 50 (unit, of 50
    marks); leaders 40 %, peers 60 %; quarterly, the second quarter weighing double."""
    de, yewu = Indicator("德", "德", 2_000, 10_000, True), Indicator("业务", "业务", 2_000, 10_000, True)
    xuexi, ji = Indicator("学习", "学习", 1_000, 10_000, False), Indicator("绩", "绩", 5_000, 5_000, False)
    scheme = Scheme(
        indicators=[de, yewu, xuexi, ji],
        group_weights={"领导评价": 4_000, "同事互评": 6_000},
        sub_period_weights={1: 1, 2: 2},
        trim_from=5,
        bonus_cap_cents=500,
        penalty_cap_cents=1_000,
    )
    inputs = Inputs(
        rater_scores={
            # Q1 德: leaders 90, 80 → 85; peers 60 70 80 90 100 → 80 (trimmed); 85×.4+80×.6 = 82
            ("德", 1, "领导评价"): [9_000, 8_000],
            ("德", 1, "同事互评"): [6_000, 7_000, 8_000, 9_000, 10_000],
            # Q1 业务: leaders only (peers did not rate): 88
            ("业务", 1, "领导评价"): [8_800],
            # Q2 德 and 业务: everyone 90
            ("德", 2, "领导评价"): [9_000],
            ("德", 2, "同事互评"): [9_000] * 6,
            ("业务", 2, "同事互评"): [9_000, 9_000, 9_000],
        },
        direct_scores={("学习", 1): 9_500, ("绩", 1): 4_500, ("学习", 2): 10_000, ("绩", 2): 4_000},
        bonuses=[300, 400],  # 7 points, capped at 5
        penalties=[150],
    )
    result = person_total(scheme, inputs)
    # Q1: 82×0.2 + 88×0.2 + 95×0.1 + 45/50×50 = 16.4 + 17.6 + 9.5 + 45 = 88.5
    # Q2: 90×0.2 + 90×0.2 + 100×0.1 + 40/50×50 = 18 + 18 + 10 + 40 = 86
    assert result.sub_period_bases == {1: 885_000, 2: 860_000}
    # (88.5 + 2×86) / 3 = 86.8333…
    assert result.base_fine == 868_333
    assert (result.bonus_cents, result.penalty_cents) == (500, 150)
    assert result.total_cents == 8_683 + 500 - 150
    q1_de = next(line for line in result.lines if line.sub_period == 1 and line.indicator == de)
    assert q1_de.group_scores == {"领导评价": 850_000, "同事互评": 800_000}
    assert q1_de.score_fine == 820_000 and q1_de.contribution_fine == 164_000
