"""The totals the database computes (``assessment.totals.compute_totals``: one INSERT …
SELECT for a whole period) equal the reference model ``formula.person_total``, person by
person, and become the period scores the ranking reads.

Hypothesis draws random schemes — indicator trees with odd weights and full marks, mixed
scoring methods, 1–3 rater groups, half-yearly, quarterly or monthly scoring with random
sub-period weights, trimming from 3–6 raters, bonus and penalty caps — and random people:
scored throughout, joined mid-period, with gaps, or not scored at all, with 1–8 raters per
group, bonuses, penalties, veto items and imported totals. The expectation is computed from
the drawn numbers, not read back from the database. Runs on SQLite and PostgreSQL
(``python -m tools.runtests``). Also here: checking and copying schemes.
"""

import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils.translation import override
from hypothesis import event, given, settings
from hypothesis import strategies as st

from jixiao.assessment import formula
from jixiao.assessment.actions import get_or_create_period
from jixiao.assessment.formula import cents_to_points
from jixiao.assessment.models import (
    Adjustment,
    AdjustmentKind,
    DirectScore,
    Indicator,
    Period,
    RaterGroup,
    RaterScore,
    RollUp,
    RosterEntry,
    Scheme,
    SchemeRaterGroup,
    SchemeTotal,
    Score,
    ScoreSource,
    ScoringMethod,
    SubPeriodWeight,
    VetoItem,
)
from jixiao.assessment.schemes import (
    IndicatorSpec,
    SchemeError,
    applicable_scheme,
    copy_scheme,
    define_scheme,
    formula_scheme,
    leaves,
    scheme_problems,
)
from jixiao.assessment.totals import TotalsRun, compute_totals
from jixiao.org.access import Operator
from jixiao.org.models import Category, Person, Unit

pytestmark = pytest.mark.django_db

PERIOD = "2031H1"
TOP_NAMES = ["德", "能", "勤", "绩", "廉"]
GROUP_NAMES = ["领导评价", "同事互评", "服务对象评价", "群众评价"]
FULL_MARKS_CENTS = [10_000, 5_000, 2_000, 1_000]
SUB_PERIODS = {RollUp.HALF_YEAR: 1, RollUp.QUARTERLY: 2, RollUp.MONTHLY: 6}
VETO_TEXTS = ["处于试用期", "受到诫勉", "立案审查调查未结案", "年度考核不称职"]
IMPORTED_TOTALS = [Decimal(v) for v in ("60.00", "85.25", "90.00", "99.99")]

# --------------------------------------------------------------------------- drawn schemes and people


@dataclass
class IndicatorDraw:
    name: str
    weight_cents: int
    full_marks_cents: int
    method: str
    children: list["IndicatorDraw"] = field(default_factory=list)

    def spec(self) -> IndicatorSpec:
        return IndicatorSpec(
            self.name,
            cents_to_points(self.weight_cents),
            self.method,
            cents_to_points(self.full_marks_cents),
            [child.spec() for child in self.children],
        )

    def leaves(self) -> list["IndicatorDraw"]:
        return [leaf for child in self.children for leaf in child.leaves()] if self.children else [self]


@dataclass
class SchemeDraw:
    indicators: list[IndicatorDraw]
    groups: dict[str, int]  # rater group → weight in hundredths of a percent
    roll_up: str
    sub_period_weights: list[int]
    trim_from: int
    bonus_cap_cents: int
    penalty_cap_cents: int

    @property
    def leaves(self) -> list[IndicatorDraw]:
        return [leaf for top in self.indicators for leaf in top.leaves()]

    def define(self, name: str, period: Period, category: Category, unit: Unit | None = None) -> Scheme:
        return define_scheme(
            name=name,
            period=period,
            category=category,
            unit=unit,
            indicators=[top.spec() for top in self.indicators],
            rater_groups={g: cents_to_points(w) for g, w in self.groups.items()},
            roll_up=self.roll_up,
            sub_period_weights=self.sub_period_weights,
            trim_from=self.trim_from,
            bonus_cap=cents_to_points(self.bonus_cap_cents),
            penalty_cap=cents_to_points(self.penalty_cap_cents),
        )


@dataclass
class PersonDraw:
    unit: int  # 0, or 1 — the unit that may have its own scheme
    rater_scores: dict[tuple[str, int, str], list[int]]  # (leaf, sub-period, group) → cents
    direct_scores: dict[tuple[str, int], int]  # (leaf, sub-period) → cents
    bonuses: list[int]  # cents
    penalties: list[int]
    vetoes: list[str]
    imported: tuple[Decimal, str] | None  # an imported total and veto text, before any computing


@dataclass
class CityDraw:
    city_scheme: SchemeDraw
    unit_scheme: SchemeDraw | None  # unit 1's own adjustment of the city's scheme
    people: list[PersonDraw]  # in the category with a scheme
    unschemed: list[tuple[Decimal, str]]  # imported totals in a category without a scheme

    def scheme_of(self, person: PersonDraw) -> SchemeDraw:
        return self.unit_scheme if person.unit == 1 and self.unit_scheme else self.city_scheme


def partitions(total: int, parts: int):
    """``parts`` positive integers summing to ``total``."""
    if parts == 1:
        return st.just([total])
    cuts = st.lists(st.integers(1, total - 1), min_size=parts - 1, max_size=parts - 1, unique=True)
    drawn = cuts.map(lambda c: [b - a for a, b in zip([0, *sorted(c)], [*sorted(c), total], strict=True)])
    if parts == 3 and total == 10_000:
        return st.just([3333, 3333, 3334]) | drawn  # 33.33 / 33.33 / 33.34
    return drawn


