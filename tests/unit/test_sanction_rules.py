"""The influence window of a sanction against an independent model: dateutil's month
arithmetic (which clamps to the month's end) for the window, and a day-by-day walk for
the overlap with a period."""

import datetime

from dateutil.relativedelta import relativedelta
from hypothesis import given
from hypothesis import strategies as st

from jixiao.assessment.models import period_dates
from jixiao.assessment.sanction_rules import influence_end, months_later, overlaps, veto_text

days = st.dates(min_value=datetime.date(2000, 1, 1), max_value=datetime.date(2040, 12, 31))
months = st.one_of(st.none(), st.integers(min_value=0, max_value=60))
lifting = st.one_of(st.none(), st.integers(min_value=0, max_value=3000))
half_years = st.builds(lambda year, half: f"{year}H{half}", st.integers(2000, 2045), st.sampled_from([1, 2]))


def model_end(decided, months, lifted):
    """The rule as the issue states it, computed another way."""
    if lifted is not None:
        return lifted
    if months is None:
        return None
    return decided + relativedelta(months=months) - datetime.timedelta(days=1)


def model_overlaps(decided, end, start, stop):
    """Walk the period day by day: is one of its days inside the window?"""
    day = start
    while day <= stop:
        if decided <= day and (end is None or day <= end):
            return True
        day += datetime.timedelta(days=1)
    return False


@given(days, months, lifting)
def test_the_window_ends_where_the_model_says(decided, months, lifted_after):
    lifted = None if lifted_after is None else decided + datetime.timedelta(days=lifted_after)
    assert influence_end(decided, months, lifted) == model_end(decided, months, lifted)


@given(days, st.integers(min_value=0, max_value=600))
def test_months_later_is_the_same_day_clamped_to_the_month(day, count):
    later = months_later(day, count)
    assert later == day + relativedelta(months=count)
    assert (later.year * 12 + later.month) - (day.year * 12 + day.month) == count
    assert later.day == day.day or (later.day < day.day and (later + datetime.timedelta(days=1)).day == 1)


@given(days, months, lifting, half_years)
def test_a_period_is_vetoed_when_the_window_shares_a_day_with_it(decided, months, lifted_after, code):
    lifted = None if lifted_after is None else decided + datetime.timedelta(days=lifted_after)
    start, stop = period_dates(code)
    end = influence_end(decided, months, lifted)
    assert overlaps(decided, end, start, stop) == model_overlaps(decided, end, start, stop)


def test_the_windows_the_rules_name():
    # 记过 12 months from 2023-03-15: to 2024-03-14, so 2023H1, 2023H2 and 2024H1.
    end = influence_end(datetime.date(2023, 3, 15), 12, None)
    assert end == datetime.date(2024, 3, 14)
    vetoed = [
        code
        for code in ("2022H2", "2023H1", "2023H2", "2024H1", "2024H2")
        if overlaps(datetime.date(2023, 3, 15), end, *period_dates(code))
    ]
    assert vetoed == ["2023H1", "2023H2", "2024H1"]
    # Decided on 31 August with six months: the same day is 29 February 2024 (clamped).
    assert influence_end(datetime.date(2023, 8, 31), 6, None) == datetime.date(2024, 2, 28)
    # A window ending on 30 June does not touch the second half-year; one ending 1 July does.
    assert not overlaps(datetime.date(2023, 1, 1), datetime.date(2023, 6, 30), *period_dates("2023H2"))
    assert overlaps(
        datetime.date(2023, 1, 2), influence_end(datetime.date(2023, 1, 2), 6, None), *period_dates("2023H2")
    )
    # An open investigation touches every later period; its lifting date ends it.
    assert overlaps(datetime.date(2020, 5, 1), None, *period_dates("2040H2"))
    assert influence_end(datetime.date(2020, 5, 1), None, datetime.date(2021, 1, 1)) == datetime.date(
        2021, 1, 1
    )


def test_the_veto_names_the_sanction_and_its_window():
    assert veto_text("记过", datetime.date(2023, 3, 15), datetime.date(2024, 3, 14)) == (
        "记过（2023年3月15日起，影响期至2024年3月14日）"
    )
    assert (
        veto_text("立案审查调查", datetime.date(2023, 3, 15), None)
        == "立案审查调查（2023年3月15日起，尚未解除）"
    )
