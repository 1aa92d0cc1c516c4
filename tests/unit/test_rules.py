"""The selection rules (DESIGN.md rules 2–4) as properties of the pure functions in
``jixiao.selection.rules``.

Where a property needs "the right answer" it is computed here a second way — from the
totals sorted best first, or with exact ``Fraction`` arithmetic — rather than by repeating
the implementation.
"""

import math
from decimal import Decimal
from fractions import Fraction
from itertools import pairwise

import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

from jixiao.selection.rules import (
    BASIS_POINTS,
    Member,
    Outcome,
    Placement,
    QuotaRounding,
    RankingRules,
    TiePolicy,
    competition_rank,
    eligible_by_rank,
    has_quorum,
    percent_to_basis_points,
    place_peer_group,
    quota,
    rounded_share,
    special_cap,
)

# --------------------------------------------------------------------------- strategies

ROUNDINGS = st.sampled_from(list(QuotaRounding))
TIE_POLICIES = st.sampled_from(list(TiePolicy))
# Any share from 0 % to 100 % in steps of 0.01 %, i.e. in basis points.
SHARES_BP = st.integers(min_value=0, max_value=BASIS_POINTS)
COUNTS = st.integers(min_value=0, max_value=5_000)
# Few distinct values, so that ties (also at the cut-off) are frequent.
TOTALS = st.sampled_from(
    [Decimal(v) for v in ("60.00", "72.50", "80.00", "85.25", "85.30", "90.00", "95.75", "100.00")]
)
GROUPS = st.lists(TOTALS, min_size=1, max_size=40)

VETO_PROBABILITIES = st.sampled_from([0, 0.1, 0.3, 0.6])


def percent_text(share_bp: int) -> str:
    """1250 → "12.50": how a share in 0.01 % steps is written."""
    return f"{share_bp // 100}.{share_bp % 100:02d}"


def exact_share(count: int, share_bp: int) -> Fraction:
    return Fraction(count) * Fraction(share_bp, BASIS_POINTS)


@st.composite
def peer_groups(draw, *, veto_probability=VETO_PROBABILITIES):
    totals = draw(GROUPS)
    p = draw(veto_probability)
    vetoes = draw(st.lists(st.floats(0, 1), min_size=len(totals), max_size=len(totals)))
    return [Member(key=i, total=t, vetoed=v < p) for i, (t, v) in enumerate(zip(totals, vetoes, strict=True))]


RANKING_RULES = st.builds(
    RankingRules,
    share_bp=SHARES_BP,
    rounding=ROUNDINGS,
    min_quota=st.integers(0, 5),
    tie_policy=TIE_POLICIES,
    fill_vetoed_places=st.booleans(),
)


def by_rank(placements: dict) -> set:
    return {key for key, p in placements.items() if p.outcome == Outcome.BY_RANK}


def reference_eligible(totals: list[Decimal], places: int, tie_policy: TiePolicy) -> list[bool]:
    """Eligibility worked out the way a person would do it on paper: sort best first, draw
    the line under place ``places``, then look at the tie the line cuts through."""
    if places <= 0 or not totals:
        return [False] * len(totals)
    ordered = sorted(totals, reverse=True)
    if places >= len(ordered):
        return [True] * len(totals)
    last_in, first_out = ordered[places - 1], ordered[places]
    if last_in != first_out:  # the line falls between two different totals
        return [t >= last_in for t in totals]
    if tie_policy == TiePolicy.SHARE_RANK:  # the whole tie shares the last place
        return [t >= last_in for t in totals]
    return [t > last_in for t in totals]  # the straddling tie passes nobody


# --------------------------------------------------------------------------- shares in basis points


@given(SHARES_BP)
def test_every_share_in_hundredths_of_a_percent_is_exact_basis_points(share_bp):
    assert percent_to_basis_points(percent_text(share_bp)) == share_bp
    assert percent_to_basis_points(Decimal(percent_text(share_bp))) == share_bp


@given(st.integers(0, 100))
def test_whole_percent_as_int(percent):
    assert percent_to_basis_points(percent) == percent * 100