def score_values(full_marks_cents: int) -> list[int]:
    return [full_marks_cents * k // 100 for k in (0, 60, 75, 80, 85, 90, 100)]


@st.composite
def scheme_draws(draw) -> SchemeDraw:
    top_count = draw(st.integers(1, 3))
    names = draw(st.permutations(TOP_NAMES))[:top_count]
    methods = st.sampled_from(list(ScoringMethod))
    indicators = []
    for name, weight in zip(names, draw(partitions(10_000, top_count)), strict=True):
        child_count = min(draw(st.sampled_from([0, 0, 1, 2, 3])), weight)
        children = [
            IndicatorDraw(f"{name}{k}", w, draw(st.sampled_from(FULL_MARKS_CENTS)), draw(methods))
            for k, w in enumerate(draw(partitions(weight, child_count)) if child_count else [], start=1)
        ]
        indicators.append(
            IndicatorDraw(name, weight, draw(st.sampled_from(FULL_MARKS_CENTS)), draw(methods), children)
        )
    group_count = draw(st.integers(1, 3))
    groups = draw(
        st.lists(st.sampled_from(GROUP_NAMES), min_size=group_count, max_size=group_count, unique=True)
    )
    roll_up = draw(st.sampled_from(list(SUB_PERIODS)))
    count = SUB_PERIODS[roll_up]
    return SchemeDraw(
        indicators=indicators,
        groups=dict(zip(groups, draw(partitions(10_000, group_count)), strict=True)),
        roll_up=roll_up,
        sub_period_weights=draw(st.lists(st.integers(1, 5), min_size=count, max_size=count)),
        trim_from=draw(st.integers(3, 6)),
        bonus_cap_cents=draw(st.sampled_from([0, 300, 500, 1_000])),
        penalty_cap_cents=draw(st.sampled_from([0, 500, 1_000, 2_000])),
    )


@st.composite
def person_draws(draw, scheme: SchemeDraw, unit: int) -> PersonDraw:
    count = len(scheme.sub_period_weights)
    kind = draw(st.sampled_from(["throughout", "throughout", "mid-period", "gaps", "gaps", "unscored"]))
    if kind == "unscored":
        assessed = []
    elif kind == "mid-period":  # joined or left: assessed in some sub-periods only
        assessed = sorted(draw(st.sets(st.integers(1, count), min_size=1)))
    else:
        assessed = list(range(1, count + 1))
    # Raters' scores are many: they come from a drawn seed, the rest is drawn directly.
    rng = random.Random(draw(st.integers(0, 2**32 - 1)))
    rater_scores, direct_scores = {}, {}
    for t in assessed:
        for leaf in scheme.leaves:
            if kind == "gaps" and draw(st.integers(0, 3)) == 0:
                continue  # this indicator was not scored in this sub-period
            values = score_values(leaf.full_marks_cents)
            if leaf.method == ScoringMethod.RATERS:
                for group in sorted(draw(st.sets(st.sampled_from(sorted(scheme.groups)), min_size=1))):
                    rater_scores[leaf.name, t, group] = [
                        rng.choice(values) if rng.random() < 0.6 else rng.randint(0, leaf.full_marks_cents)
                        for _ in range(draw(st.integers(1, 8)))
                    ]
            else:
                direct_scores[leaf.name, t] = draw(
                    st.sampled_from(values) | st.integers(0, leaf.full_marks_cents)
                )
    return PersonDraw(
        unit=unit,
        rater_scores=rater_scores,
        direct_scores=direct_scores,
        bonuses=draw(st.lists(st.sampled_from([50, 100, 150, 200, 300, 500]), max_size=3)),
        penalties=draw(st.lists(st.sampled_from([25, 100, 200, 500, 1_000]), max_size=2)),
        vetoes=draw(st.sampled_from([[]] * 4 + [[v] for v in VETO_TEXTS] + [VETO_TEXTS[:2], VETO_TEXTS[2:]])),
        imported=draw(st.none() | st.tuples(st.sampled_from(IMPORTED_TOTALS), st.sampled_from(["", "诫勉"]))),
    )


@st.composite
def cities(draw, max_people: int = 8) -> CityDraw:
    city_scheme = draw(scheme_draws())
    unit_scheme = draw(st.none() | scheme_draws())
    units = draw(st.lists(st.integers(0, 1), min_size=1, max_size=max_people))
    people = [draw(person_draws(unit_scheme if u == 1 and unit_scheme else city_scheme, u)) for u in units]
    unschemed = draw(
        st.lists(st.tuples(st.sampled_from(IMPORTED_TOTALS), st.sampled_from(["", "试用期"])), max_size=2)
    )
    return CityDraw(city_scheme, unit_scheme, people, unschemed)


# --------------------------------------------------------------------------- storing


@contextmanager
def rolled_back() -> Iterator[None]:
    """Each Hypothesis example starts from the test's empty database and leaves it so."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


@dataclass
class Stored:
    period: Period
    schemes: dict[int | None, Scheme]  # None: the city's; 1: unit 1's own
    entries: list[RosterEntry]  # in the order of CityDraw.people
    unschemed: list[RosterEntry]
    indicator_ids: dict[tuple[int, str], int]  # (scheme, leaf name) → id
    group_ids: dict[str, int]

    def scheme_of(self, person: PersonDraw) -> Scheme:
        return self.schemes.get(person.unit) or self.schemes[None]


def store(city: CityDraw) -> Stored:
    period, _ = get_or_create_period(PERIOD, acting_user=Operator("test"))
    units = [Unit.objects.create(name=f"测试单位{i}", sort_order=i) for i in range(2)]
    category = Category.objects.create(name="测试甲类")
    other_category = Category.objects.create(name="测试乙类")  # has no scheme
    schemes = {None: city.city_scheme.define("全市方案", period, category)}
    if city.unit_scheme:
        schemes[1] = city.unit_scheme.define("单位方案", period, category, units[1])
    everyone = [(p.unit, category) for p in city.people] + [(0, other_category) for _ in city.unschemed]
    persons = Person.objects.bulk_create(
        Person(staff_id=f"T{n:04d}", name=f"人员{n}") for n in range(len(everyone))
    )
    entries = RosterEntry.objects.bulk_create(
        RosterEntry(period=period, person=person, unit=units[u], category=c)
        for person, (u, c) in zip(persons, everyone, strict=True)
    )
    stored = Stored(
        period=period,
        schemes=schemes,
        entries=entries[: len(city.people)],
        unschemed=entries[len(city.people) :],
        indicator_ids={(i.scheme_id, i.name): i.pk for i in Indicator.objects.filter(scheme__period=period)},
        group_ids=dict(RaterGroup.objects.values_list("name", "id")),
    )
    for person, entry in zip(city.people, stored.entries, strict=True):
        store_raw_scores(stored, person, entry)
    Score.objects.bulk_create(
        Score(entry=entry, total=total, veto_text=veto, imported_veto=veto)
        for entry, (total, veto) in zip(stored.unschemed, city.unschemed, strict=True)
    )
    return stored


def store_raw_scores(stored: Stored, person: PersonDraw, entry: RosterEntry) -> None:
    scheme = stored.scheme_of(person)
    leaf = {name: pk for (s, name), pk in stored.indicator_ids.items() if s == scheme.pk}
    RaterScore.objects.bulk_create(
        RaterScore(
            entry=entry,
            indicator_id=leaf[name],
            sub_period=t,
            group_id=stored.group_ids[group],
            rater=f"R{n}",
            score_cents=score,
        )
        for (name, t, group), scores in person.rater_scores.items()
        for n, score in enumerate(scores)
    )
    DirectScore.objects.bulk_create(
        DirectScore(entry=entry, indicator_id=leaf[name], sub_period=t, score_cents=score)
        for (name, t), score in person.direct_scores.items()
    )
    Adjustment.objects.bulk_create(
        [
            *(
                Adjustment(
                    entry=entry,
                    kind=AdjustmentKind.BONUS,
                    points=cents_to_points(c),
                    reason="加分",
                    recorded_by="t",
                )
                for c in person.bonuses
            ),
            *(
                Adjustment(
                    entry=entry,
                    kind=AdjustmentKind.PENALTY,
                    points=cents_to_points(c),
                    reason="减分",
                    recorded_by="t",
                )
                for c in person.penalties
            ),
        ]
    )
    for text in person.vetoes:  # one by one: their order is the order of the veto text
        VetoItem.objects.create(entry=entry, text=text, recorded_by="t")
    if person.imported:
        Score.objects.create(
            entry=entry,
            total=person.imported[0],
            veto_text=person.imported[1],
            imported_veto=person.imported[1],
        )


# --------------------------------------------------------------------------- the expectation


def reference_scheme(draw: SchemeDraw, scheme: Scheme, stored: Stored) -> formula.Scheme:
    """The drawn scheme as the formula takes it, keyed by the stored ids."""
    return formula.Scheme(
        indicators=[
            formula.Indicator(
                key=stored.indicator_ids[scheme.pk, leaf.name],
                name=leaf.name,
                weight_cents=leaf.weight_cents,
                full_marks_cents=leaf.full_marks_cents,
                rated=leaf.method == ScoringMethod.RATERS,
            )
            for leaf in draw.leaves
        ],
        group_weights={stored.group_ids[g]: w for g, w in draw.groups.items()},
        sub_period_weights=dict(enumerate(draw.sub_period_weights, start=1)),
        trim_from=draw.trim_from,
        bonus_cap_cents=draw.bonus_cap_cents,
        penalty_cap_cents=draw.penalty_cap_cents,
    )


def reference_result(city: CityDraw, stored: Stored, person: PersonDraw) -> formula.Result:
    scheme = stored.scheme_of(person)
    spec = reference_scheme(city.scheme_of(person), scheme, stored)
    ids, groups = stored.indicator_ids, stored.group_ids
    inputs = formula.Inputs(
        rater_scores={(ids[scheme.pk, i], t, groups[g]): s for (i, t, g), s in person.rater_scores.items()},
        direct_scores={(ids[scheme.pk, i], t): s for (i, t), s in person.direct_scores.items()},
        bonuses=person.bonuses,
        penalties=person.penalties,
    )
    return formula.person_total(spec, inputs)


@dataclass
class Expected:
    totals: dict[int, tuple]  # entry → SchemeTotal row
    scores: dict[int, tuple]  # entry → Score row
    computed: int
    incomplete: int


def describe(city: CityDraw, expected: Expected) -> None:
    """What the example covers, for ``--hypothesis-show-statistics``."""
    for scheme in filter(None, (city.city_scheme, city.unit_scheme)):
        event(f"scheme {scheme.roll_up}, trimming from {scheme.trim_from}")
    event("with a unit scheme" if city.unit_scheme else "city scheme only")
    totals = expected.totals.values()
    event(f"complete totals: {expected.computed if expected.computed < 3 else '3 or more'}")
    event(f"incomplete totals: {expected.incomplete if expected.incomplete < 3 else '3 or more'}")
    if any(t[4] is not None and t[4] < 0 for t in totals):
        event("a negative total")
    trimmed = any(
        len(scores) >= city.scheme_of(p).trim_from for p in city.people for scores in p.rater_scores.values()
    )
    event("some group trimmed" if trimmed else "no group trimmed")


def expected_rows(city: CityDraw, stored: Stored, imported: list | None = None) -> Expected:
    """What the tables should hold. An imported total stays whatever the scheme computes (it
    overrides the scheme's total); the score shows the imported veto and the person's veto
    items. ``imported``: each person's imported total and veto, when an earlier draw stored
    them (default: this draw's)."""
    expected = Expected({}, {}, 0, 0)
    imported = [p.imported for p in city.people] if imported is None else imported
    for person, entry, own_import in zip(city.people, stored.entries, imported, strict=True):
        result = reference_result(city, stored, person)
        if result.assessed:
            expected.totals[entry.pk] = (
                stored.scheme_of(person).pk,
                result.base_fine,
                result.bonus_cents,
                result.penalty_cents,
                result.total_cents,
                len(result.missing),
            )
            expected.computed += result.complete
            expected.incomplete += not result.complete
        vetoes = [own_import[1]] if own_import else []
        veto = "；".join(dict.fromkeys(v for v in [*vetoes, *person.vetoes] if v))
        if own_import:
            expected.scores[entry.pk] = (own_import[0], veto, ScoreSource.IMPORT)
        elif result.complete:
            expected.scores[entry.pk] = (cents_to_points(result.total_cents), veto, ScoreSource.SCHEME)
    for entry, (total, veto) in zip(stored.unschemed, city.unschemed, strict=True):
        expected.scores[entry.pk] = (total, veto, ScoreSource.IMPORT)
    return expected


def stored_totals(period: Period) -> dict[int, tuple]:
    rows = SchemeTotal.objects.filter(period=period).values_list(
        "entry_id", "scheme_id", "base_fine", "bonus_cents", "penalty_cents", "total_cents", "missing"
    )
    return {entry_id: tuple(row) for entry_id, *row in rows}


def stored_scores(period: Period) -> dict[int, tuple]:
    rows = Score.objects.filter(entry__period=period).values_list("entry_id", "total", "veto_text", "source")
    return {entry_id: tuple(row) for entry_id, *row in rows}


def assert_same(actual: dict, expected: dict) -> None:
    assert actual.keys() == expected.keys()
    wrong = {k: (actual[k], expected[k]) for k in expected if actual[k] != expected[k]}
    assert not wrong, f"{len(wrong)} rows differ (actual, expected): {list(wrong.items())[:5]}"


def assert_stored_as_expected(period: Period, expected: Expected) -> None:
    assert_same(stored_totals(period), expected.totals)
    assert_same(stored_scores(period), expected.scores)
    for total in Score.objects.filter(entry__period=period).values_list("total", flat=True):
        assert total == total.quantize(Decimal("0.01"))


# --------------------------------------------------------------------------- properties


@settings(max_examples=60)
@given(cities())
def test_the_database_computes_every_total_as_the_formula_does(city):
    with rolled_back():
        stored = store(city)
        for person in city.people:  # the schemes the formula is given are the stored ones
            scheme = stored.scheme_of(person)
            assert formula_scheme(scheme) == reference_scheme(city.scheme_of(person), scheme, stored)

        run = compute_totals(stored.period)

        expected = expected_rows(city, stored)
        describe(city, expected)
        assert_stored_as_expected(stored.period, expected)
        assert (run.computed, run.incomplete) == (expected.computed, expected.incomplete)
        # Every complete total became a score, but where an imported total overrides it.
        assert run.changed >= sum(1 for row in expected.scores.values() if row[2] == ScoreSource.SCHEME)
        # Computing again finds nothing to change.
        assert compute_totals(stored.period) == TotalsRun(expected.computed, expected.incomplete, changed=0)
        assert_stored_as_expected(stored.period, expected)


@st.composite
def changes(draw, city: CityDraw) -> CityDraw:
    """The city a little later: scores withdrawn or gone missing, new bonuses, veto items
    added and removed."""
    people = []
    for person in city.people:
        person = replace(
            person,
            rater_scores=dict(person.rater_scores),
            direct_scores=dict(person.direct_scores),
            bonuses=list(person.bonuses),
            vetoes=list(person.vetoes),
        )
        change = draw(st.sampled_from(["none", "none", "gap", "withdrawn", "bonus", "veto", "no veto"]))
        scored = sorted({(k[0], k[1]) for k in person.rater_scores} | set(person.direct_scores))
        if change == "gap" and scored:
            gap = draw(st.sampled_from(scored))
            person.rater_scores = {k: v for k, v in person.rater_scores.items() if (k[0], k[1]) != gap}
            person.direct_scores.pop(gap, None)
        elif change == "withdrawn":
            person.rater_scores, person.direct_scores = {}, {}
        elif change == "bonus":
            person.bonuses.append(draw(st.sampled_from([100, 250, 600])))
        elif change == "veto":
            person.vetoes.append(draw(st.sampled_from([v for v in VETO_TEXTS if v not in person.vetoes])))
        elif change == "no veto":
            person.vetoes = []
        people.append(person)
    return replace(city, people=people)


@settings(max_examples=40)
@given(cities(max_people=6), st.data())
def test_recomputing_after_changes_follows_the_new_scores(city, data):
    with rolled_back():
        stored = store(city)
        compute_totals(stored.period)
        before = stored_scores(stored.period)

        later = data.draw(changes(city))
        for entry in stored.entries:
            RaterScore.objects.filter(entry=entry).delete()
            DirectScore.objects.filter(entry=entry).delete()
            Adjustment.objects.filter(entry=entry).delete()
            VetoItem.objects.filter(entry=entry).delete()
        for person, entry in zip(later.people, stored.entries, strict=True):
            store_raw_scores(stored, replace(person, imported=None), entry)  # imported: already there

        run = compute_totals(stored.period)

        expected = expected_rows(later, stored, [p.imported for p in city.people])
        assert_stored_as_expected(stored.period, expected)
        assert (run.computed, run.incomplete) == (expected.computed, expected.incomplete)
        # A score that came or went or changed is counted.
        assert (run.changed > 0) == (stored_scores(stored.period) != before)
        assert compute_totals(stored.period).changed == 0


# --------------------------------------------------------------------------- worked cases


@dataclass
class Small:
    period: Period
    units: list[Unit]
    category: Category
    scheme: Scheme


def small_city(*, units_may_adjust: bool = False) -> Small:
    """德 40 (objective) and 绩 60 (unit-scored, of 50 marks), scored once for the half-year."""
    period, _ = get_or_create_period(PERIOD, acting_user=Operator("test"))
    units = [Unit.objects.create(name=f"测试单位{i}", sort_order=i) for i in range(2)]
    category = Category.objects.create(name="测试甲类")
    scheme = define_scheme(
        name="全市方案",
        period=period,
        category=category,
        indicators=[
            IndicatorSpec("德", 40, method=ScoringMethod.OBJECTIVE),
            IndicatorSpec("绩", 60, method=ScoringMethod.UNIT, full_marks=50),
        ],
        units_may_adjust=units_may_adjust,
    )
    return Small(period, units, category, scheme)


def enter(small: Small, n: int, unit: int = 0, category: Category | None = None) -> RosterEntry:
    person = Person.objects.create(staff_id=f"T{n:04d}", name=f"人员{n}")
    return RosterEntry.objects.create(
        period=small.period, person=person, unit=small.units[unit], category=category or small.category
    )


def score_directly(entry: RosterEntry, scheme: Scheme, **cents: int) -> None:
    for name, value in cents.items():
        indicator = scheme.indicators.get(name=name)
        DirectScore.objects.create(entry=entry, indicator=indicator, sub_period=1, score_cents=value)


def score_of(entry: RosterEntry) -> tuple | None:
    return Score.objects.filter(entry=entry).values_list("total", "veto_text", "source").first()


def test_a_unit_scheme_overrides_the_city_scheme_for_that_units_people():
    small = small_city(units_may_adjust=True)
    own = copy_scheme(small.scheme, period=small.period, unit=small.units[1], name="单位方案")
    own.indicators.filter(name="德").update(weight=50)
    own.indicators.filter(name="绩").update(weight=50)
    assert scheme_problems(own) == []
    city_person, unit_person = enter(small, 1, unit=0), enter(small, 2, unit=1)
    score_directly(city_person, small.scheme, 德=8_000, 绩=5_000)
    score_directly(unit_person, own, 德=8_000, 绩=5_000)

    assert applicable_scheme(small.period, small.units[0].pk, small.category.pk) == small.scheme
    assert applicable_scheme(small.period, small.units[1].pk, small.category.pk) == own
    assert compute_totals(small.period) == TotalsRun(computed=2, incomplete=0, changed=2)
    # 80 % of 40 + 100 % of 60 under the city's scheme; 80 % of 50 + 100 % of 50 under the unit's.
    assert SchemeTotal.objects.get(entry=city_person).scheme == small.scheme
    assert SchemeTotal.objects.get(entry=unit_person).scheme == own
    assert score_of(city_person) == (Decimal("92.00"), "", ScoreSource.SCHEME)
    assert score_of(unit_person) == (Decimal("90.00"), "", ScoreSource.SCHEME)


def formula_from_database(entry: RosterEntry) -> tuple[Scheme, formula.Result]:
    """The entry's result under its applicable scheme, by the formula, from the raw scores
    as stored (as the breakdown page computes it)."""
    scheme = applicable_scheme(entry.period, entry.unit_id, entry.category_id)
    inputs = formula.Inputs(rater_scores={}, direct_scores={})
    for s in RaterScore.objects.filter(entry=entry):
        inputs.rater_scores.setdefault((s.indicator_id, s.sub_period, s.group_id), []).append(s.score_cents)
    for s in DirectScore.objects.filter(entry=entry):
        inputs.direct_scores[s.indicator_id, s.sub_period] = s.score_cents
    adjustments = Adjustment.objects.filter(entry=entry)
    inputs.bonuses = [formula.to_cents(a.points) for a in adjustments if a.kind == AdjustmentKind.BONUS]
    inputs.penalties = [formula.to_cents(a.points) for a in adjustments if a.kind == AdjustmentKind.PENALTY]
    return scheme, formula.person_total(formula_scheme(scheme), inputs)


def assert_total_agrees_with_formula(entry: RosterEntry) -> None:
    scheme, result = formula_from_database(entry)
    expected = (
        (
            scheme.pk,
            result.base_fine,
            result.bonus_cents,
            result.penalty_cents,
            result.total_cents,
            len(result.missing),
        )
        if result.assessed
        else None
    )
    stored = SchemeTotal.objects.filter(entry=entry).values_list(
        "scheme_id", "base_fine", "bonus_cents", "penalty_cents", "total_cents", "missing"
    )
    assert stored.first() == expected


def adjust_for_the_unit(scheme: Scheme, entry: RosterEntry) -> None:
    copy_scheme(scheme, period=scheme.period, unit=entry.unit, name="单位方案")


def add_sub_indicator(scheme: Scheme, entry: RosterEntry) -> None:
    parent = scheme.indicators.get(name="德")
    Indicator.objects.create(scheme=scheme, parent=parent, name="德1", weight=parent.weight, sort_order=9)


def remove_a_rater_group(scheme: Scheme, entry: RosterEntry) -> None:
    scheme.rater_groups.filter(group__name="同事互评").delete()
    scheme.rater_groups.update(weight=100)


def score_quarterly(scheme: Scheme, entry: RosterEntry) -> None:
    Scheme.objects.filter(pk=scheme.pk).update(roll_up=RollUp.QUARTERLY)
    scheme.sub_period_weights.filter(number__gt=2).delete()


@pytest.mark.parametrize(
    "edit",
    [
        adjust_for_the_unit,
        add_sub_indicator,
        remove_a_rater_group,
        score_quarterly,
    ],
)
def test_a_scheme_edited_after_scoring_still_totals_as_the_formula_does(edit):
    """Schemes may be edited (or adjusted by a unit) after scores came in; the stored total
    and the breakdown must still be the same computation."""
    period, _ = get_or_create_period(PERIOD, acting_user=Operator("test"))
    unit, category = Unit.objects.create(name="测试单位"), Category.objects.create(name="测试甲类")
    scheme = define_scheme(
        name="全市方案",
        period=period,
        category=category,
        indicators=[IndicatorSpec("德", 50), IndicatorSpec("绩", 50, method=ScoringMethod.OBJECTIVE)],
        rater_groups={"领导评价": 50, "同事互评": 50},
        roll_up=RollUp.MONTHLY,
        units_may_adjust=True,
    )
    person = Person.objects.create(staff_id="T1", name="人员")
    entry = RosterEntry.objects.create(period=period, person=person, unit=unit, category=category)
    de, ji = scheme.indicators.get(name="德"), scheme.indicators.get(name="绩")
    for month in (1, 4):
        for group, score in (("领导评价", 8_000), ("同事互评", 6_000)):
            RaterScore.objects.create(
                entry=entry,
                indicator=de,
                sub_period=month,
                group=RaterGroup.objects.get(name=group),
                rater="R1",
                score_cents=score,
            )
        DirectScore.objects.create(entry=entry, indicator=ji, sub_period=month, score_cents=9_000)
    compute_totals(period)
    assert score_of(entry) == (Decimal("80.00"), "", ScoreSource.SCHEME)  # 70 × .5 + 90 × .5
    assert_total_agrees_with_formula(entry)

    edit(scheme, entry)
    assert scheme_problems(applicable_scheme(period, unit.pk, category.pk)) == []
    compute_totals(period)
    assert_total_agrees_with_formula(entry)


@pytest.mark.parametrize(
    ("zero", "problem"),
    [
        (
            {"roll_up": RollUp.QUARTERLY, "sub_period_weights": [0, 1]},
            "Every sub-period weight must be at least 1.",
        ),
        (
            {"rater_groups": {"领导评价": 100, "同事互评": 0}},
            "The weight of rater group 同事互评 must be more than 0.",
        ),
    ],
    ids=["sub-period weight 0", "rater group weight 0"],
)
def test_a_zero_weight_is_refused_and_nothing_is_kept(zero, problem):
    """A zero weight would let a sub-period or a rater group count for nothing while its
    scores are shown: the scheme is refused, and nothing of it is stored."""
    period, _ = get_or_create_period(PERIOD, acting_user=Operator("test"))
    category = Category.objects.create(name="测试甲类")
    with override("en"), pytest.raises(SchemeError) as refused:
        define_scheme(
            name="全市方案",
            period=period,
            category=category,
            indicators=[IndicatorSpec("德", 100)],
            **{"rater_groups": {"领导评价": 100}, **zero},
        )
    assert problem in refused.value.problems
    assert not Scheme.objects.exists() and not Indicator.objects.exists()


def test_people_without_a_scheme_keep_their_imported_score():
    small = small_city()
    other = Category.objects.create(name="测试乙类")
    imported = enter(small, 1, category=other)
    Score.objects.create(entry=imported, total=Decimal("77.77"), veto_text="诫勉", imported_veto="诫勉")
    unscored = enter(small, 2)  # under the scheme, but without raw scores
    Score.objects.create(entry=unscored, total=Decimal("66.60"))
    scored = enter(small, 3)
    score_directly(scored, small.scheme, 德=10_000, 绩=5_000)

    assert compute_totals(small.period) == TotalsRun(computed=1, incomplete=0, changed=1)
    assert score_of(imported) == (Decimal("77.77"), "诫勉", ScoreSource.IMPORT)
    assert score_of(unscored) == (Decimal("66.60"), "", ScoreSource.IMPORT)
    assert score_of(scored) == (Decimal("100.00"), "", ScoreSource.SCHEME)
    assert not SchemeTotal.objects.filter(entry__in=[imported, unscored]).exists()


def test_an_imported_total_overrides_the_schemes_through_every_recomputation():
    small = small_city()
    entry = enter(small, 1)
    Score.objects.create(entry=entry, total=Decimal("50.00"), veto_text="诫勉", imported_veto="诫勉")
    score_directly(entry, small.scheme, 德=7_550, 绩=4_000)
    for _ in range(2):
        compute_totals(small.period)
        # The scheme computes 75.5 % of 40 = 30.2 and 80 % of 60 = 48; the imported total and
        # its veto stay in force.
        assert score_of(entry) == (Decimal("50.00"), "诫勉", ScoreSource.IMPORT)
        assert SchemeTotal.objects.get(entry=entry).total_cents == 7_820


def test_a_later_gap_removes_the_scheme_score_and_a_new_score_brings_it_back():
    small = small_city()
    entry = enter(small, 1)
    score_directly(entry, small.scheme, 德=9_000, 绩=4_500)
    assert compute_totals(small.period).computed == 1
    assert score_of(entry) == (Decimal("90.00"), "", ScoreSource.SCHEME)

    DirectScore.objects.filter(entry=entry, indicator__name="绩").delete()
    run = compute_totals(small.period)
    assert run == TotalsRun(computed=0, incomplete=1, changed=1)
    assert score_of(entry) is None
    total = SchemeTotal.objects.get(entry=entry)
    assert (total.total_cents, total.base_fine, total.missing) == (None, None, 1)

    score_directly(entry, small.scheme, 绩=5_000)
    assert compute_totals(small.period) == TotalsRun(computed=1, incomplete=0, changed=1)
    assert score_of(entry) == (Decimal("96.00"), "", ScoreSource.SCHEME)


def test_veto_items_become_the_veto_text_and_removing_them_clears_it():
    small = small_city()
    entry, other = enter(small, 1), enter(small, 2)
    for e in (entry, other):
        score_directly(e, small.scheme, 德=9_000, 绩=4_500)
    first = VetoItem.objects.create(entry=entry, text="处于试用期", recorded_by="t")
    VetoItem.objects.create(entry=entry, text="受到诫勉", recorded_by="t")

    compute_totals(small.period)
    assert score_of(entry) == (Decimal("90.00"), "处于试用期；受到诫勉", ScoreSource.SCHEME)
    assert score_of(other) == (Decimal("90.00"), "", ScoreSource.SCHEME)
    assert compute_totals(small.period).changed == 0

    first.delete()
    assert compute_totals(small.period).changed == 1
    assert score_of(entry) == (Decimal("90.00"), "受到诫勉", ScoreSource.SCHEME)
    VetoItem.objects.filter(entry=entry).delete()
    assert compute_totals(small.period).changed == 1
    assert score_of(entry) == (Decimal("90.00"), "", ScoreSource.SCHEME)


def test_bonus_and_penalty_are_capped_in_the_database():
    small = small_city()  # caps: 5 and 10 points
    entry = enter(small, 1)
    score_directly(entry, small.scheme, 德=8_000, 绩=4_000)  # 32 + 48 = 80
    for kind, points in [("bonus", "3"), ("bonus", "2.5"), ("penalty", "1.25")]:
        Adjustment.objects.create(entry=entry, kind=kind, points=Decimal(points), reason="r", recorded_by="t")
    compute_totals(small.period)
    total = SchemeTotal.objects.get(entry=entry)
    assert (total.base_fine, total.bonus_cents, total.penalty_cents, total.total_cents) == (
        800_000,
        500,
        125,
        8_375,
    )
    assert score_of(entry)[0] == Decimal("83.75")


def test_equal_scores_tie_exactly_in_the_database():
    """0.1 + 0.2 == 0.3 here: scores adding up to the same points give the same total, and
    odd weights like 33.33/33.33/33.34 do not leave a float's trace."""
    period, _ = get_or_create_period(PERIOD, acting_user=Operator("test"))
    unit, category = Unit.objects.create(name="测试单位"), Category.objects.create(name="测试甲类")
    scheme = define_scheme(
        name="全市方案",
        period=period,
        category=category,
        indicators=[IndicatorSpec("德", "33.33"), IndicatorSpec("能", "33.33"), IndicatorSpec("绩", "33.34")],
        rater_groups={"领导评价": "33.33", "同事互评": "33.33", "服务对象评价": "33.34"},
    )
    groups = dict(RaterGroup.objects.values_list("name", "id"))
    raters = {  # two ways to a mean of 85.15 from the leaders, 80 from the others
        "a": {"领导评价": [8_510, 8_520], "同事互评": [8_000], "服务对象评价": [7_000, 9_000]},
        "b": {"领导评价": [8_515, 8_515], "同事互评": [7_990, 8_010], "服务对象评价": [8_000]},
    }
    entries = {}
    for n, (name, by_group) in enumerate(raters.items()):
        person = Person.objects.create(staff_id=f"T{n}", name=name)
        entries[name] = entry = RosterEntry.objects.create(
            period=period, person=person, unit=unit, category=category
        )
        for indicator in scheme.indicators.all():
            for group, scores in by_group.items():
                for r, score in enumerate(scores):
                    RaterScore.objects.create(
                        entry=entry,
                        indicator=indicator,
                        sub_period=1,
                        group_id=groups[group],
                        rater=f"R{r}",
                        score_cents=score,
                    )
    compute_totals(period)
    # Each indicator: 85.15×.3333 + 80×.3333 + 80×.3334 = 81.716495 → 81.7165; the base is
    # 81.7165 × (33.33+33.33+33.34)/100 = 81.7165 → 81.72.
    a, b = (SchemeTotal.objects.get(entry=entries[k]) for k in "ab")
    assert (a.base_fine, a.total_cents) == (b.base_fine, b.total_cents) == (817_165, 8_172)
    assert score_of(entries["a"])[0] == score_of(entries["b"])[0] == Decimal("81.72")


# --------------------------------------------------------------------------- checking and copying schemes


def problems_of(**changes) -> list[str]:
    """The problems define_scheme reports for a scheme with ``changes``, in English; nothing
    of it is kept."""
    period, _ = get_or_create_period(PERIOD, acting_user=Operator("test"))
    category = Category.objects.get_or_create(name="测试甲类")[0]
    arguments = {
        "name": "方案",
        "period": period,
        "category": category,
        "indicators": [
            IndicatorSpec("德", 40),
            IndicatorSpec("能", 60, children=[IndicatorSpec("业务", 60)]),
        ],
        "rater_groups": {"领导评价": 40, "同事互评": 60},
        **changes,
    }
    before = Scheme.objects.count()
    with override("en"), pytest.raises(SchemeError) as refused:
        define_scheme(**arguments)
    assert Scheme.objects.count() == before
    assert refused.value.problems[0] == "Scheme 方案 cannot be used:"
    return refused.value.problems[1:]


def test_top_level_weights_must_sum_to_100_and_the_message_shows_the_sum():
    top = [IndicatorSpec("德", "20.5"), IndicatorSpec("能", 30), IndicatorSpec("绩", 40)]
    assert problems_of(indicators=top) == ["The top-level indicator weights sum to 90.5, not 100."]


def test_sub_indicators_must_sum_to_their_parents_weight():
    tree = [
        IndicatorSpec("德", 40),
        IndicatorSpec("能", 60, children=[IndicatorSpec("业务", 20), IndicatorSpec("学习", "30.25")]),
    ]
    assert problems_of(indicators=tree) == ["The sub-indicators of 能 sum to 50.25, not its weight 60."]


def test_rater_group_weights_must_sum_to_100():
    thirds = {"领导评价": "33.33", "同事互评": "33.33", "服务对象评价": "33.33"}
    assert problems_of(rater_groups=thirds) == ["The rater group weights sum to 99.99, not 100."]
    assert problems_of(rater_groups={}) == ["The rater group weights sum to 0, not 100."]


def test_every_problem_is_reported_at_once():
    assert problems_of(
        indicators=[IndicatorSpec("德", 50), IndicatorSpec("能", 60, children=[IndicatorSpec("业务", 50)])],
        rater_groups={"领导评价": 50},
        roll_up=RollUp.QUARTERLY,
        sub_period_weights=[1, 1, 1],
    ) == [
        "The top-level indicator weights sum to 110, not 100.",
        "The sub-indicators of 能 sum to 50, not its weight 60.",
        "The rater group weights sum to 50, not 100.",
        "The scheme is scored per quarter but has sub-period weights for 1, 2, 3.",
    ]


def test_a_scheme_without_rated_indicators_needs_no_rater_groups():
    period, _ = get_or_create_period(PERIOD, acting_user=Operator("test"))
    scheme = define_scheme(
        name="方案",
        period=period,
        category=Category.objects.create(name="测试甲类"),
        indicators=[IndicatorSpec("绩", 100, method=ScoringMethod.OBJECTIVE)],
    )
    assert scheme_problems(scheme) == []
    assert list(scheme.sub_period_weights.values_list("number", "weight")) == [(1, 1)]


def test_scheme_problems_sees_weights_changed_after_definition():
    small = small_city()
    assert scheme_problems(small.scheme) == []
    small.scheme.indicators.filter(name="德").update(weight=Decimal("39.99"))
    with override("en"):
        assert scheme_problems(small.scheme) == ["The top-level indicator weights sum to 99.99, not 100."]


def scheme_settings(scheme: Scheme) -> tuple:
    return (scheme.roll_up, scheme.trim_from, scheme.bonus_cap, scheme.penalty_cap, scheme.units_may_adjust)


def group_weights(scheme: Scheme) -> list[tuple]:
    return sorted(scheme.rater_groups.values_list("group__name", "weight"))


def sub_period_weights(scheme: Scheme) -> list[tuple]:
    return list(scheme.sub_period_weights.values_list("number", "weight"))


def formula_leaves(scheme: Scheme) -> list[tuple]:
    return [(i.name, i.weight_cents, i.full_marks_cents, i.rated) for i in formula_scheme(scheme).indicators]


def scheme_tree(scheme: Scheme) -> list[tuple]:
    nodes = {i.pk: i for i in scheme.indicators.all()}
    return [
        (
            i.name,
            nodes[i.parent_id].name if i.parent_id else None,
            i.weight,
            i.full_marks,
            i.method,
            i.sort_order,
        )
        for i in nodes.values()
    ]


def test_copy_scheme_copies_the_whole_scheme():
    period, _ = get_or_create_period(PERIOD, acting_user=Operator("test"))
    later, _ = get_or_create_period("2031H2", acting_user=Operator("test"))
    category = Category.objects.create(name="测试甲类")
    source = define_scheme(
        name="全市方案",
        period=period,
        category=category,
        indicators=[
            IndicatorSpec("德", 20),
            IndicatorSpec(
                "能",
                30,
                children=[
                    IndicatorSpec("业务", 20, children=[IndicatorSpec("技能", 15), IndicatorSpec("知识", 5)]),
                    IndicatorSpec("学习", 10, method=ScoringMethod.OBJECTIVE, full_marks=20),
                ],
            ),
            IndicatorSpec("绩", 50, method=ScoringMethod.UNIT, full_marks=50),
        ],
        rater_groups={"领导评价": "33.33", "同事互评": "33.33", "服务对象评价": "33.34"},
        roll_up=RollUp.MONTHLY,
        sub_period_weights=[1, 2, 3, 1, 2, 3],
        trim_from=4,
        bonus_cap=Decimal("3.5"),
        penalty_cap=Decimal("7"),
        units_may_adjust=True,
    )
    copy = copy_scheme(source, period=later)

    assert copy.pk != source.pk and copy.based_on == source
    assert (copy.name, copy.period, copy.category, copy.unit) == ("全市方案", later, category, None)
    assert scheme_settings(copy) == scheme_settings(source)
    assert sorted(scheme_tree(copy), key=str) == sorted(scheme_tree(source), key=str)
    assert not set(copy.indicators.values_list("pk", flat=True)) & set(
        source.indicators.values_list("pk", flat=True)
    )
    assert [i.name for i in leaves(copy.indicators.all())] == ["德", "技能", "知识", "学习", "绩"]
    assert group_weights(copy) == group_weights(source)
    assert (
        sub_period_weights(copy)
        == sub_period_weights(source)
        == [(1, 1), (2, 2), (3, 3), (4, 1), (5, 2), (6, 3)]
    )
    assert scheme_problems(copy) == []
    # Both give the formula the same leaves (apart from the indicators' ids).
    assert formula_leaves(copy) == formula_leaves(source)
    # The two are independent: changing the copy leaves the source as it was.
    copy.indicators.filter(name="德").update(weight=25)
    copy.rater_groups.all().delete()
    assert source.indicators.get(name="德").weight == 20
    assert SchemeRaterGroup.objects.filter(scheme=source).count() == 3
    assert SubPeriodWeight.objects.filter(scheme=source).count() == 6


def test_a_unit_may_adjust_the_city_scheme_only_when_the_city_allows_it():
    small = small_city(units_may_adjust=False)
    with override("en"), pytest.raises(SchemeError) as refused:
        copy_scheme(small.scheme, period=small.period, unit=small.units[1])
    assert refused.value.problems == ["The city does not let units adjust scheme 全市方案."]
    assert Scheme.objects.filter(period=small.period).count() == 1

    Scheme.objects.filter(pk=small.scheme.pk).update(units_may_adjust=True)
    small.scheme.refresh_from_db()
    own = copy_scheme(small.scheme, period=small.period, unit=small.units[1])
    assert (own.unit, own.category, own.based_on) == (small.units[1], small.category, small.scheme)
    assert not own.units_may_adjust  # a unit's adjustment is not adjusted further
    assert scheme_tree(own) == scheme_tree(small.scheme)
    assert applicable_scheme(small.period, small.units[1].pk, small.category.pk) == own
    assert applicable_scheme(small.period, small.units[0].pk, small.category.pk) == small.scheme


def test_a_template_may_be_copied_for_a_unit():
    period, _ = get_or_create_period(PERIOD, acting_user=Operator("test"))
    category = Category.objects.create(name="测试甲类")
    unit = Unit.objects.create(name="测试单位")
    template = define_scheme(
        name="模板", period=None, indicators=[IndicatorSpec("绩", 100, method=ScoringMethod.OBJECTIVE)]
    )
    assert template.is_template
    own = copy_scheme(template, period=period, category=category, unit=unit)
    assert (own.period, own.category, own.unit, own.based_on) == (period, category, unit, template)
    assert applicable_scheme(period, unit.pk, category.pk) == own
