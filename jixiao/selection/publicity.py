"""The publicity period (公示期) on the official PRC working-day calendar (DESIGN.md rule 6).

Pure functions, no ORM. A notice runs N working days: holidays (法定节假日) are not
working days, weekend days moved into the working week (调休上班) are. The calendar comes
from ``chinese-calendar``, which only knows the years the State Council has announced;
outside them the computation stops with :class:`CalendarNotAvailable` rather than guess
with plain weekdays — a guessed deadline on an official notice is worse than none.
"""

import datetime
from collections.abc import Callable

import chinese_calendar

WorkdayPredicate = Callable[[datetime.date], bool]

# No real calendar has a break anywhere near this long; an injected predicate that never
# yields a working day is a programming error, not an endless loop.
LONGEST_BREAK_DAYS = 366

ONE_DAY = datetime.timedelta(days=1)


class CalendarNotAvailable(Exception):
    """The holiday arrangements of ``year`` are not known to the installed calendar."""

    def __init__(self, year: int):
        self.year = year
        super().__init__(self.message)

    @property
    def message(self) -> str:
        return (
            f"法定节假日安排尚无 {self.year} 年的数据（chinese-calendar 未收录），"
            "无法按工作日计算公示截止日期；请升级 chinese-calendar 后重试。"
        )


def _checked(is_workday: WorkdayPredicate, day: datetime.date) -> bool:
    try:
        return bool(is_workday(day))
    except NotImplementedError as error:  # chinese-calendar: "no available data for year …"
        raise CalendarNotAvailable(day.year) from error


def first_working_day(
    day: datetime.date, is_workday: WorkdayPredicate = chinese_calendar.is_workday
) -> datetime.date:
    """``day`` itself when it is a working day, else the next working day."""
    for _ in range(LONGEST_BREAK_DAYS):
        if _checked(is_workday, day):
            return day
        day += ONE_DAY
    raise ValueError(f"no working day in the {LONGEST_BREAK_DAYS} days before {day.isoformat()}")


def publicity_end(
    start: datetime.date,
    working_days: int,
    is_workday: WorkdayPredicate = chinese_calendar.is_workday,
) -> datetime.date:
    """The last day of a notice that starts on ``start`` and runs ``working_days`` working days.

    The start day counts when it is a working day; otherwise counting begins at the next
    working day. The result is always a working day. Raises :class:`CalendarNotAvailable`
    when the count reaches a year the calendar does not cover.
    """
    if working_days < 1:
        raise ValueError(f"a notice runs at least one working day, not {working_days}")
    day = first_working_day(start, is_workday)
    remaining = working_days - 1
    while remaining:
        day = first_working_day(day + ONE_DAY, is_workday)
        remaining -= 1
    return day


def working_days_between(
    first: datetime.date,
    last: datetime.date,
    is_workday: WorkdayPredicate = chinese_calendar.is_workday,
) -> int:
    """How many working days lie in ``[first, last]`` (0 when ``last`` is before ``first``)."""
    count, day = 0, first
    while day <= last:
        count += _checked(is_workday, day)
        day += ONE_DAY
    return count
