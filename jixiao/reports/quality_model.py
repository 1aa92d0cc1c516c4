"""The rater-quality measures as plain Python — no ORM: what each number is, and a reference
model that computes them score by score from the rows. The database computes them set-based
(``reports.rater_quality``, whose docstring defines them); the tests and the benchmark check
that it gives the reference model's numbers.
"""

import dataclasses
import math
from collections import defaultdict
from collections.abc import Hashable, Iterable
from dataclasses import dataclass

from jixiao.reports.quality_flags import Flag, RaterNumbers, share


@dataclass(frozen=True, slots=True)
class RaterMeasure:
    """One rater ID in one rater group of one unit. Scores are ``p``, percent of full marks."""

    unit_id: int
    group_id: int
    rater: str
    people: int
    scores: int
    mean_score: float
    spread: float  # standard deviation of the population, points
    lowest: float
    highest: float
    compared: int  # scores with other raters of the cell beside them
    mean_offset: float | None  # from those other raters, points
    full_marks: int
    trimmable: int  # scores in cells with at least trim_from raters
    single_highest: int  # … the single highest of the cell
    single_lowest: int
    chance: float  # single highest (lowest) that chance would give: Σ 1/n over the trimmable
    flags: tuple[Flag, ...] = ()

    @property
    def identical(self) -> bool:
        return self.lowest == self.highest

    @property
    def full_marks_share(self) -> float | None:
        return share(self.full_marks, self.scores)

    def numbers(self) -> RaterNumbers:
        return RaterNumbers(
            people=self.people,
            scores=self.scores,
            compared=self.compared,
            mean_offset=self.mean_offset,
            full_marks=self.full_marks,
            identical=self.identical,
            trimmable=self.trimmable,
            single_highest=self.single_highest,
            single_lowest=self.single_lowest,
            chance=self.chance,
        )


@dataclass(frozen=True, slots=True)
class GroupMeasure:
    """One rater group of one unit: its raters' scores together."""

    unit_id: int
    group_id: int
    raters: int
    people: int
    scores: int
    mean_score: float
    spread: float
    across: int  # scores on items other groups scored too
    mean_offset: float | None  # from the other groups, points
    full_marks: int
    trimmable: int
    single_highest: int
    single_lowest: int
    identical_raters: int = 0
    flagged_raters: int = 0
    flags: tuple[Flag, ...] = ()

    @property
    def full_marks_share(self) -> float | None:
        return share(self.full_marks, self.scores)


@dataclass(frozen=True, slots=True)
class Leniency:
    """A unit's scores (of one category, or ``None``: all) against the rest of the city's."""

    unit_id: int
    category_id: int | None
    people: int
    scores: int  # the compared ones
    mean_score: float | None
    city_mean: float | None

    @property
    def leniency(self) -> float | None:
        if self.mean_score is None or self.city_mean is None:
            return None
        return self.mean_score - self.city_mean


def spread(count: int, total: float, squares: float) -> float:
    """The standard deviation of the population from the count, sum and sum of squares."""
    mean = total / count
    return math.sqrt(max(0.0, squares / count - mean * mean))


def mean_or_none(total: float | None, count: int) -> float | None:
    return total / count if count and total is not None else None


def histogram_band(offset: float, *, width: int, limit: int) -> int:
    """The start of the band of ``width`` points an offset falls in, between ±``limit``; the
    outermost bands take everything beyond."""
    clamped = max(-limit, min(limit - width, offset))
    band = int(math.floor(clamped / width)) * width
    # A negative offset too small for the division (-5e-324 / 2 is -0.0) is still below 0.
    return band - width if clamped < band else band


def with_flags(measure, flags: tuple[Flag, ...]):
    return dataclasses.replace(measure, flags=flags) if flags else measure


# ---------------------------------------------------------------------------------------
# The reference model


@dataclass(frozen=True)
class Row:
    """One counted rater score (a rated leaf of the person's scheme, a group of that scheme)."""

    unit_id: int
    category_id: int
    entry_id: int
    indicator: Hashable  # the indicator as the city compares it: its name
    indicator_id: int
    sub_period: int
    group_id: int
    rater: str
    score_cents: int
    full_cents: int
    trim_from: int

    @property
    def p(self) -> float:
        return self.score_cents * 100 / self.full_cents


@dataclass
class Reference:
    raters: dict[tuple[int, int, str], RaterMeasure]
    groups: dict[tuple[int, int], GroupMeasure]
    leniency: dict[tuple[int, int | None], Leniency]


