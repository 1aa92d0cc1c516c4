"""The influence window of a sanction and the periods it vetoes: pure functions, no ORM.

A sanction's influence window runs from its decision date to the day before the same day
``months`` later, that day clamped to the end of its month (a decision on 31 August with
six months runs to 27 February, or 28 February in a leap year: the same day is 28 or 29
February). A lifting date (解除日期), when recorded, ends the window on that day instead.
A type without months (立案审查调查) runs until it is lifted: open-ended while there is no
lifting date. A person is vetoed in every period the window overlaps by at least one day.
"""

import calendar
import datetime


def months_later(day: datetime.date, months: int) -> datetime.date:
    """The same day ``months`` later, clamped to the last day of that month."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def influence_end(
    decided_on: datetime.date, months: int | None, lifted_on: datetime.date | None
) -> datetime.date | None:
    """The last day of the window (inclusive), or None while it is open-ended."""
    if lifted_on is not None:
        return lifted_on
    if months is None:
        return None
    return months_later(decided_on, months) - datetime.timedelta(days=1)


def overlaps(
    decided_on: datetime.date,
    end: datetime.date | None,
    period_start: datetime.date,
    period_end: datetime.date,
) -> bool:
    """Whether the window [decided_on, end] shares at least one day with the period.
    (A window that ends before it begins — lifted on a date before the decision, which
    the import refuses — shares no day with anything.)"""
    if end is not None and end < decided_on:
        return False
    return decided_on <= period_end and (end is None or end >= period_start)


def veto_text(type_name: str, decided_on: datetime.date, end: datetime.date | None) -> str:
    """The veto a sanction shows in the periods it touches (stored with the score, so fixed
    Chinese like every document): ``记过（2023年3月15日起，影响期至2024年3月14日）``."""
    start = f"{decided_on.year}年{decided_on.month}月{decided_on.day}日"
    if end is None:
        return f"{type_name}（{start}起，尚未解除）"
    return f"{type_name}（{start}起，影响期至{end.year}年{end.month}月{end.day}日）"
