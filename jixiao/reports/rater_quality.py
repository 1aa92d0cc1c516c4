"""Rater quality (评分质量): how each rater's, rater group's and unit's scores sit against the
others' for the same people — measured by the database, judged by ``reports.quality_flags``.

The scores measured are the ones the totals use (``assessment.totals``): the rater scores
of a period's people on the rater-scored leaves of each person's scheme (the unit's own
adjustment, else the city's), from the rater groups of that scheme. Notation:

* ``p`` — a score as a share of the indicator's full marks, in percent (92 of 100 marks and
  46 of 50 are both 92). Differences of ``p`` are *points* (百分点).
* *cell* — one person, indicator, sub-period and rater group; ``n`` its raters.
* *item* — one person, indicator and sub-period, over all rater groups.

**Per rater** — one rater ID (a staff ID or an outside rater's code) in one rater group of
one unit (the unit of the people rated):

* ``people``: how many people they scored; ``scores``: how many scores;
* ``mean_score``: the mean ``p`` of their scores;
* ``mean_offset``: over their scores in cells with ``n ≥ 2`` (``compared`` of them), the
  mean of ``p`` minus the mean ``p`` of the *other* raters of the same cell: how much above
  (+) or below (−) their colleagues they score the same people, in points;
* ``spread``: the standard deviation (of the population) of their ``p``; ``lowest`` and
  ``highest`` ``p`` (the range);
* ``full_marks``: how many of their scores are full marks (``full_marks_share`` in %);
* ``identical``: every score the same ``p`` (the rules ask for at least ``MIN_PEOPLE``
  people besides);
* ``single_highest`` / ``single_lowest``: of their ``trimmable`` scores (in cells with at
  least the scheme's ``trim_from`` raters, where the highest and the lowest score are dropped
  — 去掉一个最高分和一个最低分), how many were *the single* highest (lowest): strictly above
  (below) every other score of the cell, so that trimming dropped exactly their score.
  **Ties**: where the highest (lowest) score is shared, trimming drops a value that another
  rater gave too, so it is nobody's outlier and is counted for nobody. Summed over the raters
  these counts are therefore at most the number of trimmed cells. ``chance``: how many of
  them chance alone would give, Σ 1/n over the trimmable scores (a score among n different
  ones is the single highest with chance 1/n), for the rule that asks for far more;

**Per rater group of a unit** — the same summed over its raters (``people`` counted once),
and instead of the offset from colleagues, ``mean_offset`` from the other *groups*: over the
group's scores on items that other groups scored too (``across`` of them), the mean of ``p``
minus the mean ``p`` of the other groups' scores of the same item.

**Per unit and category** — leniency (宽严度) against the rest of the city: for every rater
group and indicator (indicators are matched by name within the category, so a unit's own
adjustment of the city's scheme still compares), the unit's scores are compared with the
mean ``p`` of the same category, indicator and group in *all other units*; ``leniency`` =
the unit's mean ``p`` minus that city mean, each cell weighted by the unit's scores in it
(``city_mean`` is that weighted mean, so ``mean_score − city_mean = leniency``). Cells no
other unit scored are left out (``scores`` counts only the compared ones); ``people``: the
unit's people with rater scores. Per unit: the same over all its categories. A difference
of the people (a stronger unit) shows here as well as a difference of the raters: the flag
asks for a look, it does not judge.

``quality_model`` holds these definitions once more as plain Python, score by score (the
reference the tests and the benchmark compare with).

Everything is set-based SQL, the same on SQLite and PostgreSQL, in temporary tables of one
transaction: one window pass over the period's rater scores, read in key order (the cell's
count and sum, its scores in order and their neighbours), added up per rater and person
(``PAIRS``); one ``GROUP BY`` of the scores per cell (``CELLS``, the bare aggregation) for
the groups' offsets and the leniency; small ``GROUP BY`` and window queries over those two
tables. Python sees only aggregated rows (one per rater at most), never a score.
"""

import contextlib
import dataclasses
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db import connection, transaction

