"""Which featured days a digest covers, and the outbox rows a run writes."""

from datetime import date, timedelta

import pytest

from paperwire.digests.build import build_digests, message_id, period_key, window_for
from paperwire.digests.models import Delivery, Subscriber
from paperwire.digests.tests.conftest import DAY, NOW, make_paper, make_subscriber
from paperwire.papers.models import Paper

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]


def test_the_first_digest_covers_the_latest_featured_day():
    make_paper("2410.00001", DAY - timedelta(days=1), "Wednesday's paper", upvotes=50)
    make_paper("2410.00002", DAY, "Thursday's paper", upvotes=5)
    alice = make_subscriber("alice@example.org")

    report = build_digests("daily")
    assert report.period == "daily:2024-10-25"
    assert report.digests == 1
    row = Delivery.objects.get()
    assert (row.subscriber, row.first_day, row.last_day) == (alice, DAY, DAY)
    assert row.content["trending"] == [Paper.objects.get(arxiv_id="2410.00002").pk]
    assert row.status == Delivery.PENDING
    assert row.message_id == f"<digest.daily.2024-10-25.{alice.pk}@papers.example.org>"
    alice.refresh_from_db()
    assert alice.last_covered_day == DAY


def test_a_later_digest_covers_what_was_featured_since_the_last():
    make_paper("2410.00001", DAY - timedelta(days=3), "Monday")
    make_paper("2410.00002", DAY - timedelta(days=2), "Tuesday")
    make_paper("2410.00003", DAY, "Thursday")
    make_subscriber("alice@example.org", last_covered_day=DAY - timedelta(days=3))

    build_digests("daily")
    row = Delivery.objects.get()
    assert (row.first_day, row.last_day) == (DAY - timedelta(days=2), DAY)
    assert len(row.content["trending"]) == 2  # Tuesday's and Thursday's


def test_a_day_still_being_featured_waits_for_the_next_digest():
    make_paper("2410.00001", DAY, "Thursday")
    make_paper("2410.00002", NOW.date(), "Friday, still being featured")
    make_subscriber("alice@example.org")

    build_digests("daily")
    assert Delivery.objects.get().last_day == DAY


def test_nothing_new_writes_nothing():
    make_paper("2410.00001", DAY)
    make_subscriber("alice@example.org", last_covered_day=DAY)

    report = build_digests("daily")
    assert (report.digests, report.up_to_date) == (0, 1)
    assert not Delivery.objects.exists()


def test_an_empty_digest_is_not_written_but_its_days_are_covered():
    make_paper("2410.00001", DAY)
    alice = make_subscriber("alice@example.org", trending_count=0)  # no alerts, no picks

    report = build_digests("daily")
    assert (report.digests, report.empty) == (0, 1)
    assert not Delivery.objects.exists()
    alice.refresh_from_db()
    assert alice.last_covered_day == DAY


def test_building_again_in_the_same_period_writes_no_second_row():
    make_paper("2410.00001", DAY)
    make_subscriber("alice@example.org")
    build_digests("daily")
    Subscriber.objects.update(last_covered_day=None)  # as if the first run had crashed

    report = build_digests("daily")
    assert report.digests == 0 and report.considered == 0
    assert Delivery.objects.count() == 1


def test_only_confirmed_active_subscribers_of_that_frequency_get_one():
    make_paper("2410.00001", DAY)
    make_subscriber("daily@example.org")
    make_subscriber("weekly@example.org", frequency="weekly")
    make_subscriber("pending@example.org", confirmed_at=None)
    make_subscriber("gone@example.org", unsubscribed_at=NOW)
    make_subscriber("bouncing@example.org", hard_failures=3)

    build_digests("daily")
    assert [d.subscriber.email for d in Delivery.objects.all()] == ["daily@example.org"]
    build_digests("weekly")
    assert Delivery.objects.get(period="weekly:2024-W43").subscriber.email == \
        "weekly@example.org"


def test_a_weekly_digest_covers_the_week_since_the_last_one():
    for n in range(7):
        make_paper(f"2410.{n:05d}", DAY - timedelta(days=n), upvotes=n)
    make_subscriber("weekly@example.org", frequency="weekly",
                    last_covered_day=DAY - timedelta(days=7))

    build_digests("weekly")
    row = Delivery.objects.get()
    assert (row.first_day, row.last_day) == (DAY - timedelta(days=6), DAY)
    assert len(row.content["trending"]) == 7


def test_trending_keeps_the_subscribers_count_in_trending_order():
    for n in range(5):
        make_paper(f"2410.{n:05d}", DAY, f"Paper with {n} votes", upvotes=n)
    make_subscriber("alice@example.org", trending_count=3)

    build_digests("daily")
    trending = Delivery.objects.get().content["trending"]
    titles = [Paper.objects.get(pk=pk).title for pk in trending]
    assert titles == ["Paper with 4 votes", "Paper with 3 votes", "Paper with 2 votes"]


def test_hidden_papers_stay_out():
    make_paper("2410.00001", DAY, "Shown")
    make_paper("2410.00002", DAY, "Hidden", is_hidden=True, upvotes=100)
    make_subscriber("alice@example.org")

    build_digests("daily")
    assert len(Delivery.objects.get().content["trending"]) == 1


def test_a_dry_run_writes_nothing():
    make_paper("2410.00001", DAY)
    alice = make_subscriber("alice@example.org")

    report = build_digests("daily", dry_run=True)
    assert report.digests == 1 and report.samples[0][0] == "alice@example.org"
    assert not Delivery.objects.exists()
    alice.refresh_from_db()
    assert alice.last_covered_day is None


def test_periods_windows_and_message_ids():
    assert period_key("daily", date(2024, 10, 25)) == "daily:2024-10-25"
    assert period_key("weekly", date(2024, 10, 28)) == "weekly:2024-W44"
    assert window_for(None, None) is None
    long_ago = window_for(date(2024, 1, 1), DAY)
    assert (long_ago.first, long_ago.last, long_ago.days) == (date(2024, 9, 24), DAY, 31)
    assert message_id("weekly:2024-W44", 7) == "<digest.weekly.2024-W44.7@papers.example.org>"
