"""The figures the organisation department reports: per period (exemplars by unit, category
and route, share of headcount, assessment coverage, vetoes by reason, the distribution of
totals) and across periods (trends, a unit's history, units that never had an exemplar in
the periods finished for them, people who were exemplars several times). A person's own
history is on their results page.

Every figure is one grouped query (or a window-function statement) on the database; Python
only puts the rows of a few queries side by side. Exemplars are those of rule 7: approved,
on a published list, not removed after an objection.
"""

from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from django.db import connection
from django.db.models import Count, F, Q
from django.db.models.functions import Floor

from jixiao.assessment.models import Period, PeriodState, RosterEntry, Score
from jixiao.org.models import Category, Unit
from jixiao.selection import workflow
from jixiao.selection.models import Candidate, Proposal, ProposalState, Route

HISTOGRAM_WIDTH = 5  # points per bar of a score histogram


def percent(part: int, whole: int) -> Decimal | None:
    """``part`` of ``whole`` in percent, one decimal, half-up (None of nothing)."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def nearest_rank(ordered: list, share: Fraction):
    """The nearest-rank percentile: the value at rank ⌈share × n⌉ of the ``ordered`` values
    (the first for share 0). The quartiles of a box plot are shares 1/4, 1/2 and 3/4."""
    if not ordered:
        raise ValueError("no values")
    rank = max(1, -(-share.numerator * len(ordered) // share.denominator))
    return ordered[rank - 1]


# ----------------------------------------------------------------------------------------
# One period
# ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One line of a breakdown: a unit's or a category's figures in the period."""

    key: int
    name: str
    headcount: int = 0
    scored: int = 0
    vetoed: int = 0
    exemplars: int = 0
    by_rank: int = 0
    special: int = 0

    @property
    def coverage(self) -> Decimal | None:
        """People scored of people on the roster, in percent."""
        return percent(self.scored, self.headcount)

    @property
    def share(self) -> Decimal | None:
        """Exemplars of the headcount on the roster, in percent."""
        return percent(self.exemplars, self.headcount)


def _exemplar_counts(period: Period, group: str) -> dict[int, dict]:
    return {
        row[group]: row
        for row in workflow.exemplars(period)
        .values(group)
        .annotate(
            n=Count("id"),
            by_rank=Count("id", filter=Q(route=Route.BY_RANK)),
            special=Count("id", filter=Q(route=Route.SPECIAL)),
        )
        .order_by()
    }


def _roster_counts(period: Period, group: str) -> dict[int, dict]:
    return {
        row[group]: row
        for row in RosterEntry.objects.filter(period=period)
        .values(group)
        .annotate(
            headcount=Count("id"),
            scored=Count("score"),
            vetoed=Count("score", filter=~Q(score__veto_text="")),
        )
        .order_by()
    }


def _rows(period: Period, roster_group: str, exemplar_group: str, model) -> list[Row]:
    roster = _roster_counts(period, roster_group)
    exemplars = _exemplar_counts(period, exemplar_group)
    ids = set(roster) | set(exemplars)
    rows = []
    for item in model.objects.filter(pk__in=ids).order_by("sort_order", "pk"):
        people, chosen = roster.get(item.pk, {}), exemplars.get(item.pk, {})
        rows.append(
            Row(
                key=item.pk,
                name=item.name,
                headcount=people.get("headcount", 0),
                scored=people.get("scored", 0),
                vetoed=people.get("vetoed", 0),
                exemplars=chosen.get("n", 0),
                by_rank=chosen.get("by_rank", 0),
                special=chosen.get("special", 0),
            )
        )
    return rows


def by_unit(period: Period) -> list[Row]:
    """Every unit on the roster (or with exemplars), in the city's order. Exemplars count for
    the unit whose list published them."""
    return _rows(period, "unit_id", "proposal__unit_id", Unit)


def by_category(period: Period) -> list[Row]:
    return _rows(period, "category_id", "category_id", Category)


def city_total(rows: list[Row]) -> Row:
    """The city's line under a breakdown: the sums of its rows."""
    return Row(
        key=0,
        name="",
        **{
            name: sum(getattr(row, name) for row in rows)
            for name in ("headcount", "scored", "vetoed", "exemplars", "by_rank", "special")
        },
    )


@dataclass(frozen=True)
class Tally:
    label: str
    count: int