from jixiao.assessment.changes import last_changes
from jixiao.assessment.models import (
    Indicator,
    Period,
    RaterGroup,
    RaterScore,
    RosterEntry,
    Scheme,
    SchemeRaterGroup,
    ScoringMethod,
)
from jixiao.assessment.totals import ENTRY_SCHEMES, cents, entry_schemes, isum, unit_filter
from jixiao.org.models import Category, Unit
from jixiao.reports import quality_flags
from jixiao.reports.quality_flags import Flag, GroupNumbers, UnitNumbers, group_flags, rater_flags, unit_flags
from jixiao.reports.quality_model import (
    GroupMeasure,
    Leniency,
    RaterMeasure,
    histogram_band,
    mean_or_none,
    spread,
    with_flags,
)

ENTRIES = "jixiao_quality_entries"
SLOTS = "jixiao_quality_slots"
PAIRS = "jixiao_quality_pairs"
CELLS = "jixiao_quality_cells"
TEMPORARY_TABLES = (ENTRIES, SLOTS, PAIRS, CELLS)

# The histogram of the raters' mean offsets: bars this many points wide, the outermost bars
# taking everything beyond ±HISTOGRAM_LIMIT.
HISTOGRAM_WIDTH = 2
HISTOGRAM_LIMIT = 30


def real(expression: str) -> str:
    """A floating-point value on both engines (no slow NUMERIC on PostgreSQL)."""
    return f"CAST({expression} AS DOUBLE PRECISION)"


def binary(column: str) -> str:
    """A text column compared byte by byte: rater IDs are codes, and PostgreSQL groups and
    sorts them several times faster without the database's collation."""
    return f'{column} COLLATE "C"' if connection.vendor == "postgresql" else column


def _tables() -> dict:
    quote = connection.ops.quote_name
    return {
        model: quote(model._meta.db_table)
        for model in (RaterScore, RosterEntry, Scheme, Indicator, SchemeRaterGroup)
    }


def _create_tables(cursor) -> None:
    for name in TEMPORARY_TABLES:
        cursor.execute(f"DROP TABLE IF EXISTS {name}")
    cursor.execute(
        f"CREATE TEMPORARY TABLE {ENTRIES} (entry_id BIGINT PRIMARY KEY, scheme_id BIGINT NOT NULL, "
        "unit_id BIGINT NOT NULL, category_id BIGINT NOT NULL, trim_from INTEGER NOT NULL)"
    )
    cursor.execute(
        f"CREATE TEMPORARY TABLE {SLOTS} (indicator_id BIGINT NOT NULL, group_id BIGINT NOT NULL, "
        "scheme_id BIGINT NOT NULL, full_cents BIGINT NOT NULL, trim_from INTEGER NOT NULL, "
        "name VARCHAR(100) NOT NULL, indicator_key BIGINT, "
        "PRIMARY KEY (indicator_id, group_id, scheme_id))"
    )
    cursor.execute(
        f"""CREATE TEMPORARY TABLE {PAIRS} (
            unit_id BIGINT NOT NULL, group_id BIGINT NOT NULL, rater VARCHAR(32) NOT NULL,
            entry_id BIGINT NOT NULL, scores INTEGER NOT NULL, sum_p DOUBLE PRECISION NOT NULL,
            sum_p2 DOUBLE PRECISION NOT NULL, lowest DOUBLE PRECISION NOT NULL,
            highest DOUBLE PRECISION NOT NULL, compared INTEGER NOT NULL, sum_offset DOUBLE PRECISION,
            full_marks INTEGER NOT NULL, trimmable INTEGER NOT NULL, single_highest INTEGER NOT NULL,
            single_lowest INTEGER NOT NULL, chance DOUBLE PRECISION NOT NULL)"""
    )
    cursor.execute(
        f"CREATE TEMPORARY TABLE {CELLS} (entry_id BIGINT NOT NULL, indicator_id BIGINT NOT NULL, "
        "sub_period INTEGER NOT NULL, group_id BIGINT NOT NULL, unit_id BIGINT NOT NULL, "
        "category_id BIGINT NOT NULL, indicator_key BIGINT NOT NULL, full_cents BIGINT NOT NULL, "
        "scores INTEGER NOT NULL, total BIGINT NOT NULL)"
    )


