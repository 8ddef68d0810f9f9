from datetime import date

import pytest

from paperwire.lib.periods import InvalidPeriod, Period, period_from_params


def test_it_reads_a_day_a_week_and_a_month():
    assert Period.parse("date", "2024-10-25") == Period("date", date(2024, 10, 25),
                                                        date(2024, 10, 25))
    assert Period.parse("week", "2024-W43") == Period("week", date(2024, 10, 21),
                                                      date(2024, 10, 27))
    assert Period.parse("month", "2024-02") == Period("month", date(2024, 2, 1),
                                                      date(2024, 2, 29))


def test_it_handles_iso_weeks_across_years():
    week = Period.parse("week", "2025-W01")
    assert week.start == date(2024, 12, 30)
    assert week.param == "2025-W01"
    assert Period.containing("week", date(2021, 1, 3)).param == "2020-W53"


def test_it_names_and_labels_periods():
    assert Period.containing("month", date(2023, 12, 31)).param == "2023-12"
    assert Period.containing("month", date(2023, 12, 31)).label == "December 2023"
    assert Period.day(date(2024, 1, 5)).label == "5 January 2024"
    assert Period.containing("week", date(2024, 1, 5)).label == "Week 1 of 2024"


@pytest.mark.parametrize("kind,value", [
    ("date", "2024-02-30"), ("date", "24-01-01"), ("date", "2024-1-1"),
    ("week", "2024-W54"), ("week", "2024-W00"), ("week", "2024-43"),
    ("month", "2024-13"), ("month", "2024-00"), ("month", "2024"), ("year", "2024"),
])
def test_it_refuses_what_names_no_period(kind, value):
    with pytest.raises(InvalidPeriod):
        Period.parse(kind, value)


def test_it_reads_one_period_from_parameters():
    assert period_from_params({}) is None
    assert period_from_params({"date": "", "week": "2024-W01"}).kind == "week"
    with pytest.raises(InvalidPeriod):
        period_from_params({"date": "2024-01-01", "month": "2024-01"})


@pytest.mark.parametrize("kind,value", [
    ("date", "9999-12-31"), ("week", "9999-W52"), ("month", "9999-12"), ("date", "9999-01-01"),
])
def test_it_refuses_periods_with_no_room_for_their_neighbours(kind, value):
    with pytest.raises(InvalidPeriod, match="9998 or before"):
        Period.parse(kind, value)


def test_it_steps_around_the_last_year_it_takes():
    assert Period.parse("month", "9998-12").end == date(9998, 12, 31)
    assert Period.containing("month", Period.parse("date", "9998-12-31").start).param == \
        "9998-12"
