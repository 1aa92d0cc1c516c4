"""The ranking the database computes (one INSERT … SELECT with window functions) equals the
pure rules of ``selection.rules`` applied peer group by peer group in Python.

Hypothesis builds random cities — unit trees, categories, peer groups of 1–40 people with
totals from a handful of values so that ties are frequent, vetoes, people without a score —
and random rule rule_set, stores them with the ORM and compares every stored row.
Runs on SQLite and on PostgreSQL (``python -m tools.runtests``).
"""

import functools
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import example, given, settings
from hypothesis import strategies as st

from jixiao.assessment.actions import get_or_create_period
from jixiao.assessment.models import Period, RosterEntry, Score
from jixiao.org.access import Operator
from jixiao.org.models import Category, Person, Unit
from jixiao.selection import rules
from jixiao.selection.models import (
    RankingResult,
    RankingRun,
    SelectionRules,
    SpecialNomination,
)
from jixiao.selection.ranking import rank_period, summarize

pytestmark = pytest.mark.django_db

TOTALS = [
    Decimal(v) for v in ("0.00", "60.00", "78.50", "85.25", "85.30", "90.00", "95.75", "100.00", "99999.99")
]
VETO_TEXTS = ["试用期", "立案审查调查未结案", "诫勉", " "]  # a lone space still counts as a veto
SHARES = [Decimal(v) for v in ("0", "2", "10", "12.5", "29", "33.33", "57", "99.99", "100")]

# --------------------------------------------------------------------------- strategies


@dataclass
class PersonSpec:
    total: Decimal
    veto_text: str = ""
    scored: bool = True


@dataclass
class CitySpec:
    parents: list[int | None]  # unit i's parent is an earlier unit, or none
    categories: int
    groups: dict[tuple[int, int], list[PersonSpec]] = field(default_factory=dict)  # (unit, category)

    def root(self, unit: int) -> int:
        while self.parents[unit] is not None:
            unit = self.parents[unit]
        return unit


@dataclass
class RulesSpec:
    share_percent: Decimal
    quota_rounding: rules.QuotaRounding
    min_quota: int
    tie_policy: rules.TiePolicy
    peer_scope: rules.PeerScope
    fill_vetoed_places: bool

    def ranking_rules(self) -> rules.RankingRules:
        return rules.RankingRules(
            share_bp=int(self.share_percent * 100),
            rounding=self.quota_rounding,
            min_quota=self.min_quota,
            tie_policy=self.tie_policy,
            fill_vetoed_places=self.fill_vetoed_places,
        )


people = st.builds(
    PersonSpec,
    total=st.sampled_from(TOTALS),
    veto_text=st.sampled_from([""] * 6 + VETO_TEXTS),
    scored=st.sampled_from([True] * 9 + [False]),
)


@st.composite
def cities(draw, max_units=5, max_groups=6, max_group_size=40):
    unit_count = draw(st.integers(1, max_units))
    parents = [None] + [draw(st.none() | st.integers(0, i - 1)) for i in range(1, unit_count)]
    categories = draw(st.integers(1, 3))
    keys = draw(
        st.lists(
            st.tuples(st.integers(0, unit_count - 1), st.integers(0, categories - 1)),
            min_size=1,
            max_size=max_groups,
            unique=True,
        )
    )
    city = CitySpec(parents=parents, categories=categories)
    for key in keys:
        city.groups[key] = draw(st.lists(people, min_size=1, max_size=max_group_size))
    return city


share_percents = st.sampled_from(SHARES) | st.integers(0, rules.BASIS_POINTS).map(
    lambda bp: Decimal(bp) / 100
)

rule_settings = st.builds(
    RulesSpec,
    share_percent=share_percents,
    quota_rounding=st.sampled_from(list(rules.QuotaRounding)),
    min_quota=st.integers(0, 3),
    tie_policy=st.sampled_from(list(rules.TiePolicy)),
    peer_scope=st.sampled_from(list(rules.PeerScope)),
    fill_vetoed_places=st.booleans(),
)

DEFAULT_RULES = RulesSpec(
    Decimal("10"), rules.QuotaRounding.FLOOR, 0, rules.TiePolicy.SHARE_RANK, rules.PeerScope.UNIT, False
)

# --------------------------------------------------------------------------- storing a city