def _fill_entries(cursor, period: Period) -> None:
    """Every person of the period with a scheme (the unit's own, else the city's), and the
    slots of those schemes: each rated leaf with each of the scheme's rater groups."""
    t = _tables()
    with entry_schemes(cursor, period):
        cursor.execute(
            f"""INSERT INTO {ENTRIES} (entry_id, scheme_id, unit_id, category_id, trim_from)
                SELECT es.entry_id, es.scheme_id, r.unit_id, r.category_id, sc.trim_from
                FROM {ENTRY_SCHEMES} es
                JOIN {t[RosterEntry]} r ON r.id = es.entry_id
                JOIN {t[Scheme]} sc ON sc.id = es.scheme_id"""
        )
    cursor.execute(
        f"""INSERT INTO {SLOTS} (indicator_id, group_id, scheme_id, full_cents, trim_from, name)
            SELECT i.id, w.group_id, i.scheme_id, {cents("i.full_marks")}, sc.trim_from, i.name
            FROM {t[Indicator]} i
            JOIN {t[Scheme]} sc ON sc.id = i.scheme_id
            JOIN {t[SchemeRaterGroup]} w ON w.scheme_id = i.scheme_id
            WHERE i.method = %s
              AND i.scheme_id IN (SELECT DISTINCT scheme_id FROM {ENTRIES})
              AND NOT EXISTS (SELECT 1 FROM {t[Indicator]} c WHERE c.parent_id = i.id)""",
        [ScoringMethod.RATERS],
    )
    # The indicator as the city compares it: by its name (a unit's own adjustment of the city's
    # scheme has indicators of its own with the same names), as a number.
    cursor.execute(
        f"""UPDATE {SLOTS} SET indicator_key = (
                SELECT MIN(o.indicator_id) FROM {SLOTS} o WHERE o.name = {SLOTS}.name)"""
    )
    cursor.execute(f"ANALYZE {ENTRIES}")
    cursor.execute(f"ANALYZE {SLOTS}")


def entry_range(cursor, unit_ids: Sequence[int] | None) -> tuple[int, int]:
    """The lowest and highest entry id of the people measured. The scores are read in key
    order over this range (a period's people are mostly consecutive ids), so that the
    windows below need no sort of their own beyond each person's scores; scores of other
    periods inside the range fall out at the join with the period's people."""
    in_units, params = unit_filter("unit_id", unit_ids)
    cursor.execute(f"SELECT MIN(entry_id), MAX(entry_id) FROM {ENTRIES} WHERE 1 = 1 {in_units}", params)
    low, high = cursor.fetchone()
    return (low, high) if low is not None else (0, -1)


def pairs_sql(t: dict, unit_condition: str = "") -> str:
    """One row per rater and person (two ``%s``: the range of entry ids), from one window
    pass over the scores: the cell's count and sum, and its scores in order, which tell the
    single highest and lowest. Every per-score figure is computed once, in the window's
    SELECT; the query around it adds them up per rater and person, and only then joins the
    period's people (keeping the scores of each person's own scheme, and their unit): the
    scores stream in key order through the window without a join to reorder them."""
    n = "COUNT(*) OVER cell"
    total = "SUM(s.score_cents) OVER cell"
    trimmed = f"{n} >= l.trim_from"
    single_highest = "ROW_NUMBER() OVER cell = 1 AND LEAD(s.score_cents) OVER cell < s.score_cents"
    single_lowest = f"ROW_NUMBER() OVER cell = {n} AND LAG(s.score_cents) OVER cell > s.score_cents"
    # p minus the mean p of the other raters of the cell, as one quotient of integers.
    offset = (
        f"{real(f's.score_cents * ({n} - 1) - ({total} - s.score_cents)')} * 100 / (({n} - 1) * l.full_cents)"
    )
    return f"""
    INSERT INTO {PAIRS} (unit_id, group_id, rater, entry_id, scores, sum_p, sum_p2, lowest, highest,
                         compared, sum_offset, full_marks, trimmable, single_highest, single_lowest, chance)
    SELECT e.unit_id, x.group_id, x.rater, x.entry_id, x.scores, x.sum_p, x.sum_p2, x.lowest, x.highest,
           x.compared, x.sum_offset, x.full_marks, x.trimmable, x.single_highest, x.single_lowest, x.chance
    FROM (
        SELECT entry_id, group_id, rater, scheme_id, COUNT(*) AS scores, SUM(p) AS sum_p, SUM(p * p) AS sum_p2,
               MIN(p) AS lowest, MAX(p) AS highest, COUNT(off) AS compared, SUM(off) AS sum_offset,
               SUM(full_mark) AS full_marks, SUM(trimmable) AS trimmable,
               SUM(single_highest) AS single_highest, SUM(single_lowest) AS single_lowest,
               SUM(chance) AS chance
        FROM (
            SELECT s.entry_id, s.group_id, {binary("s.rater")} AS rater, l.scheme_id,
                   {real("s.score_cents")} * 100 / l.full_cents AS p,
                   CASE WHEN {n} > 1 THEN {offset} END AS off,
                   CASE WHEN s.score_cents >= l.full_cents THEN 1 ELSE 0 END AS full_mark,
                   CASE WHEN {trimmed} THEN 1 ELSE 0 END AS trimmable,
                   CASE WHEN {trimmed} AND {single_highest} THEN 1 ELSE 0 END AS single_highest,
                   CASE WHEN {trimmed} AND {single_lowest} THEN 1 ELSE 0 END AS single_lowest,
                   CASE WHEN {trimmed} THEN {real("1")} / {n} ELSE 0 END AS chance
            FROM {t[RaterScore]} s
            JOIN {SLOTS} l ON l.indicator_id = s.indicator_id AND l.group_id = s.group_id
            WHERE s.entry_id BETWEEN %s AND %s
            WINDOW cell AS (PARTITION BY s.entry_id, s.indicator_id, s.sub_period, s.group_id
                            ORDER BY s.score_cents DESC
                            ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
        ) scored
        GROUP BY entry_id, group_id, rater, scheme_id
    ) x
    JOIN {ENTRIES} e ON e.entry_id = x.entry_id AND e.scheme_id = x.scheme_id
    WHERE 1 = 1 {unit_condition}
    """


