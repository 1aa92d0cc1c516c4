"""The publicity period (公示期) counts working days on the official PRC calendar: the
properties hold for any calendar, and the real one is checked on dates worked out by hand."""

import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jixiao.selection.publicity import (
    CalendarNotAvailable,
    first_working_day,
    publicity_end,
    working_days_between,
)

D = datetime.date


@st.composite
def calendars(draw):
    """A random calendar over a window of days from an anchor: each day a working day or
    not, with at least one working day in every 14 days (any real calendar has that)."""
    anchor = draw(st.dates(min_value=D(2000, 1, 1), max_value=D(2090, 12, 31)))
    flags = draw(st.lists(st.booleans(), min_size=400, max_size=400))
    for block in range(0, len(flags), 14):
        if not any(flags[block : block + 14]):
            flags[block + draw(st.integers(0, min(13, len(flags) - block - 1)))] = True
    workdays = {anchor + datetime.timedelta(days=i) for i, flag in enumerate(flags) if flag}

    def is_workday(day: datetime.date) -> bool:
        offset = (day - anchor).days
        assert 0 <= offset < len(flags), f"{day} is outside the drawn calendar"
        return day in workdays

    return anchor, is_workday


@given(calendars(), st.integers(0, 60), st.integers(1, 15))
def test_the_end_is_the_nth_working_day_from_the_first_working_day_on_or_after_the_start(
    calendar, start_offset, working_days
):
    anchor, is_workday = calendar
    start = anchor + datetime.timedelta(days=start_offset)
    end = publicity_end(start, working_days, is_workday)
    first = first_working_day(start, is_workday)
    assert is_workday(end)
    assert end >= first >= start
    assert working_days_between(first, end, is_workday) == working_days
    # No working day is skipped between the start and the first counted day.
    assert working_days_between(start, first - datetime.timedelta(days=1), is_workday) == 0
    # Counting from the start itself gives the same number: the days before `first` are off.
    assert working_days_between(start, end, is_workday) == working_days


@given(calendars(), st.integers(0, 60), st.integers(1, 15))
def test_one_more_working_day_ends_strictly_later(calendar, start_offset, working_days):
    anchor, is_workday = calendar
    start = anchor + datetime.timedelta(days=start_offset)
    shorter = publicity_end(start, working_days, is_workday)
    longer = publicity_end(start, working_days + 1, is_workday)
    assert longer > shorter
    assert working_days_between(shorter + datetime.timedelta(days=1), longer, is_workday) == 1


@given(calendars(), st.integers(0, 60), st.integers(1, 15))
def test_a_later_start_never_ends_earlier(calendar, start_offset, working_days):
    anchor, is_workday = calendar
    start = anchor + datetime.timedelta(days=start_offset)
    assert publicity_end(start + datetime.timedelta(days=1), working_days, is_workday) >= publicity_end(
        start, working_days, is_workday
    )


@given(st.dates(min_value=D(2004, 1, 1), max_value=D(2026, 11, 30)), st.integers(1, 10))
def test_on_the_real_calendar_the_end_is_a_working_day_after_the_start(start, working_days):
    end = publicity_end(start, working_days)
    assert end >= start
    assert working_days_between(start, end) == working_days
    # At most a ten-day break (a Golden Week with its weekends) per counted stretch.
    assert (end - start).days < 7 * working_days + 14


def test_a_week_without_holidays_ends_on_friday():
    # 2025-06-09 is a Monday; that week has no holiday.
    assert publicity_end(D(2025, 6, 9), 5) == D(2025, 6, 13)
    # Starting on a Saturday: counting begins on Monday.
    assert publicity_end(D(2025, 6, 7), 5) == D(2025, 6, 13)


def test_national_day_2025_is_skipped_and_the_make_up_sunday_counts():
    # 2025: National Day and Mid-Autumn together, 10-01 (Wed) … 10-08 (Wed) off;
    # Sunday 09-28 and Saturday 10-11 are working days (调休).
    # Counted: 09-28 (Sun), 09-29, 09-30, 10-09, 10-10.
    assert publicity_end(D(2025, 9, 28), 5) == D(2025, 10, 10)
    # Starting on Saturday 09-27 (off): counting starts on the make-up Sunday.
    assert publicity_end(D(2025, 9, 27), 5) == D(2025, 10, 10)
    # Starting inside the holiday: 10-09, 10-10, 10-11 (Sat, 调休), 10-13, 10-14.
    assert publicity_end(D(2025, 10, 3), 5) == D(2025, 10, 14)


def test_spring_festival_2026_is_skipped_and_both_make_up_saturdays_count():
    # 2026: Spring Festival 02-15 (Sun) … 02-23 (Mon) off; Saturdays 02-14 and 02-28 are
    # working days (调休).
    # Counted: 02-12 (Thu), 02-13 (Fri), 02-14 (Sat), 02-24 (Tue), 02-25 (Wed).
    assert publicity_end(D(2026, 2, 12), 5) == D(2026, 2, 25)
    # Starting inside the holiday: 02-24, 02-25, 02-26, 02-27, 02-28 (Sat).
    assert publicity_end(D(2026, 2, 16), 5) == D(2026, 2, 28)
    # Seven working days from 02-24 run on past the make-up Saturday: … 02-28, 03-02, 03-03.
    assert publicity_end(D(2026, 2, 24), 7) == D(2026, 3, 3)


def test_one_working_day_on_a_working_day_ends_that_day():
    assert publicity_end(D(2025, 9, 28), 1) == D(2025, 9, 28)
    assert publicity_end(D(2025, 10, 1), 1) == D(2025, 10, 9)


def test_a_year_the_calendar_does_not_know_is_refused_with_a_chinese_message():
    with pytest.raises(CalendarNotAvailable) as caught:
        publicity_end(D(2027, 3, 1), 5)
    assert caught.value.year == 2027
    assert str(caught.value) == (
        "法定节假日安排尚无 2027 年的数据（chinese-calendar 未收录），"
        "无法按工作日计算公示截止日期；请升级 chinese-calendar 后重试。"
    )


def test_a_notice_running_into_an_unknown_year_is_refused_too():
    # Starts in a known year, but its fifth working day would be in 2027: no weekday guess.
    with pytest.raises(CalendarNotAvailable) as caught:
        publicity_end(D(2026, 12, 29), 5)
    assert caught.value.year == 2027


def test_zero_working_days_is_a_programming_error():
    with pytest.raises(ValueError):
        publicity_end(D(2025, 6, 9), 0)


def test_a_calendar_without_working_days_does_not_loop_forever():
    with pytest.raises(ValueError):
        publicity_end(D(2025, 6, 9), 1, lambda day: False)