def each_example_rolled_back(test):
    """Every example starts from an empty city: pytest-django keeps the whole test (all its
    examples) in one transaction, so each example runs in a savepoint rolled back after it
    (the audit log the ranking writes to is append-only: its rows cannot be deleted)."""

    @functools.wraps(test)
    def wrapper(*args, **kwargs):
        with transaction.atomic():
            try:
                return test(*args, **kwargs)
            finally:
                transaction.set_rollback(True)

    return wrapper


@dataclass
class StoredCity:
    units: list[Unit]
    categories: list[Category]
    # person id → (unit index, category index, spec)
    people: dict[int, tuple[int, int, PersonSpec]]


def store_city(city: CitySpec, *, prefix: str = "") -> StoredCity:
    units = []
    for i, parent in enumerate(city.parents):
        units.append(
            Unit.objects.create(
                name=f"{prefix}单位{i}", parent=None if parent is None else units[parent], sort_order=i
            )
        )
    categories = [
        Category.objects.create(name=f"{prefix}类别{c}", sort_order=c) for c in range(city.categories)
    ]
    specs = [(u, c, spec) for (u, c), members in city.groups.items() for spec in members]
    persons = Person.objects.bulk_create(
        Person(staff_id=f"{prefix}{n:05d}", name=f"人员{n}") for n in range(len(specs))
    )
    return StoredCity(units, categories, {p.pk: spec for p, spec in zip(persons, specs, strict=True)})


def store_period(stored: StoredCity, code: str, rule_set: RulesSpec, *, people=None) -> Period:
    """The period with the roster and scores of ``people`` (person id → unit, category, spec)."""
    period, created = get_or_create_period(code, acting_user=Operator("test"))
    assert created
    SelectionRules.objects.filter(period=period).update(
        share_percent=rule_set.share_percent,
        quota_rounding=rule_set.quota_rounding,
        min_quota=rule_set.min_quota,
        tie_policy=rule_set.tie_policy,
        peer_scope=rule_set.peer_scope,
        fill_vetoed_places=rule_set.fill_vetoed_places,
    )
    people = stored.people if people is None else people
    entries = RosterEntry.objects.bulk_create(
        RosterEntry(
            period=period,
            person_id=person_id,
            unit=stored.units[u],
            category=stored.categories[c],
        )
        for person_id, (u, c, _) in people.items()
    )
    Score.objects.bulk_create(
        Score(entry=entry, total=spec.total, veto_text=spec.veto_text)
        for entry, (_, _, spec) in zip(entries, people.values(), strict=True)
        if spec.scored
    )
    return period


# --------------------------------------------------------------------------- the expectation


def expected_results(
    city: CitySpec, stored: StoredCity, rule_set: RulesSpec, people=None
) -> dict[int, tuple]:
    """Every scored person's row, from the drawn city and ``place_peer_group`` — not from the
    database."""
    people = stored.people if people is None else people
    groups = defaultdict(list)
    for person_id, (u, c, spec) in people.items():
        if not spec.scored:
            continue
        if rule_set.peer_scope == rules.PeerScope.UNIT:
            group_unit = stored.units[u].pk
        elif rule_set.peer_scope == rules.PeerScope.UNIT_TREE:
            group_unit = stored.units[city.root(u)].pk
        else:
            group_unit = None
        groups[group_unit, c].append(rules.Member(person_id, spec.total, vetoed=bool(spec.veto_text)))
    expected = {}
    for (group_unit, _), members in groups.items():
        for person_id, placement in rules.place_peer_group(members, rule_set.ranking_rules()).items():
            u, c, spec = people[person_id]
            expected[person_id] = (
                stored.units[u].pk,
                stored.categories[c].pk,
                group_unit,
                spec.total,
                placement.rank,
                placement.group_size,
                placement.quota,
                str(placement.outcome),
                spec.veto_text,
            )
    return expected


def stored_results(period: Period) -> dict[int, tuple]:
    rows = RankingResult.objects.filter(period=period).values_list(
        "person_id",
        "unit_id",
        "category_id",
        "group_unit_id",
        "total",
        "rank",
        "group_size",
        "quota",
        "outcome",
        "veto_text",
    )
    result = {}
    for person_id, *row in rows:
        assert person_id not in result, f"person {person_id} ranked twice"
        result[person_id] = tuple(row)
    return result