def cells_sql(t: dict) -> str:
    """The counted scores' count and sum per cell (two ``%s``: the range of entry ids), with
    the cell's unit, category, indicator (by name) and full marks: the bare aggregation, then
    the period's people and slots joined to the (far fewer) cells."""
    return f"""
    INSERT INTO {CELLS} (entry_id, indicator_id, sub_period, group_id, unit_id, category_id, indicator_key,
                         full_cents, scores, total)
    SELECT c.entry_id, c.indicator_id, c.sub_period, c.group_id, e.unit_id, e.category_id, l.indicator_key,
           l.full_cents, c.scores, c.total
    FROM (SELECT s.entry_id, s.indicator_id, s.sub_period, s.group_id, COUNT(*) AS scores,
                 SUM(s.score_cents) AS total
          FROM {t[RaterScore]} s
          WHERE s.entry_id BETWEEN %s AND %s
          GROUP BY s.entry_id, s.indicator_id, s.sub_period, s.group_id) c
    JOIN {ENTRIES} e ON e.entry_id = c.entry_id
    JOIN {SLOTS} l ON l.indicator_id = c.indicator_id AND l.group_id = c.group_id AND l.scheme_id = e.scheme_id
    """


# ---------------------------------------------------------------------------------------
# The measured rows


class Measured:
    """The period's measures in temporary tables, read while the ``measured`` block runs."""

    def __init__(self, cursor, unit_ids: Sequence[int] | None):
        self.cursor = cursor
        self.unit_ids = unit_ids

    def raters(self) -> Iterator[RaterMeasure]:
        """Every rater of the units measured, by unit, group and rater ID, with their flags."""
        self.cursor.execute(
            f"""SELECT unit_id, group_id, rater, COUNT(*), SUM(scores), SUM(sum_p), SUM(sum_p2),
                       MIN(lowest), MAX(highest), SUM(compared), SUM(sum_offset), SUM(full_marks),
                       SUM(trimmable), SUM(single_highest), SUM(single_lowest), SUM(chance)
                FROM {PAIRS} GROUP BY unit_id, group_id, rater
                ORDER BY unit_id, group_id, {binary("rater")}"""
        )
        while rows := self.cursor.fetchmany(5000):
            for (
                unit_id,
                group_id,
                rater,
                people,
                scores,
                sum_p,
                sum_p2,
                lowest,
                highest,
                compared,
                sum_offset,
                full_marks,
                trimmable,
                single_highest,
                single_lowest,
                chance,
            ) in rows:
                measure = RaterMeasure(
                    unit_id=unit_id,
                    group_id=group_id,
                    rater=rater,
                    people=people,
                    scores=scores,
                    mean_score=sum_p / scores,
                    spread=spread(scores, sum_p, sum_p2),
                    lowest=lowest,
                    highest=highest,
                    compared=compared,
                    mean_offset=mean_or_none(sum_offset, compared),
                    full_marks=full_marks,
                    trimmable=trimmable,
                    single_highest=single_highest,
                    single_lowest=single_lowest,
                    chance=chance,
                )
                yield with_flags(measure, rater_flags(measure.numbers()))

    def groups(self) -> list[GroupMeasure]:
        """Every rater group of the units measured (without the counts of flagged raters,
        which ``build_report`` adds from ``raters``)."""
        self.cursor.execute(
            f"""SELECT unit_id, group_id, COUNT(DISTINCT rater), COUNT(DISTINCT entry_id), SUM(scores),
                       SUM(sum_p), SUM(sum_p2), SUM(full_marks), SUM(trimmable), SUM(single_highest),
                       SUM(single_lowest)
                FROM {PAIRS} GROUP BY unit_id, group_id ORDER BY unit_id, group_id"""
        )
        summed = self.cursor.fetchall()
        # Against the other groups: per cell, the group's scores against the mean of the
        # other groups' scores of the same item, (Σ − n · their mean) · 100 / full marks.
        in_units, params = unit_filter("unit_id", self.unit_ids)
        others_n = "(SUM(scores) OVER item - scores)"
        others_total = "(SUM(total) OVER item - total)"
        self.cursor.execute(
            f"""SELECT unit_id, group_id, {isum("CASE WHEN others_n > 0 THEN scores ELSE 0 END")},
                       SUM(CASE WHEN others_n > 0
                                THEN {real("total * others_n - scores * others_total")} * 100 / (others_n * full_cents)
                           END)
                FROM (SELECT unit_id, group_id, scores, total, full_cents,
                             {others_n} AS others_n, {others_total} AS others_total
                      FROM {CELLS} c
                      WHERE 1 = 1 {in_units}
                      WINDOW item AS (PARTITION BY entry_id, indicator_id, sub_period)) c
                GROUP BY unit_id, group_id""",
            params,
        )
        across = {(u, g): (n, total) for u, g, n, total in self.cursor.fetchall()}
        groups = []
        for (
            unit_id,
            group_id,
            raters,
            people,
            scores,
            sum_p,
            sum_p2,
            full_marks,
            trimmable,
            single_highest,
            single_lowest,
        ) in summed:
            compared, sum_across = across.get((unit_id, group_id), (0, None))
            groups.append(
                GroupMeasure(
                    unit_id=unit_id,
                    group_id=group_id,
                    raters=raters,
                    people=people,
                    scores=scores,
                    mean_score=sum_p / scores,
                    spread=spread(scores, sum_p, sum_p2),
                    across=compared,
                    mean_offset=mean_or_none(sum_across, compared),
                    full_marks=full_marks,
                    trimmable=trimmable,
                    single_highest=single_highest,
                    single_lowest=single_lowest,
                )
            )
        return groups

    def leniency(self) -> list[Leniency]:
        """Per unit and category of the units measured, and per unit (``category_id`` None):
        the unit's mean against the rest of the city's for the same category, indicator
        name and rater group, weighted by the unit's scores."""
        in_units, params = unit_filter("unit_id", self.unit_ids)
        by_cell = f"""
            SELECT unit_id, category_id, indicator_key, group_id, {isum("scores")} AS scores,
                   SUM({real("total")} * 100 / full_cents) AS sum_p
            FROM {CELLS} c
            GROUP BY unit_id, category_id, indicator_key, group_id"""
        # Only cells some other unit scored too (the rest's mean is NULL otherwise).
        self.cursor.execute(
            f"""SELECT unit_id, category_id, {isum("scores")}, SUM(sum_p), SUM(scores * rest_mean)
                FROM (SELECT unit_id, category_id, scores, sum_p,
                             (SUM(sum_p) OVER city - sum_p)
                                 / NULLIF(CAST(SUM(scores) OVER city AS BIGINT) - scores, 0) AS rest_mean
                      FROM ({by_cell}) c
                      WINDOW city AS (PARTITION BY category_id, indicator_key, group_id)) c
                WHERE rest_mean IS NOT NULL {in_units}
                GROUP BY unit_id, category_id""",
            params,
        )
        sums = {(u, c): (n, s, r) for u, c, n, s, r in self.cursor.fetchall()}
        self.cursor.execute(
            f"""SELECT unit_id, category_id, COUNT(DISTINCT entry_id) FROM {CELLS} c
                WHERE 1 = 1 {in_units} GROUP BY unit_id, category_id""",
            params,
        )
        heads = {(u, c): n for u, c, n in self.cursor.fetchall()}
        rows: list[Leniency] = []
        by_unit: dict[int, list] = {}
        for (unit_id, category_id), (n, sum_p, sum_rest) in sorted(sums.items()):
            people = heads.get((unit_id, category_id), 0)
            rows.append(Leniency(unit_id, category_id, people, n, sum_p / n, sum_rest / n))
            total = by_unit.setdefault(unit_id, [0, 0, 0.0, 0.0])
            for index, value in enumerate((people, n, sum_p, sum_rest)):
                total[index] += value
        for unit_id, (people, n, sum_p, sum_rest) in by_unit.items():
            rows.append(Leniency(unit_id, None, people, n, sum_p / n, sum_rest / n))
        return rows


