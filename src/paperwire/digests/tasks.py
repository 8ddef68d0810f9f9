"""Background work for digests, run by `paperwire worker`: the scheduled build-and-send
of a period, and the later tries of deferred digests."""

from __future__ import annotations

import logging

from django_tasks import task

log = logging.getLogger(__name__)


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
    from django.conf import settings

    from paperwire.digests.models import Delivery
    from paperwire.digests.outbox import send_due

    # A bounded share per task, then a fresh task for the rest: a worker told to stop
    # (SIGTERM finishes the task in hand) stops within one share, not after the outbox.
    # While more than a share is due, the next task is queued before this one sends, so
    # another worker starts on it at once (the outbox claim keeps their rows apart) and
    # N workers send side by side instead of handing one share after another.
    share = settings.DIGEST_SEND_SHARE
    queued = Delivery.objects.due()[share:share + 1].exists()
    if queued:
        send_outbox.enqueue()
    report = send_due(limit=share)
    if report.handled >= share and not queued and Delivery.objects.due().exists():
        send_outbox.enqueue()
    else:
        # Also after queueing: the queued task may have finished before this one
        # deferred a digest.
        schedule_retries()
    return {"sent": report.sent, "deferred": report.deferred, "failed": report.failed,
            "unknown": report.unknown, "skipped": report.skipped, "stopped": report.stopped}


def schedule_retries() -> None:
    """Queue one outbox run for when the earliest deferred digest is due, unless a run
    already waits for that moment or earlier."""
    from django.db.models import Q
    from django_tasks_db.models import DBTaskResult, get_date_max

    from paperwire.digests.outbox import next_retry_at

    due = next_retry_at()
    if due is None:
        return
    # A task queued to run at once is stored with the largest date as its run_after.
    waiting = DBTaskResult.objects.filter(
        Q(run_after__lte=due) | Q(run_after=get_date_max()),
        task_path=send_outbox.module_path, status="READY")
    if not waiting.exists():
        send_outbox.using(run_after=due).enqueue()