def assert_same(actual: dict, expected: dict) -> None:
    assert actual.keys() == expected.keys()
    wrong = {k: (actual[k], expected[k]) for k in expected if actual[k] != expected[k]}
    assert not wrong, f"{len(wrong)} rows differ (actual, expected): {list(wrong.items())[:5]}"


# --------------------------------------------------------------------------- properties


@settings(max_examples=60)
@given(cities(), rule_settings)
@example(
    CitySpec(
        parents=[None, 0, 1],
        categories=1,
        groups={(0, 0): [PersonSpec(Decimal("90"))] * 5, (2, 0): [PersonSpec(Decimal("90"))] * 5},
    ),
    RulesSpec(
        Decimal("12.5"),
        rules.QuotaRounding.HALF_UP,
        0,
        rules.TiePolicy.SHARE_RANK,
        rules.PeerScope.UNIT_TREE,
        False,
    ),
)
@example(
    CitySpec(parents=[None], categories=1, groups={(0, 0): [PersonSpec(Decimal(90 - i)) for i in range(10)]}),
    RulesSpec(
        Decimal("10"),
        rules.QuotaRounding.CEIL,
        0,
        rules.TiePolicy.EXCLUDE_STRADDLING,
        rules.PeerScope.CITY,
        True,
    ),
)
@each_example_rolled_back
def test_the_database_ranks_every_peer_group_as_the_rules_say(city, rule_set):
    stored = store_city(city)
    period = store_period(stored, "2024H1", rule_set)

    run = rank_period(period, actor="hypothesis")

    expected = expected_results(city, stored, rule_set)
    assert run.ranked == len(expected)
    assert_same(stored_results(period), expected)
    # Unit trees are stored as drawn: the peer group of a tree is its top-level unit.
    for i, unit in enumerate(stored.units):
        assert Unit.objects.get(pk=unit.pk).root_id == stored.units[city.root(i)].pk

    # Running again replaces the results: same rows, no duplicates, one more run recorded.
    again = rank_period(period, actor="hypothesis")
    assert again.ranked == len(expected)
    assert RankingResult.objects.filter(period=period).count() == len(expected)
    assert_same(stored_results(period), expected)
    assert RankingRun.objects.filter(period=period).count() == 2


@settings(max_examples=40)
@given(cities(max_groups=4, max_group_size=25), rule_settings, rule_settings, rule_settings, st.data())
@each_example_rolled_back
def test_ranking_a_period_replaces_its_results_and_leaves_other_periods_alone(
    city, first, second, other, data
):
    stored = store_city(city)
    period = store_period(stored, "2024H1", first)
    # The other period: a part of the same people, with other scores and rules.
    other_people = {
        pk: (u, c, data.draw(people)) for pk, (u, c, _) in stored.people.items() if data.draw(st.booleans())
    }
    other_period = store_period(stored, "2023H2", other, people=other_people)
    rank_period(other_period, actor="hypothesis")
    other_before = stored_results(other_period)
    assert_same(other_before, expected_results(city, stored, other, other_people))

    rank_period(period, actor="hypothesis")
    assert_same(stored_results(period), expected_results(city, stored, first))

    # Scores and rules change; the re-run reflects only the new state.
    changed = {pk: (u, c, data.draw(people)) for pk, (u, c, _) in stored.people.items()}
    for pk, (_, _, spec) in changed.items():
        entry = RosterEntry.objects.get(period=period, person_id=pk)
        Score.objects.filter(entry=entry).delete()
        if spec.scored:
            Score.objects.create(entry=entry, total=spec.total, veto_text=spec.veto_text)
    SelectionRules.objects.filter(period=period).update(
        share_percent=second.share_percent,
        quota_rounding=second.quota_rounding,
        min_quota=second.min_quota,
        tie_policy=second.tie_policy,
        peer_scope=second.peer_scope,
        fill_vetoed_places=second.fill_vetoed_places,
    )
    run = rank_period(period, actor="hypothesis")
    expected = expected_results(city, stored, second, changed)
    assert run.ranked == len(expected)
    assert_same(stored_results(period), expected)

    assert stored_results(other_period) == other_before