def reference(rows: Iterable[Row]) -> Reference:
    """Every measure, score by score, as the definitions say (no flags)."""
    rows = list(rows)
    cells: dict[tuple, list[Row]] = defaultdict(list)
    items: dict[tuple, list[Row]] = defaultdict(list)
    for row in rows:
        cells[row.entry_id, row.indicator_id, row.sub_period, row.group_id].append(row)
        items[row.entry_id, row.indicator_id, row.sub_period].append(row)

    per_rater: dict[tuple, dict] = defaultdict(lambda: defaultdict(list))
    per_group: dict[tuple, dict] = defaultdict(lambda: defaultdict(list))
    for cell in cells.values():
        n = len(cell)
        scores = [r.score_cents for r in cell]
        for row in cell:
            rater = per_rater[row.unit_id, row.group_id, row.rater]
            group = per_group[row.unit_id, row.group_id]
            rater["people"].append(row.entry_id)
            rater["p"].append(row.p)
            group["people"].append(row.entry_id)
            group["raters"].append(row.rater)
            group["p"].append(row.p)
            if n > 1:
                others = (sum(scores) - row.score_cents) / (n - 1)
                rater["offsets"].append((row.score_cents - others) * 100 / row.full_cents)
            rater["full"].append(row.score_cents >= row.full_cents)
            if n >= row.trim_from:
                rest = list(scores)
                rest.remove(row.score_cents)
                rater["trimmable"].append(1)
                rater["chance"].append(1 / n)
                rater["single_highest"].append(row.score_cents > max(rest))
                rater["single_lowest"].append(row.score_cents < min(rest))
            item = items[row.entry_id, row.indicator_id, row.sub_period]
            other_groups = [r.score_cents for r in item if r.group_id != row.group_id]
            if other_groups:
                mean = sum(other_groups) / len(other_groups)
                group["across"].append((row.score_cents - mean) * 100 / row.full_cents)
            group["full"].append(row.score_cents >= row.full_cents)
            group["trimmable"].append(n >= row.trim_from)
    raters = {}
    for (unit_id, group_id, rater_id), v in per_rater.items():
        ps = v["p"]
        raters[unit_id, group_id, rater_id] = RaterMeasure(
            unit_id=unit_id,
            group_id=group_id,
            rater=rater_id,
            people=len(set(v["people"])),
            scores=len(ps),
            mean_score=sum(ps) / len(ps),
            spread=_pstdev(ps),
            lowest=min(ps),
            highest=max(ps),
            compared=len(v["offsets"]),
            mean_offset=sum(v["offsets"]) / len(v["offsets"]) if v["offsets"] else None,
            full_marks=sum(v["full"]),
            trimmable=len(v["trimmable"]),
            single_highest=sum(v["single_highest"]),
            single_lowest=sum(v["single_lowest"]),
            chance=sum(v["chance"]),
        )
    groups = {}
    for (unit_id, group_id), v in per_group.items():
        ps = v["p"]
        mine = [r for r in raters.values() if (r.unit_id, r.group_id) == (unit_id, group_id)]
        groups[unit_id, group_id] = GroupMeasure(
            unit_id=unit_id,
            group_id=group_id,
            raters=len(set(v["raters"])),
            people=len(set(v["people"])),
            scores=len(ps),
            mean_score=sum(ps) / len(ps),
            spread=_pstdev(ps),
            across=len(v["across"]),
            mean_offset=sum(v["across"]) / len(v["across"]) if v["across"] else None,
            full_marks=sum(v["full"]),
            trimmable=sum(v["trimmable"]),
            single_highest=sum(r.single_highest for r in mine),
            single_lowest=sum(r.single_lowest for r in mine),
        )
    return Reference(raters, groups, _reference_leniency(rows))


def _reference_leniency(rows: list[Row]) -> dict[tuple[int, int | None], Leniency]:
    by_cell: dict[tuple, list[float]] = defaultdict(list)  # (category, indicator, group, unit) → p
    people: dict[tuple, set] = defaultdict(set)
    for row in rows:
        by_cell[row.category_id, row.indicator, row.group_id, row.unit_id].append(row.p)
        people[row.unit_id, row.category_id].add(row.entry_id)
    sums: dict[tuple, list] = defaultdict(lambda: [0, 0.0, 0.0])  # scores, Σp, Σ rest mean
    for (category_id, indicator, group_id, unit_id), ps in by_cell.items():
        rest = [
            p
            for (c, i, g, u), others in by_cell.items()
            if (c, i, g) == (category_id, indicator, group_id) and u != unit_id
            for p in others
        ]
        if not rest:
            continue
        rest_mean = sum(rest) / len(rest)
        for key in ((unit_id, category_id), (unit_id, None)):
            sums[key][0] += len(ps)
            sums[key][1] += sum(ps)
            sums[key][2] += len(ps) * rest_mean
    result = {}
    for (unit_id, category_id), (n, total, rest_total) in sums.items():
        # A unit's people: those of its categories compared with the city.
        heads = (
            len(people[unit_id, category_id])
            if category_id is not None
            else sum(len(v) for (u, c), v in people.items() if u == unit_id and (u, c) in sums)
        )
        result[unit_id, category_id] = Leniency(unit_id, category_id, heads, n, total / n, rest_total / n)
    return result


def _pstdev(values: list[float]) -> float:
    mean = sum(values) / len(values)
    return math.sqrt(sum((v - mean) ** 2 for v in values) / len(values))