@pytest.mark.parametrize(
    "percent",
    ["0.001", "12.345", "101", "100.01", "-1", "-0.01", Decimal("0.005"), 101, -5, "NaN", "Infinity"],
)
def test_shares_finer_than_a_hundredth_or_outside_0_to_100_are_refused(percent):
    with pytest.raises(ValueError):
        percent_to_basis_points(percent)


@given(st.integers(0, 100), st.integers(0, 999).filter(lambda d: d % 10))
def test_any_third_decimal_is_refused(whole, thousandths):
    # e.g. 12.345 %: a share with a non-zero third decimal is not a 0.01 % step.
    with pytest.raises(ValueError):
        percent_to_basis_points(f"{whole}.{thousandths:03d}")


# --------------------------------------------------------------------------- quota rounding


@given(COUNTS, SHARES_BP)
def test_floor_le_half_up_le_ceil_each_within_one_of_the_exact_share(count, share_bp):
    exact = exact_share(count, share_bp)
    floor = rounded_share(count, share_bp, QuotaRounding.FLOOR)
    half_up = rounded_share(count, share_bp, QuotaRounding.HALF_UP)
    ceil = rounded_share(count, share_bp, QuotaRounding.CEIL)
    assert floor <= half_up <= ceil
    for value in (floor, half_up, ceil):
        assert abs(value - exact) < 1
    assert floor == math.floor(exact)
    assert ceil == math.ceil(exact)
    assert half_up == math.floor(exact + Fraction(1, 2))
    # Rounding only matters for a fractional share.
    assert (floor == ceil) == (exact.denominator == 1)


@given(st.integers(0, 1_000), SHARES_BP, ROUNDINGS)
@example(100, 2900, QuotaRounding.FLOOR)  # 29 % of 100 in floats is 28.999…
@example(100, 5700, QuotaRounding.FLOOR)
@example(1000, 1, QuotaRounding.CEIL)
def test_shares_have_no_float_error(count, share_bp, rounding):
    """Every share in 0.01 % steps of every group, computed from the written percentage,
    equals exact rational arithmetic: 29 % of 100 is 29, never 28."""
    exact = Fraction(percent_text(share_bp)) / 100 * count
    expected = {
        QuotaRounding.FLOOR: math.floor(exact),
        QuotaRounding.HALF_UP: math.floor(exact + Fraction(1, 2)),
        QuotaRounding.CEIL: math.ceil(exact),
    }[rounding]
    assert rounded_share(count, percent_to_basis_points(percent_text(share_bp)), rounding) == expected


def test_29_percent_of_100_is_29_although_floats_say_28():
    assert math.floor(0.29 * 100) == 28  # the trap the basis points avoid
    assert quota(100, percent_to_basis_points("29"), QuotaRounding.FLOOR, 0) == 29
    assert rounded_share(100, percent_to_basis_points("57"), QuotaRounding.FLOOR) == 57  # 0.57 * 100 = 56.99…


@given(st.integers(0, 2_000), SHARES_BP, ROUNDINGS, st.integers(0, 10))
def test_quota_is_the_rounded_share_at_least_min_quota_never_more_than_the_group(
    group_size, share_bp, rounding, min_quota
):
    places = quota(group_size, share_bp, rounding, min_quota)
    share = rounded_share(group_size, share_bp, rounding)
    assert 0 <= places <= group_size
    assert places >= share
    assert places >= min(min_quota, group_size)  # the minimum holds whenever the group allows
    if share >= min_quota:
        assert places == share  # the minimum only ever raises a small group's quota
    else:
        assert places == min(min_quota, group_size)


@given(st.integers(0, 2_000), SHARES_BP, ROUNDINGS, st.integers(0, 10))
def test_quota_grows_with_group_size_and_share(group_size, share_bp, rounding, min_quota):
    places = quota(group_size, share_bp, rounding, min_quota)
    assert quota(group_size + 1, share_bp, rounding, min_quota) >= places
    assert quota(group_size, min(BASIS_POINTS, share_bp + 1), rounding, min_quota) >= places