@settings(max_examples=40)
@given(
    cities(max_groups=5, max_group_size=15),
    st.lists(st.tuples(st.integers(0, 4), st.integers(-1, 4)), max_size=6),
    st.data(),
)
@each_example_rolled_back
def test_unit_tree_peer_groups_follow_units_moved_in_the_tree(city, moves, data):
    """Units moved under another parent (or to the top) take their subtree along: the
    unit-tree peer groups after the moves are those of the final tree."""
    stored = store_city(city)
    parents = list(city.parents)
    for unit, new_parent in moves:
        if unit >= len(parents) or new_parent >= len(parents):
            continue
        new_parent = None if new_parent < 0 else new_parent
        node, cycle = new_parent, False  # never under itself or its own subtree
        while node is not None:
            cycle = cycle or node == unit
            node = parents[node]
        if cycle:
            continue
        moved = Unit.objects.get(pk=stored.units[unit].pk)
        moved.parent = None if new_parent is None else Unit.objects.get(pk=stored.units[new_parent].pk)
        moved.save()
        parents[unit] = new_parent
    city = CitySpec(parents=parents, categories=city.categories, groups=city.groups)
    rule_set = data.draw(
        rule_settings.map(lambda r: RulesSpec(**{**r.__dict__, "peer_scope": rules.PeerScope.UNIT_TREE}))
    )
    period = store_period(stored, "2024H1", rule_set)
    rank_period(period, actor="hypothesis")
    assert_same(stored_results(period), expected_results(city, stored, rule_set))


def test_a_period_without_scores_ranks_nobody():
    city, stored = make_city({(0, 0): scored(90, 80, unscored={1, 2})})
    period = store_period(stored, "2024H1", DEFAULT_RULES)
    run = rank_period(period, actor="test")
    assert run.ranked == 0
    assert not RankingResult.objects.exists()


@pytest.mark.parametrize("rounding", list(rules.QuotaRounding))
def test_the_database_quota_for_every_group_size_share_and_minimum(rounding):
    """The quota arithmetic alone, exhaustively over group sizes 1–40 (one unit each): exact
    multiples, halves and thirds of a place, every rounding, minimum quotas above the share."""
    city, stored = make_city(
        {(u, 0): scored(*range(100, 100 - (u + 1), -1)) for u in range(40)}, parents=[None] * 40
    )
    period = store_period(stored, "2024H1", DEFAULT_RULES)
    for share in SHARES + [Decimal("0.01"), Decimal("5"), Decimal("50"), Decimal("66.67")]:
        for min_quota in (0, 1, 3):
            SelectionRules.objects.filter(period=period).update(
                share_percent=share, quota_rounding=rounding, min_quota=min_quota
            )
            rank_period(period, actor="test")
            quotas = dict(
                RankingResult.objects.filter(period=period).values_list("group_size", "quota").distinct()
            )
            bp = rules.percent_to_basis_points(share)
            assert quotas == {n: rules.quota(n, bp, rounding, min_quota) for n in range(1, 41)}, (
                share,
                min_quota,
            )


# --------------------------------------------------------------------------- worked examples


def make_city(
    groups: dict[tuple[int, int], list[PersonSpec]], parents=(None,), categories=1
) -> tuple[CitySpec, StoredCity]:
    city = CitySpec(parents=list(parents), categories=categories, groups=groups)
    return city, store_city(city)


def scored(*totals, vetoed=(), unscored=()):
    return [
        PersonSpec(
            Decimal(str(t)), veto_text="试用期" if i + 1 in vetoed else "", scored=i + 1 not in unscored
        )
        for i, t in enumerate(totals)
    ]


def test_people_on_the_roster_without_a_score_are_not_ranked():
    city, stored = make_city({(0, 0): scored(*range(100, 80, -1), unscored={1, 7})})
    period = store_period(stored, "2024H1", DEFAULT_RULES)
    run = rank_period(period, actor="test")
    results = stored_results(period)
    assert run.ranked == len(results) == 18
    unscored_ids = [pk for pk, (_, _, spec) in stored.people.items() if not spec.scored]
    assert len(unscored_ids) == 2 and not set(unscored_ids) & results.keys()
    # The group is the 18 assessed people: 1 place (floor of 1.8), for the best assessed.
    by_total = {row[3]: row for row in results.values()}
    assert by_total[Decimal("99")][4:8] == (1, 18, 1, "rank")
    assert by_total[Decimal("98")][4:8] == (2, 18, 1, "none")


