"""The rater-quality rules (``reports.quality_flags``): pure functions of the measured numbers,
checked for every drawn set of numbers against the rules as the module states them."""

import math

from hypothesis import assume, given
from hypothesis import strategies as st

from jixiao.reports import quality_flags as q
from jixiao.reports.quality_flags import (
    Flag,
    GroupNumbers,
    RaterNumbers,
    UnitNumbers,
    far_above_chance,
    group_flags,
    rater_flags,
    unit_flags,
)
from jixiao.reports.quality_model import histogram_band

offsets = st.one_of(st.none(), st.floats(min_value=-60, max_value=60, allow_nan=False))


@st.composite
def raters(draw) -> RaterNumbers:
    scores = draw(st.integers(min_value=1, max_value=400))
    trimmable = draw(st.integers(min_value=0, max_value=scores))
    single_highest = draw(st.integers(min_value=0, max_value=trimmable))
    single_lowest = draw(st.integers(min_value=0, max_value=trimmable - single_highest))
    # Each trimmable score is the single highest by chance 1/n, n ≥ 3.
    chance = draw(st.floats(min_value=0, max_value=trimmable / 3)) if trimmable else 0.0
    compared = draw(st.integers(min_value=0, max_value=scores))
    return RaterNumbers(
        people=draw(st.integers(min_value=1, max_value=scores)),
        scores=scores,
        compared=compared,
        mean_offset=draw(offsets) if compared else None,
        full_marks=draw(st.integers(min_value=0, max_value=scores)),
        identical=draw(st.booleans()),
        trimmable=trimmable,
        single_highest=single_highest,
        single_lowest=single_lowest,
        chance=chance,
    )


def with_(numbers, **changes):
    return type(numbers)(**{**numbers.__dict__, **changes})


@given(raters())
def test_a_rater_who_rated_few_people_is_never_flagged(n):
    assume(n.people < q.MIN_PEOPLE)
    assert rater_flags(n) == ()


@given(raters())
def test_each_rater_flag_follows_its_rule(n):
    flags = rater_flags(n)
    enough = n.people >= q.MIN_PEOPLE
    offset_counts = enough and n.compared >= q.MIN_COMPARED and n.mean_offset is not None
    assert (Flag.HIGH in flags) == (offset_counts and n.mean_offset >= q.OFFSET_POINTS)
    assert (Flag.LOW in flags) == (offset_counts and n.mean_offset <= -q.OFFSET_POINTS)
    assert (Flag.FULL_MARKS in flags) == (enough and 100 * n.full_marks >= q.FULL_MARKS_SHARE * n.scores)
    assert (Flag.IDENTICAL in flags) == (enough and n.identical)
    extreme = n.trimmable >= q.MIN_TRIMMABLE and (
        far_above_chance(n.single_highest, n.chance)
        or far_above_chance(n.single_lowest, n.chance)
        or far_above_chance(n.single_highest + n.single_lowest, 2 * n.chance)
    )
    assert (Flag.EXTREME in flags) == (enough and extreme)
    assert len(set(flags)) == len(flags) and not {Flag.HIGH, Flag.LOW} <= set(flags)


@given(raters(), st.floats(min_value=0, max_value=60))
def test_scoring_further_from_colleagues_never_lifts_a_flag(n, further):
    assume(n.mean_offset is not None)
    away = n.mean_offset + (further if n.mean_offset >= 0 else -further)
    assert set(rater_flags(n)) <= set(rater_flags(with_(n, mean_offset=away)))


@given(raters())
def test_harsh_is_lenient_mirrored(n):
    assume(n.mean_offset is not None)
    mirrored = set(rater_flags(with_(n, mean_offset=-n.mean_offset)))
    swap = {Flag.HIGH: Flag.LOW, Flag.LOW: Flag.HIGH}
    assert {swap.get(f, f) for f in rater_flags(n)} == mirrored


@given(raters(), st.integers(min_value=0, max_value=400))
def test_more_full_marks_never_lift_the_full_marks_flag(n, more):
    if Flag.FULL_MARKS in rater_flags(n):
        assert Flag.FULL_MARKS in rater_flags(with_(n, full_marks=min(n.scores, n.full_marks + more)))