@given(st.integers(0, 2_000), ROUNDINGS, st.integers(0, 10))
def test_share_100_percent_passes_everyone_and_0_percent_only_the_minimum(group_size, rounding, min_quota):
    assert quota(group_size, BASIS_POINTS, rounding, min_quota) == group_size
    assert quota(group_size, 0, rounding, min_quota) == min(min_quota, group_size)


# --------------------------------------------------------------------------- competition rank


@given(GROUPS, st.data())
def test_competition_rank_is_one_plus_the_strictly_higher(totals, data):
    total = data.draw(st.sampled_from(totals))
    rank = competition_rank(total, totals)
    assert rank == 1 + len([t for t in totals if t > total])
    # The same as the first place the total takes in the list sorted best first.
    assert rank == sorted(totals, reverse=True).index(total) + 1


@given(GROUPS)
def test_ties_share_a_rank_and_the_next_rank_is_skipped(totals):
    ranks = {t: competition_rank(t, totals) for t in totals}
    assert ranks[max(totals)] == 1
    ordered = sorted(set(totals), reverse=True)
    for better, worse in pairwise(ordered):
        # "1, 2, 2, 4": the rank after a tie of k skips k - 1 numbers.
        assert ranks[worse] == ranks[better] + totals.count(better)
    assert ranks[ordered[-1]] == len(totals) - totals.count(ordered[-1]) + 1


# --------------------------------------------------------------------------- eligible by rank


@given(GROUPS, st.integers(0, 45), TIE_POLICIES)
def test_eligibility_matches_the_cut_off_line_drawn_by_hand(totals, places, tie_policy):
    got = [eligible_by_rank(t, totals, places, tie_policy) for t in totals]
    assert got == reference_eligible(totals, places, tie_policy)


@given(peer_groups(), RANKING_RULES)
def test_a_tie_passes_all_or_none(members, ranking_rules):
    """Rule 2's default tie policy (and the other): people with the same total, none of them
    vetoed, all pass or all stay out — whatever their place in the group's order."""
    placements = place_peer_group(members, ranking_rules)
    for total in {m.total for m in members}:
        tied = [m for m in members if m.total == total and not m.vetoed]
        assert len({placements[m.key].outcome for m in tied}) <= 1, total
        assert len({placements[m.key].rank for m in members if m.total == total}) == 1
    # and eligibility never skips a better total for a worse one
    passing = [m.total for m in members if placements[m.key].outcome == Outcome.BY_RANK]
    failing = [m.total for m in members if placements[m.key].outcome == Outcome.NOT_SELECTED]
    if passing and failing:
        assert min(passing) > max(failing)


@given(st.integers(0, 60), st.integers(0, 60))
def test_a_committee_decides_with_more_than_half_of_its_members_present(members, present):
    """Rule 5's quorum, against the sentence itself in exact fractions."""
    assert has_quorum(members, present) == (present <= members and Fraction(present) > Fraction(members, 2))


@given(GROUPS, st.integers(0, 45))
def test_exclude_straddling_never_passes_more_than_the_quota(totals, places):
    count = sum(eligible_by_rank(t, totals, places, TiePolicy.EXCLUDE_STRADDLING) for t in totals)
    assert count <= places


@given(GROUPS, st.data())
def test_a_straddling_tie_passes_nobody_under_exclude_straddling(totals, data):
    totals = [*totals, data.draw(st.sampled_from(totals))]  # at least one tie
    ordered = sorted(totals, reverse=True)
    # Draw the line through a tie: place ``places`` and the next are tied.
    places = data.draw(st.sampled_from([p for p in range(1, len(ordered)) if ordered[p - 1] == ordered[p]]))
    straddling = ordered[places - 1]
    assert not eligible_by_rank(straddling, totals, places, TiePolicy.EXCLUDE_STRADDLING)
    # ... while sharing the rank lets the whole tie in.
    assert eligible_by_rank(straddling, totals, places, TiePolicy.SHARE_RANK)