@contextlib.contextmanager
def measured(period: Period, unit_ids: Sequence[int] | None = None) -> Iterator[Measured]:
    """Measure the period into temporary tables — the raters and groups of these units only,
    when given; the leniency always against the whole city — and read them within the
    block (``Measured``)."""
    t = _tables()
    with transaction.atomic(), connection.cursor() as cursor:
        _create_tables(cursor)
        _fill_entries(cursor, period)
        in_units, params = unit_filter("e.unit_id", unit_ids)
        cursor.execute(pairs_sql(t, in_units), [*entry_range(cursor, unit_ids), *params])
        cursor.execute(cells_sql(t), entry_range(cursor, None))
        try:
            yield Measured(cursor, unit_ids)
        finally:
            for name in TEMPORARY_TABLES:
                cursor.execute(f"DROP TABLE IF EXISTS {name}")


# ---------------------------------------------------------------------------------------
# What the pages show: a report of the city or of one unit


@dataclass
class UnitRow:
    """A unit's (or one of its categories') leniency, with its flags."""

    unit_id: int
    unit: str
    category: str  # "" for the unit over all its categories
    people: int
    scores: int
    mean_score: float | None
    city_mean: float | None
    leniency: float | None
    raters: int = 0
    flagged_raters: int = 0
    flagged_groups: int = 0
    flags: tuple[Flag, ...] = ()