@given(st.integers(min_value=0, max_value=500), st.floats(min_value=0, max_value=200, allow_nan=False))
def test_far_above_chance_is_at_least_twice_and_four_deviations_above_it(observed, chance):
    expected = observed > 0 and observed >= 2 * chance and observed >= chance + 4 * math.sqrt(chance)
    assert far_above_chance(observed, chance) == expected
    if far_above_chance(observed, chance):
        assert far_above_chance(observed + 1, chance)


def test_a_rater_always_single_highest_of_five_is_flagged_and_one_in_five_is_not():
    base = dict(people=20, scores=40, compared=40, mean_offset=1.0, full_marks=0, identical=False)
    always = RaterNumbers(**base, trimmable=40, single_highest=40, single_lowest=0, chance=8.0)
    by_chance = RaterNumbers(**base, trimmable=40, single_highest=8, single_lowest=8, chance=8.0)
    assert rater_flags(always) == (Flag.EXTREME,) and rater_flags(by_chance) == ()
    # Of three raters, two are always an extreme: never a flag.
    three = RaterNumbers(**base, trimmable=40, single_highest=20, single_lowest=20, chance=40 / 3)
    assert rater_flags(three) == ()


@given(
    st.integers(min_value=0, max_value=300),
    st.integers(min_value=0, max_value=3000),
    offsets,
    st.integers(min_value=0, max_value=3000),
    st.integers(min_value=0, max_value=20),
)
def test_group_flags(people, scores, offset, full_marks, flagged):
    n = GroupNumbers(
        people=people,
        scores=max(scores, full_marks, 1),
        across=scores,
        mean_offset=offset if scores else None,
        full_marks=full_marks,
        flagged_raters=flagged,
    )
    flags = group_flags(n)
    counted = people >= q.MIN_PEOPLE and n.across >= q.MIN_COMPARED and n.mean_offset is not None
    assert (Flag.HIGH in flags) == (counted and n.mean_offset >= q.GROUP_OFFSET_POINTS)
    assert (Flag.LOW in flags) == (counted and n.mean_offset <= -q.GROUP_OFFSET_POINTS)
    assert (Flag.FULL_MARKS in flags) == (
        people >= q.MIN_PEOPLE and 100 * n.full_marks >= q.FULL_MARKS_SHARE * n.scores
    )


@given(
    st.integers(min_value=0, max_value=500),
    offsets,
    st.integers(min_value=0, max_value=50),
    st.integers(min_value=0, max_value=5),
)
def test_a_unit_is_flagged_when_it_scores_above_the_city_or_has_flagged_raters(
    people, leniency, raters, groups
):
    flags = unit_flags(
        UnitNumbers(people=people, leniency=leniency, flagged_raters=raters, flagged_groups=groups)
    )
    lenient = people >= q.MIN_PEOPLE and leniency is not None and leniency >= q.UNIT_LENIENCY_POINTS
    assert (Flag.HIGH in flags) == lenient
    assert Flag.LOW not in flags  # below the city: shown, not flagged
    assert (Flag.FLAGGED_RATERS in flags) == (raters > 0)
    assert (Flag.FLAGGED_GROUPS in flags) == (groups > 0)
    assert bool(flags) == (lenient or raters > 0 or groups > 0)


@given(st.floats(min_value=-1000, max_value=1000, allow_nan=False))
def test_an_offset_falls_in_the_band_that_holds_it_the_outer_bands_open_ended(offset):
    width, limit = 2, 30
    band = histogram_band(offset, width=width, limit=limit)
    assert band % width == 0 and -limit <= band <= limit - width
    if -limit <= offset < limit:
        assert band <= offset < band + width


def test_every_flag_has_an_interface_label_and_an_export_label():
    for flag in Flag:
        assert str(flag.label) and flag.export_label
    assert q.export_text([Flag.HIGH, Flag.FULL_MARKS]) == "偏高、满分偏多"