@given(GROUPS, st.integers(0, 45))
def test_share_rank_exceeds_the_quota_only_by_people_tied_at_the_cut_off(totals, places):
    ordered = sorted(totals, reverse=True)
    passing = sorted(
        (t for t in totals if eligible_by_rank(t, totals, places, TiePolicy.SHARE_RANK)), reverse=True
    )
    assert len(passing) >= min(places, len(totals))  # never fewer than the places
    extra = passing[places:]
    if extra:
        # everyone beyond the quota is tied with the person on the last place
        assert set(extra) == {ordered[places - 1]}


@given(GROUPS, st.integers(0, 45))
def test_both_tie_policies_agree_when_no_tie_straddles_the_cut_off(totals, places):
    ordered = sorted(totals, reverse=True)
    assume(places == 0 or places >= len(ordered) or ordered[places - 1] != ordered[places])
    for t in totals:
        assert eligible_by_rank(t, totals, places, TiePolicy.SHARE_RANK) == eligible_by_rank(
            t, totals, places, TiePolicy.EXCLUDE_STRADDLING
        )
    count = sum(eligible_by_rank(t, totals, places, TiePolicy.SHARE_RANK) for t in totals)
    assert count == min(places, len(totals))


# --------------------------------------------------------------------------- one peer group


@given(peer_groups(), RANKING_RULES)
def test_every_member_is_placed_with_the_groups_size_and_quota(members, rules):
    placements = place_peer_group(members, rules)
    assert set(placements) == {m.key for m in members}
    places = quota(len(members), rules.share_bp, rules.rounding, rules.min_quota)
    for p in placements.values():
        assert isinstance(p, Placement)
        assert p.group_size == len(members)
        assert p.quota == places
        assert 1 <= p.rank <= len(members)


@given(peer_groups(), RANKING_RULES)
def test_vetoed_people_are_never_eligible_and_always_shown_as_vetoed(members, rules):
    placements = place_peer_group(members, rules)
    for m in members:
        assert (placements[m.key].outcome == Outcome.VETOED) == m.vetoed


@given(peer_groups(), RANKING_RULES)
def test_vetoed_people_keep_their_rank(members, rules):
    """They were assessed: the ranks are the same with and without the vetoes, with and
    without filling places."""
    placements = place_peer_group(members, rules)
    unvetoed = [Member(m.key, m.total) for m in members]
    for other_rules in (
        rules,
        RankingRules(**{**rules.__dict__, "fill_vetoed_places": not rules.fill_vetoed_places}),
    ):
        for key, p in place_peer_group(unvetoed, other_rules).items():
            assert placements[key].rank == p.rank
    totals = [m.total for m in members]
    for m in members:
        assert placements[m.key].rank == competition_rank(m.total, totals)


@given(
    peer_groups(), RANKING_RULES.map(lambda r: RankingRules(**{**r.__dict__, "fill_vetoed_places": False}))
)
def test_without_fill_a_veto_does_not_let_the_next_person_in(members, rules):
    eligible = by_rank(place_peer_group(members, rules))
    nobody_vetoed = by_rank(place_peer_group([Member(m.key, m.total) for m in members], rules))
    assert eligible <= nobody_vetoed
    # exactly the people who would have passed anyway, less the vetoed
    assert eligible == nobody_vetoed - {m.key for m in members if m.vetoed}


@given(peer_groups(), RANKING_RULES.map(lambda r: RankingRules(**{**r.__dict__, "fill_vetoed_places": True})))
def test_with_fill_the_places_go_to_the_people_not_vetoed(members, rules):
    """Filling: the group's quota (counted on everybody) is shared among the people not
    vetoed, exactly as if the vetoed had not been in the competition."""
    placements = place_peer_group(members, rules)
    places = quota(len(members), rules.share_bp, rules.rounding, rules.min_quota)
    clean = [m for m in members if not m.vetoed]
    expected = reference_eligible([m.total for m in clean], places, rules.tie_policy)
    assert by_rank(placements) == {m.key for m, ok in zip(clean, expected, strict=True) if ok}
    # Same count as the clean group would get with the original quota.
    clean_with_original_quota = place_peer_group(
        clean, RankingRules(share_bp=0, min_quota=places, tie_policy=rules.tie_policy)
    )
    assert len(by_rank(placements)) == len(by_rank(clean_with_original_quota))
    if rules.tie_policy == TiePolicy.EXCLUDE_STRADDLING:
        assert len(by_rank(placements)) <= places