@dataclass
class Report:
    period_code: str
    unit_id: int | None  # None: the whole city
    units: list[UnitRow]  # each unit measured (the city's, or the one), flagged first, by leniency
    categories: list[UnitRow]  # the same per unit and category, in the units' order
    groups: list[GroupMeasure]  # a unit: its rater groups; the city: the flagged ones
    raters: list[RaterMeasure]  # a unit: every rater; the city: the flagged ones
    rater_count: int
    flagged_rater_count: int
    histogram: dict[int, int] = field(default_factory=dict)  # band start → raters
    unit_names: dict[int, str] = field(default_factory=dict)
    group_names: dict[int, str] = field(default_factory=dict)

    @property
    def flagged_units(self) -> list[UnitRow]:
        return [u for u in self.units if u.flags]

    @property
    def measured(self) -> bool:
        return bool(self.rater_count)

    def unit_name(self, unit_id: int) -> str:
        return self.unit_names.get(unit_id, "")

    def group_name(self, group_id: int) -> str:
        return self.group_names.get(group_id, "")


def build_report(period: Period, unit: Unit | None = None) -> Report:
    """Measure and judge: the city's report (every unit ranked by leniency, the flagged rater
    groups and raters) or one unit's (its leniency per category, every group and rater)."""
    unit_ids = None if unit is None else [unit.pk]
    unit_names = dict(Unit.objects.values_list("pk", "name"))
    group_names = dict(RaterGroup.objects.values_list("pk", "name"))
    categories = dict(Category.objects.values_list("pk", "name"))
    category_order = {
        pk: i
        for i, pk in enumerate(Category.objects.order_by("sort_order", "pk").values_list("pk", flat=True))
    }
    kept: list[RaterMeasure] = []
    raters_per_unit: Counter = Counter()
    flagged_per_unit: Counter = Counter()
    flagged_per_group: Counter = Counter()
    identical_per_group: Counter = Counter()
    histogram: Counter = Counter()
    with measured(period, unit_ids) as m:
        for rater in m.raters():
            raters_per_unit[rater.unit_id] += 1
            if rater.flags:
                flagged_per_unit[rater.unit_id] += 1
                flagged_per_group[rater.unit_id, rater.group_id] += 1
            if rater.identical and rater.people >= quality_flags.MIN_PEOPLE:
                identical_per_group[rater.unit_id, rater.group_id] += 1
            if rater.mean_offset is not None and rater.compared >= quality_flags.MIN_COMPARED:
                histogram[
                    histogram_band(rater.mean_offset, width=HISTOGRAM_WIDTH, limit=HISTOGRAM_LIMIT)
                ] += 1
            if unit is not None or rater.flags:
                kept.append(rater)
        groups = []
        for group in m.groups():
            key = (group.unit_id, group.group_id)
            numbers = GroupNumbers(
                people=group.people,
                scores=group.scores,
                across=group.across,
                mean_offset=group.mean_offset,
                full_marks=group.full_marks,
                flagged_raters=flagged_per_group[key],
            )
            groups.append(
                dataclasses.replace(
                    group,
                    identical_raters=identical_per_group[key],
                    flagged_raters=flagged_per_group[key],
                    flags=group_flags(numbers),
                )
            )
        leniency = m.leniency()
    flagged_groups = Counter(g.unit_id for g in groups if g.flags)
    totals = {r.unit_id: r for r in leniency if r.category_id is None}
    rows = [
        _unit_row(
            totals.get(unit_id) or Leniency(unit_id, None, 0, 0, None, None),
            unit_names,
            "",
            raters_per_unit,
            flagged_per_unit,
            flagged_groups,
        )
        for unit_id in {r.unit_id for r in leniency} | set(raters_per_unit)
    ]
    rows.sort(key=_unit_order)
    order = {row.unit_id: index for index, row in enumerate(rows)}
    category_rows = [
        _unit_row(row, unit_names, categories.get(row.category_id, ""), Counter(), Counter(), Counter())
        for row in sorted(
            (r for r in leniency if r.category_id is not None),
            key=lambda r: (order.get(r.unit_id, 0), category_order.get(r.category_id, 0)),
        )
    ]
    if unit is None:
        groups = [g for g in groups if g.flags]
        kept.sort(key=lambda r: (order.get(r.unit_id, 0), r.group_id, r.rater))
    else:
        kept.sort(key=lambda r: (not r.flags, r.group_id, r.rater))
    return Report(
        period_code=period.code,
        unit_id=None if unit is None else unit.pk,
        units=rows,
        categories=category_rows,
        groups=groups,
        raters=kept,
        rater_count=sum(raters_per_unit.values()),
        flagged_rater_count=sum(flagged_per_unit.values()),
        histogram=dict(sorted(histogram.items())),
        unit_names=unit_names,
        group_names=group_names,
    )