def test_default_rules_on_a_small_city():
    # Unit 0 (category 0): 25 people → 2 places, the best vetoed and kept at rank 1.
    # Unit 1 (categories 0 and 1): 10 people with a tie for first, and 9 people → 0 places.
    city, stored = make_city(
        {
            (0, 0): scored(*range(100, 75, -1), vetoed={1}),
            (1, 0): scored(95, 95, *range(90, 82, -1)),
            (1, 1): scored(*range(99, 90, -1)),
        },
        parents=(None, None),
        categories=2,
    )
    period = store_period(stored, "2024H1", DEFAULT_RULES)
    rank_period(period, actor="test")
    results = RankingResult.objects.filter(period=period)
    unit0, unit1 = stored.units
    rows = {(r.unit_id, r.category_id, r.total): (r.rank, r.group_size, r.quota, r.outcome) for r in results}
    cat0, cat1 = stored.categories
    assert rows[unit0.pk, cat0.pk, Decimal(100)] == (1, 25, 2, "veto")
    assert rows[unit0.pk, cat0.pk, Decimal(99)] == (2, 25, 2, "rank")
    assert rows[unit0.pk, cat0.pk, Decimal(98)] == (3, 25, 2, "none")  # the veto's place stays empty
    assert results.filter(unit=unit1, category=cat0, outcome="rank").count() == 2  # tied for first
    assert (
        results.filter(unit=unit1, category=cat0, total=95).values_list("rank", flat=True).distinct().get()
        == 1
    )
    assert not results.filter(unit=unit1, category=cat1, outcome="rank").exists()
    assert set(results.filter(unit=unit1, category=cat1).values_list("quota", flat=True)) == {0}
    vetoed = results.get(unit=unit0, total=100)
    assert vetoed.veto_text == "试用期" and vetoed.reason == "试用期"


def test_unit_tree_and_city_scopes_pool_the_right_people():
    # 0 ← 1 ← 2 is one tree, 3 is on its own; 10 people in each unit, one category, the
    # better unit the lower its number (unit 0: 100…91, unit 1: 90…81, …).
    groups = {(u, 0): scored(*(100 - 10 * u - i for i in range(10))) for u in range(4)}
    city, stored = make_city(groups, parents=(None, 0, 1, None))
    units = stored.units
    for year, (scope, expected_groups, expected_winners) in enumerate(
        (
            (rules.PeerScope.UNIT, {u.pk: {u.pk} for u in units}, {100, 90, 80, 70}),
            # the tree of 30 has 3 places, all taken by unit 0; unit 3 alone has 1
            (
                rules.PeerScope.UNIT_TREE,
                {units[0].pk: {u.pk for u in units[:3]}, units[3].pk: {units[3].pk}},
                {100, 99, 98, 70},
            ),
            # city-wide 40 people have 4 places
            (rules.PeerScope.CITY, {None: {u.pk for u in units}}, {100, 99, 98, 97}),
        ),
        start=2024,
    ):
        # One period per scope: each is ranked on its own.
        rule_set = RulesSpec(**{**DEFAULT_RULES.__dict__, "peer_scope": scope})
        period = store_period(stored, f"{year}H1", rule_set)
        rank_period(period, actor="test")
        actual = defaultdict(set)
        for r in RankingResult.objects.filter(period=period):
            actual[r.group_unit_id].add(r.unit_id)
            assert r.group_size == 10 * len(expected_groups[r.group_unit_id])
        assert dict(actual) == expected_groups
        winners = RankingResult.objects.filter(period=period, outcome="rank").values_list("total", flat=True)
        assert sorted(winners) == sorted(Decimal(w) for w in expected_winners)
        assert_same(stored_results(period), expected_results(city, stored, rule_set))


def test_fill_vetoed_places_lets_the_next_person_in_but_keeps_the_ranks():
    city, stored = make_city({(0, 0): scored(*range(100, 80, -1), vetoed={1, 2})})
    rule_set = RulesSpec(**{**DEFAULT_RULES.__dict__, "fill_vetoed_places": True})
    period = store_period(stored, "2024H1", rule_set)
    rank_period(period, actor="test")
    passing = RankingResult.objects.filter(period=period, outcome="rank").order_by("rank")
    assert [(r.total, r.rank, r.quota) for r in passing] == [(Decimal(98), 3, 2), (Decimal(97), 4, 2)]