@given(peer_groups(), RANKING_RULES)
def test_filling_never_takes_a_place_away_and_changes_nothing_without_vetoes(members, rules):
    with_fill = by_rank(
        place_peer_group(members, RankingRules(**{**rules.__dict__, "fill_vetoed_places": True}))
    )
    without = by_rank(
        place_peer_group(members, RankingRules(**{**rules.__dict__, "fill_vetoed_places": False}))
    )
    assert without <= with_fill
    if not any(m.vetoed for m in members):
        assert with_fill == without


@given(peer_groups(veto_probability=st.just(0)), RANKING_RULES)
def test_without_vetoes_the_group_follows_eligible_by_rank(members, rules):
    placements = place_peer_group(members, rules)
    totals = [m.total for m in members]
    places = quota(len(members), rules.share_bp, rules.rounding, rules.min_quota)
    expected = reference_eligible(totals, places, rules.tie_policy)
    for m, ok in zip(members, expected, strict=True):
        assert placements[m.key].outcome == (Outcome.BY_RANK if ok else Outcome.NOT_SELECTED)


@given(peer_groups(), RANKING_RULES)
def test_member_order_does_not_matter(members, rules):
    assert place_peer_group(members, rules) == place_peer_group(list(reversed(members)), rules)


# --------------------------------------------------------------------------- special nominations


@given(st.integers(0, 100_000))
def test_special_cap_is_floor_of_2_percent_of_the_headcount_by_default(headcount):
    cap = special_cap(headcount, percent_to_basis_points("2"), QuotaRounding.FLOOR)
    assert cap == headcount // 50
    assert cap <= Fraction(2, 100) * headcount < cap + 1  # "not more than" 2 %


@pytest.mark.parametrize(
    "headcount, cap", [(0, 0), (1, 0), (49, 0), (50, 1), (99, 1), (100, 2), (149, 2), (150, 3), (838, 16)]
)
def test_special_cap_worked_examples(headcount, cap):
    assert special_cap(headcount, 200, QuotaRounding.FLOOR) == cap


@given(st.integers(0, 100_000), SHARES_BP, ROUNDINGS)
def test_special_cap_follows_the_configured_share_and_rounding(headcount, cap_bp, rounding):
    assert special_cap(headcount, cap_bp, rounding) == rounded_share(headcount, cap_bp, rounding)


# --------------------------------------------------------------------------- worked examples


def group(*totals, vetoed=()):
    return [Member(key=i + 1, total=Decimal(str(t)), vetoed=(i + 1) in vetoed) for i, t in enumerate(totals)]


DEFAULT = RankingRules()  # 10 %, floor, no minimum, ties share a rank, no filling


def test_default_rules_are_10_percent_floor_no_minimum_shared_ranks_no_fill():
    assert DEFAULT == RankingRules(1000, QuotaRounding.FLOOR, 0, TiePolicy.SHARE_RANK, False)


@pytest.mark.parametrize(
    "size, places", [(1, 0), (5, 0), (9, 0), (10, 1), (19, 1), (20, 2), (25, 2), (29, 2), (30, 3), (100, 10)]
)
def test_ten_percent_floor_places(size, places):
    assert quota(size, 1000, QuotaRounding.FLOOR, 0) == places


def test_ten_people_one_place_for_the_best():
    placements = place_peer_group(group(*range(90, 80, -1)), DEFAULT)
    assert by_rank(placements) == {1}
    assert [placements[k].rank for k in range(1, 11)] == list(range(1, 11))
    assert {p.quota for p in placements.values()} == {1}


