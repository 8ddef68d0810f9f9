from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from paperwire.lib.cron import Cron, CronError

PARIS = ZoneInfo("Europe/Paris")


def test_it_finds_the_next_firing():
    cron = Cron.parse("15 */6 * * *")
    now = datetime(2024, 3, 1, 7, 0, tzinfo=UTC)
    assert cron.next_after(now, ZoneInfo("UTC")) == datetime(2024, 3, 1, 12, 15, tzinfo=UTC)
    assert cron.latest_at_or_before(now, ZoneInfo("UTC")) == datetime(2024, 3, 1, 6, 15,
                                                                      tzinfo=UTC)


def test_it_fires_on_weekdays_only():
    cron = Cron.parse("0 7 * * 1-5")
    saturday = datetime(2024, 3, 2, 12, 0, tzinfo=UTC)
    assert cron.next_after(saturday, ZoneInfo("UTC")) == datetime(2024, 3, 4, 7, 0, tzinfo=UTC)


def test_it_treats_seven_as_sunday():
    cron = Cron.parse("0 9 * * 7")
    assert cron.next_after(datetime(2024, 3, 1, tzinfo=UTC), ZoneInfo("UTC")).isoweekday() == 7


def test_it_is_time_zone_aware_across_a_dst_change():
    cron = Cron.parse("0 7 * * *")
    # Paris moves to summer time on 31 March 2024: 07:00 local is 06:00 then 05:00 UTC.
    before = cron.next_after(datetime(2024, 3, 30, 12, 0, tzinfo=UTC), PARIS)
    after = cron.next_after(datetime(2024, 3, 31, 12, 0, tzinfo=UTC), PARIS)
    assert before.astimezone(UTC).hour == 5  # 31 March, already summer time
    assert after.astimezone(UTC).hour == 5
    winter = cron.next_after(datetime(2024, 3, 29, 12, 0, tzinfo=UTC), PARIS)
    assert winter.astimezone(UTC).hour == 6


@pytest.mark.parametrize("expression", ["", "* * * *", "61 * * * *", "* 24 * * *",
                                        "*/0 * * * *", "a * * * *", "5-1 * * * *"])
def test_it_refuses_bad_expressions(expression):
    with pytest.raises(CronError):
        Cron.parse(expression)


@given(st.integers(0, 59), st.integers(0, 23),
       st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1)))
def test_it_brackets_any_moment_between_two_firings(minute, hour, moment):
    cron = Cron.parse(f"{minute} {hour} * * *")
    moment = moment.replace(tzinfo=UTC)
    latest = cron.latest_at_or_before(moment, ZoneInfo("UTC"))
    following = cron.next_after(moment, ZoneInfo("UTC"))
    assert latest <= moment < following
    assert (following - latest).total_seconds() <= 86_400
    assert cron.matches(latest) and cron.matches(following)