# --------------------------------------------------------------------------- summarize


def test_summarize_counts_headcount_including_unassessed_and_caps_special_per_unit():
    # Unit 0: 50 on the roster, 5 without a score, 2 vetoed → cap floor(2 % × 50) = 1.
    # Unit 1: 149 on the roster → cap 2.  Unit 2: 49 → cap 0.
    unit0 = scored(*(100 - Decimal(i) / 4 for i in range(50)), vetoed={49, 50}, unscored={1, 2, 3, 4, 5})
    unit1 = scored(*(100 - Decimal(i) / 4 for i in range(149)))
    unit2 = scored(*(100 - Decimal(i) / 4 for i in range(49)))
    city, stored = make_city({(0, 0): unit0, (1, 0): unit1, (2, 0): unit2}, parents=(None, None, None))
    period = store_period(stored, "2024H1", DEFAULT_RULES)
    rank_period(period, actor="test")
    # Two proposed nominations in unit 1 count, a withdrawn one does not.
    unit1_people = [pk for pk, (u, _, _) in stored.people.items() if u == 1]
    for pk, state in zip(unit1_people[-3:], ("proposed", "proposed", "withdrawn"), strict=True):
        SpecialNomination.objects.create(
            period=period,
            person_id=pk,
            unit=stored.units[1],
            reason="抗洪抢险中表现突出" * 3,
            state=state,
            nominated_by="t",
        )

    units, city_total = summarize(period)

    assert [u.name for u in units] == ["单位0", "单位1", "单位2"]
    u0, u1, u2 = units
    assert (u0.headcount, u0.assessed, u0.vetoed, u0.by_rank, u0.special, u0.special_cap) == (
        50,
        45,
        2,
        4,
        0,
        1,
    )
    assert (u1.headcount, u1.assessed, u1.vetoed, u1.by_rank, u1.special, u1.special_cap) == (
        149,
        149,
        0,
        14,
        2,
        2,
    )
    assert (u2.headcount, u2.assessed, u2.vetoed, u2.by_rank, u2.special, u2.special_cap) == (
        49,
        49,
        0,
        4,
        0,
        0,
    )
    assert (city_total.headcount, city_total.assessed, city_total.vetoed) == (248, 243, 2)
    assert (city_total.by_rank, city_total.special) == (22, 2)
    # The cap is per unit: the city's is the sum of the units' (1 + 2 + 0), not 2 % of 248.
    assert city_total.special_cap == 3


def test_summarize_follows_the_periods_special_cap_setting():
    city, stored = make_city({(0, 0): scored(*range(100, 51, -1))}, parents=(None,))  # 49 people
    period = store_period(stored, "2024H1", DEFAULT_RULES)
    rank_period(period, actor="test")
    assert summarize(period)[0][0].special_cap == 0
    SelectionRules.objects.filter(period=period).update(special_cap_rounding="ceil")
    assert summarize(period)[0][0].special_cap == 1
    SelectionRules.objects.filter(period=period).update(
        special_cap_percent=Decimal("10"), special_cap_rounding="floor"
    )
    assert summarize(period)[0][0].special_cap == 4


def test_summarize_before_any_ranking_shows_the_roster():
    city, stored = make_city({(0, 0): scored(*range(100, 40, -1), unscored={3})}, parents=(None,))
    period = store_period(stored, "2024H1", DEFAULT_RULES)
    units, city_total = summarize(period)
    assert [(u.headcount, u.assessed, u.by_rank, u.special_cap) for u in units] == [(60, 0, 0, 1)]
    assert city_total.headcount == 60


def test_summarize_of_a_stale_ranking_after_a_person_moved_unit():
    city, stored = make_city({(0, 0): scored(*range(100, 80, -1)), (1, 0): scored(70)}, parents=(None, None))
    period = store_period(stored, "2024H1", DEFAULT_RULES)
    rank_period(period, actor="test")
    # The only person of unit 1 moves to unit 0 (a roster re-import does this).
    RosterEntry.objects.filter(period=period, unit=stored.units[1]).update(unit=stored.units[0])
    units, city_total = summarize(period)
    assert city_total.headcount == 21
    # The stale results still show where they were computed, with nobody left on that roster.
    assert sorted((u.headcount, u.assessed) for u in units) == [(0, 1), (21, 20)]