def test_twenty_five_people_two_places():
    placements = place_peer_group(group(*range(100, 75, -1)), DEFAULT)
    assert by_rank(placements) == {1, 2}
    assert placements[1].group_size == 25 and placements[1].quota == 2


def test_min_quota_1_gives_a_group_of_5_one_place():
    members = group(88, 92, 75, 80, 91)
    assert by_rank(place_peer_group(members, DEFAULT)) == set()
    assert by_rank(place_peer_group(members, RankingRules(min_quota=1))) == {2}


def test_round_half_up_with_minimum_1():
    rules = RankingRules(rounding=QuotaRounding.HALF_UP, min_quota=1)
    assert [quota(n, 1000, rules.rounding, rules.min_quota) for n in (1, 4, 14, 15, 24, 25)] == [
        1,
        1,
        1,
        2,
        2,
        3,
    ]


def test_tie_at_the_cut_off_shares_the_rank_by_default():
    # 20 people, 2 places; places 2 and 3 are tied at 95: both share rank 2 and both pass.
    members = group(99, 95, 95, *range(90, 73, -1))
    placements = place_peer_group(members, DEFAULT)
    assert [placements[k].rank for k in (1, 2, 3, 4)] == [1, 2, 2, 4]
    assert by_rank(placements) == {1, 2, 3}
    # A tie that straddles the line passes nobody under the other policy.
    strict = place_peer_group(members, RankingRules(tie_policy=TiePolicy.EXCLUDE_STRADDLING))
    assert by_rank(strict) == {1}


def test_tie_for_first_place_with_one_place():
    members = group(97, 97, *range(90, 82, -1))
    assert by_rank(place_peer_group(members, DEFAULT)) == {1, 2}
    assert by_rank(place_peer_group(members, RankingRules(tie_policy=TiePolicy.EXCLUDE_STRADDLING))) == set()


def test_tie_below_the_cut_off_does_not_matter():
    members = group(99, 98, 90, 90, *range(89, 73, -1))
    for tie_policy in TiePolicy:
        assert by_rank(place_peer_group(members, RankingRules(tie_policy=tie_policy))) == {1, 2}


def test_vetoed_best_keeps_rank_1_and_the_place_stays_empty():
    members = group(*range(90, 80, -1), vetoed={1})
    placements = place_peer_group(members, DEFAULT)
    assert placements[1] == Placement(rank=1, group_size=10, quota=1, outcome=Outcome.VETOED)
    assert placements[2].rank == 2 and placements[2].outcome == Outcome.NOT_SELECTED
    assert by_rank(placements) == set()


def test_vetoed_best_place_goes_to_the_next_when_the_period_fills_places():
    members = group(*range(90, 80, -1), vetoed={1})
    placements = place_peer_group(members, RankingRules(fill_vetoed_places=True))
    assert placements[1].outcome == Outcome.VETOED and placements[1].rank == 1
    # The next person passes but still shows rank 2 of 10.
    assert placements[2] == Placement(rank=2, group_size=10, quota=1, outcome=Outcome.BY_RANK)
    assert by_rank(placements) == {2}


def test_vetoed_below_the_line_changes_nothing():
    members = group(*range(100, 80, -1), vetoed={5, 20})
    for fill in (False, True):
        placements = place_peer_group(members, RankingRules(fill_vetoed_places=fill))
        assert by_rank(placements) == {1, 2}
        assert placements[5].outcome == Outcome.VETOED


def test_everybody_vetoed_passes_nobody():
    members = group(90, 80, 70, vetoed={1, 2, 3})
    for fill in (False, True):
        placements = place_peer_group(members, RankingRules(share_bp=BASIS_POINTS, fill_vetoed_places=fill))
        assert {p.outcome for p in placements.values()} == {Outcome.VETOED}
        assert [placements[k].rank for k in (1, 2, 3)] == [1, 2, 3]


def test_an_empty_group_places_nobody():
    assert place_peer_group([], DEFAULT) == {}
