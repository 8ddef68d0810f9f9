"""Digests on a schedule: the scheduler enqueues them at their cron times in the site's
time zone, the task builds and sends, and deferred digests get a later run."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from paperwire.digests.models import Delivery
from paperwire.digests.tasks import send_digests, send_outbox
from paperwire.digests.tests.conftest import BASE_URL, DAY, make_paper, make_subscriber
from paperwire.schedule.jobs import tick
from paperwire.schedule.models import ScheduledRun


@pytest.fixture
def schedules(settings):
    settings.TIME_ZONE = "Europe/Paris"
    settings.INGEST_SOURCES = []
    settings.DIGEST_DAILY_SCHEDULE = "0 7 * * 1-5"
    settings.DIGEST_WEEKLY_SCHEDULE = "0 7 * * 1"


@pytest.mark.django_db
def test_the_scheduler_enqueues_digests_at_their_local_times(schedules, time_machine):
    # A worker starting at 06:59 on a Friday sends the latest digests it missed:
    # Thursday's daily and Monday's weekly.
    time_machine.move_to(datetime(2024, 10, 25, 4, 59, tzinfo=UTC), tick=False)
    assert tick() == ["digest daily", "digest weekly"]
    time_machine.move_to(datetime(2024, 10, 25, 5, 0, tzinfo=UTC), tick=False)  # 07:00
    assert tick() == ["digest daily"]
    assert tick() == []
    assert list(ScheduledRun.objects.filter(job="digest daily")
                .values_list("due_at", flat=True)) == [
        datetime(2024, 10, 25, 5, 0, tzinfo=UTC), datetime(2024, 10, 24, 5, 0, tzinfo=UTC)]
    assert ScheduledRun.objects.get(job="digest weekly").due_at == \
        datetime(2024, 10, 21, 5, 0, tzinfo=UTC)
    assert sorted(r.args_kwargs["args"][0] for r in DBTaskResult.objects.all()) == \
        ["daily", "daily", "weekly"]
    # Saturday: no daily digest.
    time_machine.move_to(datetime(2024, 10, 26, 5, 0, tzinfo=UTC), tick=False)
    assert tick() == []


@pytest.mark.django_db
def test_the_task_builds_sends_and_queues_a_retry(smtp, frozen):
    make_paper("2410.00001", DAY, "Breaking the Memory Barrier")
    make_subscriber("alice@example.org")
    make_subscriber("bob@example.org")
    smtp.rcpt_answers["bob@example.org"] = ["450 4.2.1 Mailbox busy"]

    result = send_digests.call("daily")
    assert result == {"period": "daily:2024-10-25", "built": 2, "sent": 1, "deferred": 1,
                      "failed": 0, "unknown": 0, "skipped": 0, "stopped": ""}
    retry = DBTaskResult.objects.get(task_path=send_outbox.module_path)
    assert retry.run_after == timezone.now() + timedelta(seconds=300)

    frozen.shift(300)
    assert send_outbox.call()["sent"] == 1
    assert sorted(m["To"] for m in smtp.messages) == ["alice@example.org", "bob@example.org"]
    assert set(Delivery.objects.values_list("status", flat=True)) == {Delivery.SENT}


@pytest.mark.django_db
def test_a_task_sends_a_share_and_leaves_the_rest_to_the_next(smtp, frozen, settings):
    settings.DIGEST_SEND_SHARE = 2
    make_paper("2410.00001", DAY)
    for n in range(3):
        make_subscriber(f"reader{n}@example.org")

    assert send_digests.call("daily")["sent"] == 2
    follow_up = DBTaskResult.objects.get(task_path=send_outbox.module_path)
    assert follow_up.run_after <= timezone.now() or follow_up.run_after.year == 9999
    assert send_outbox.call()["sent"] == 1
    assert len(smtp.messages) == 3


@pytest.mark.timeout(300)
def test_worker_once_sends_the_due_digests(cli, smtp):
    cli.env.update({"PAPERWIRE_SMTP_HOST": "127.0.0.1", "PAPERWIRE_SMTP_PORT": str(smtp.port),
                    "PAPERWIRE_BASE_URL": BASE_URL,
                    "PAPERWIRE_DIGEST_DAILY_SCHEDULE": "* * * * *"})
    make_paper("2410.00001", timezone.localdate() - timedelta(days=1), "Yesterday's paper")
    make_subscriber("alice@example.org")

    result = cli("worker", "--once", check=True)
    assert "digest daily" in result.stdout + result.stderr
    [digest] = smtp.wait_for(1)
    assert digest["To"] == "alice@example.org"
    assert Delivery.objects.get().status == Delivery.SENT
