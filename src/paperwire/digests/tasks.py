"""Background work for digests, run by `paperwire worker`: the scheduled build-and-send
of a period, and the later tries of deferred digests."""

from __future__ import annotations

import logging

from django_tasks import task

log = logging.getLogger(__name__)
SEND_SHARE = 2_000  # digests one task sends before handing the rest to the next


@task()
def send_digests(kind: str) -> dict:
    """Build this period's `kind` ("daily" or "weekly") digests, then send the outbox."""
    from paperwire.digests.build import build_digests

    built = build_digests(kind)
    log.info("%s: %d digests built for %d subscribers (%d empty)", built.period,
             built.digests, built.considered, built.empty)
    return {"period": built.period, "built": built.digests, **_send()}


@task()
def send_outbox() -> dict:
    """Send what is due in the outbox (deferred digests whose time has come)."""
    return _send()


def _send() -> dict:
    from paperwire.digests.models import Delivery
    from paperwire.digests.outbox import send_due

    # A bounded share per task, then a fresh task for the rest: a worker told to stop
    # (SIGTERM finishes the task in hand) stops within one share, not after the outbox.
    report = send_due(limit=SEND_SHARE)
    if report.handled >= SEND_SHARE and Delivery.objects.due().exists():
        send_outbox.enqueue()
    else:
        schedule_retries()
    return {"sent": report.sent, "deferred": report.deferred, "failed": report.failed,
            "unknown": report.unknown, "skipped": report.skipped, "stopped": report.stopped}


def schedule_retries() -> None:
    """Queue one outbox run for when the earliest deferred digest is due, unless a run
    already waits for that moment or earlier."""
    from django_tasks_db.models import DBTaskResult

    from paperwire.digests.outbox import next_retry_at

    due = next_retry_at()
    if due is None:
        return
    waiting = DBTaskResult.objects.filter(
        task_path=send_outbox.module_path,
        status="READY", run_after__lte=due)
    if not waiting.exists():
        send_outbox.using(run_after=due).enqueue()