def vetoes_by_reason(period: Period) -> list[Tally]:
    """Vetoed people by the catalogue's reason, most first; a veto whose text names no
    catalogue entry counts under its own text."""
    rows = (
        Score.objects.filter(entry__period=period)
        .exclude(veto_text="")
        .values("veto_reason__name", "veto_text")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts: dict[str, int] = {}
    for row in rows:
        label = row["veto_reason__name"] or row["veto_text"]
        counts[label] = counts.get(label, 0) + row["n"]
    return [Tally(label, n) for label, n in sorted(counts.items(), key=lambda item: (-item[1], item[0]))]


@dataclass(frozen=True)
class Bar:
    category: str
    start: int  # the bar covers totals from start (included) to start + width
    count: int


def score_histogram(period: Period, width: int = HISTOGRAM_WIDTH) -> list[Bar]:
    """Totals per category in bars ``width`` points wide (vetoed people included: they
    were assessed)."""
    rows = (
        Score.objects.filter(entry__period=period)
        .annotate(bar=Floor(F("total") / width))
        .values("entry__category__name", "entry__category__sort_order", "entry__category_id", "bar")
        .annotate(n=Count("pk"))
        .order_by("entry__category__sort_order", "entry__category_id", "bar")
    )
    return [Bar(row["entry__category__name"], int(row["bar"]) * width, row["n"]) for row in rows]


@dataclass(frozen=True)
class Box:
    """A category's totals as a box plot: nearest-rank quartiles."""

    category: str
    count: int
    minimum: Decimal
    lower_quartile: Decimal
    median: Decimal
    upper_quartile: Decimal
    maximum: Decimal


# Nearest rank ⌈p·n⌉ in integers: ⌈n/4⌉ = (n + 3) / 4, ⌈n/2⌉ = (n + 1) / 2, ⌈3n/4⌉ = (3n + 3) / 4,
# integer division on both engines. The value at a rank is the least total at or after it.
BOX_SQL = """
WITH ranked AS (
    SELECT r.category_id AS category_id, s.total AS total,
           ROW_NUMBER() OVER (PARTITION BY r.category_id ORDER BY s.total) AS position,
           COUNT(*) OVER (PARTITION BY r.category_id) AS size
    FROM {score} s JOIN {roster} r ON r.id = s.entry_id
    WHERE r.period_id = %s
)
SELECT category_id, COUNT(*), MIN(total),
       MIN(CASE WHEN position >= (size + 3) / 4 THEN total END),
       MIN(CASE WHEN position >= (size + 1) / 2 THEN total END),
       MIN(CASE WHEN position >= (3 * size + 3) / 4 THEN total END),
       MAX(total)
FROM ranked GROUP BY category_id
"""


def score_boxes(period: Period) -> list[Box]:
    sql = BOX_SQL.format(score=Score._meta.db_table, roster=RosterEntry._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(sql, [period.pk])
        rows = {row[0]: row[1:] for row in cursor.fetchall()}
    categories = Category.objects.filter(pk__in=rows).order_by("sort_order", "pk")
    return [
        Box(category.name, rows[category.pk][0], *(_decimal(v) for v in rows[category.pk][1:]))
        for category in categories
    ]


def _decimal(value) -> Decimal:
    """A total as the database hands it back (SQLite may give a float): two places."""
    return Decimal(str(value)).quantize(Decimal("0.01"))


# ----------------------------------------------------------------------------------------
# Across periods
# ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PeriodRow:
    period: Period
    headcount: int
    scored: int
    exemplars: int
    by_rank: int
    special: int
    units_with_exemplars: int

    @property
    def share(self) -> Decimal | None:
        return percent(self.exemplars, self.headcount)

    @property
    def coverage(self) -> Decimal | None:
        return percent(self.scored, self.headcount)


def trend(unit: Unit | None = None) -> list[PeriodRow]:
    """The city's figures (or one unit's) period by period, oldest first."""
    roster = RosterEntry.objects.all()
    exemplars = Candidate.objects.exemplars()
    if unit is not None:
        roster, exemplars = roster.filter(unit=unit), exemplars.filter(proposal__unit=unit)
    people = {
        row["period_id"]: row
        for row in roster.values("period_id")
        .annotate(headcount=Count("id"), scored=Count("score"))
        .order_by()
    }
    chosen = {
        row["proposal__period_id"]: row
        for row in exemplars.values("proposal__period_id")
        .annotate(
            n=Count("id"),
            by_rank=Count("id", filter=Q(route=Route.BY_RANK)),
            special=Count("id", filter=Q(route=Route.SPECIAL)),
            units=Count("proposal__unit_id", distinct=True),
        )
        .order_by()
    }
    periods = Period.objects.filter(pk__in=set(people) | set(chosen)).order_by("start")
    return [
        PeriodRow(
            period=period,
            headcount=people.get(period.pk, {}).get("headcount", 0),
            scored=people.get(period.pk, {}).get("scored", 0),
            exemplars=chosen.get(period.pk, {}).get("n", 0),
            by_rank=chosen.get(period.pk, {}).get("by_rank", 0),
            special=chosen.get(period.pk, {}).get("special", 0),
            units_with_exemplars=chosen.get(period.pk, {}).get("units", 0),
        )
        for period in periods
    ]


@dataclass(frozen=True)
class UnitWithout:
    """A unit without a published exemplar in any period."""

    unit: str
    periods: int  # finished periods the unit was on the roster of
    assessed: int  # people scored in them, all those periods together
    in_progress: tuple[str, ...] = ()  # the codes of its periods not finished yet, oldest first


def _units_without_exemplars() -> list[UnitWithout]:
    """Every unit on a roster that never had a published exemplar, in the city's order, its
    periods split into finished and in progress.

    A period is finished for a unit once the unit's list of that period is published, or
    once the period is closed (nothing more can be published in it). Until then the list
    may still produce exemplars: the period is in progress for the unit, and neither it nor
    its people count towards "never had an exemplar"."""
    with_exemplars = Candidate.objects.exemplars().values("proposal__unit_id")
    rows = (
        RosterEntry.objects.exclude(unit_id__in=with_exemplars)
        .values("unit_id", "unit__name", "unit__sort_order", "period_id", "period__code", "period__state")
        .annotate(assessed=Count("score"))
        .order_by("unit__sort_order", "unit_id", "period__start")
    )
    published = set(
        Proposal.objects.filter(state=ProposalState.PUBLISHED).values_list("unit_id", "period_id")
    )
    units: dict[int, UnitWithout] = {}
    for row in rows:
        unit = units.get(row["unit_id"]) or UnitWithout(row["unit__name"], 0, 0)
        if row["period__state"] == PeriodState.CLOSED or (row["unit_id"], row["period_id"]) in published:
            unit = replace(unit, periods=unit.periods + 1, assessed=unit.assessed + row["assessed"])
        else:
            unit = replace(unit, in_progress=(*unit.in_progress, row["period__code"]))
        units[row["unit_id"]] = unit
    return list(units.values())


def units_never_with_exemplars() -> list[UnitWithout]:
    """Units on the roster of at least one finished period that never had a published
    exemplar (their periods in progress, if any, named beside them)."""
    return [unit for unit in _units_without_exemplars() if unit.periods]


def units_still_in_progress() -> list[UnitWithout]:
    """Units without an exemplar yet whose every period is still in progress (their lists
    not published, the periods open): not "never", not yet."""
    return [unit for unit in _units_without_exemplars() if not unit.periods]


@dataclass(frozen=True)
class RepeatExemplar:
    staff_id: str
    name: str
    unit: str  # of their latest exemplar period
    periods: tuple[str, ...]  # the codes of the periods, oldest first

    @property
    def times(self) -> int:
        return len(self.periods)


def repeat_exemplars(at_least: int = 2) -> list[RepeatExemplar]:
    """People who were exemplars in ``at_least`` periods, most often first."""
    repeated = (
        Candidate.objects.exemplars()
        .values("person_id")
        .annotate(times=Count("proposal__period_id", distinct=True))
        .filter(times__gte=at_least)
        .values("person_id")
    )
    rows = (
        Candidate.objects.exemplars()
        .filter(person_id__in=repeated)
        .order_by("person__staff_id", "proposal__period__start")
        .values_list("person__staff_id", "name", "proposal__unit__name", "proposal__period__code")
    )
    people: dict[str, RepeatExemplar] = {}
    for staff_id, name, unit, code in rows:
        before = people.get(staff_id)
        periods = (*before.periods, code) if before else (code,)
        people[staff_id] = RepeatExemplar(staff_id, name, unit, periods)
    return sorted(people.values(), key=lambda p: (-p.times, p.staff_id))
