"""The rating rules a page enforces before a rater submits: pure functions, no database."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal


def top_mark_allowance(share_percent: int | None, people: int) -> int | None:
    """How many of ``people`` one rater may give a top mark on one indicator: at most
    ``share_percent`` %, rounded down (the rule says "not more than"); None: no limit."""
    if share_percent is None:
        return None
    return int((Decimal(share_percent) * people / 100).to_integral_value(ROUND_FLOOR))


def top_mark_floor_cents(full_marks_cents: int, from_percent: Decimal) -> int:
    """The lowest score that counts as a top mark, in hundredths (rounded up to the cent, so
    a score just below the line never counts)."""
    exact = Decimal(full_marks_cents) * Decimal(from_percent) / 100
    return int(-((-exact).to_integral_value(ROUND_FLOOR)))


@dataclass(frozen=True)
class OverLimit:
    indicator: object  # the indicator's key
    given: int
    allowed: int


def top_marks_over_limit(
    scores: Mapping[tuple[object, object], int],
    *,
    people: int,
    floors: Mapping[object, int],
    share_percent: int | None,
) -> list[OverLimit]:
    """The indicators on which a rater's scores ((person, indicator) → hundredths) give more
    top marks than the share allows, in the order of ``floors``."""
    allowed = top_mark_allowance(share_percent, people)
    if allowed is None:
        return []
    given = dict.fromkeys(floors, 0)
    for (_person, indicator), cents in scores.items():
        if indicator in floors and cents >= floors[indicator]:
            given[indicator] += 1
    return [OverLimit(key, count, allowed) for key, count in given.items() if count > allowed]


def missing(keys: Iterable[tuple[object, object]], scores: Mapping[tuple[object, object], int]) -> int:
    """How many of the (person, indicator) fields still have no score."""
    return sum(1 for key in keys if key not in scores)