def _unit_row(total: Leniency, names, category: str, raters, flagged, flagged_groups) -> UnitRow:
    row = UnitRow(
        unit_id=total.unit_id,
        unit=names.get(total.unit_id, ""),
        category=category,
        people=total.people,
        scores=total.scores,
        mean_score=total.mean_score,
        city_mean=total.city_mean,
        leniency=total.leniency,
        raters=raters[total.unit_id],
        flagged_raters=flagged[total.unit_id],
        flagged_groups=flagged_groups[total.unit_id],
    )
    row.flags = unit_flags(
        UnitNumbers(
            people=row.people,
            leniency=row.leniency,
            flagged_raters=row.flagged_raters,
            flagged_groups=row.flagged_groups,
        )
    )
    return row


def _unit_order(row: UnitRow):
    """Flagged first, then the most lenient, units without a comparison last."""
    return (not row.flags, row.leniency is None, -(row.leniency or 0.0), row.unit, row.unit_id)


def change_stamp(period: Period) -> str:
    """When the period's inputs last changed (scores, roster, schemes): a report older than
    that is recomputed."""
    changed_at, units = last_changes(period)
    latest = max([v for v in (changed_at, *units.values()) if v is not None], default=None)
    return latest.isoformat() if latest else "-"


CACHE_SECONDS = 3600


def report(period: Period, unit: Unit | None = None) -> Report:
    """``build_report``, kept (per process) until the period's inputs change."""
    key = f"rater-quality:{period.pk}:{unit.pk if unit else 'city'}:{change_stamp(period)}"
    found = cache.get(key)
    if found is None:
        found = build_report(period, unit)
        cache.set(key, found, CACHE_SECONDS)
    return found
