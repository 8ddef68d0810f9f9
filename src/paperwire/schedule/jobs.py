"""The scheduled jobs, read from settings, and the tick that enqueues the due ones."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from paperwire.lib.cron import Cron
from paperwire.schedule.models import ScheduledRun

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    name: str
    cron: Cron
    enqueue: Callable[[], object]


def configured_jobs() -> list[Job]:
    from paperwire.digests.tasks import send_digests
    from paperwire.ingest.tasks import ingest_source

    jobs = []
    if settings.INGEST_SCHEDULE:
        cron = Cron.parse(settings.INGEST_SCHEDULE)
        for spec in settings.INGEST_SOURCES:
            jobs.append(Job(f"ingest {spec}", cron,
                            lambda spec=spec: ingest_source.enqueue(spec)))
    for kind, schedule in (("daily", settings.DIGEST_DAILY_SCHEDULE),
                           ("weekly", settings.DIGEST_WEEKLY_SCHEDULE)):
        if schedule:
            jobs.append(Job(f"digest {kind}", Cron.parse(schedule),
                            lambda kind=kind: send_digests.enqueue(kind)))
    if settings.DELIVERY_SCHEDULE:
        from paperwire.deliveries.tasks import deliver

        jobs.append(Job("deliver", Cron.parse(settings.DELIVERY_SCHEDULE),
                        lambda: deliver.enqueue()))
    if settings.ENRICH_SCHEDULE:
        from paperwire.enrich.tasks import KINDS, refresh

        cron = Cron.parse(settings.ENRICH_SCHEDULE)
        for kind in KINDS:
            jobs.append(Job(f"enrich {kind}", cron, lambda kind=kind: refresh.enqueue(kind)))
    return jobs


def tick(now: datetime | None = None, jobs: list[Job] | None = None) -> list[str]:
    """Enqueue each job whose latest due time has not been enqueued yet.

    Only the latest missed firing runs (a worker that was down for a day ingests once,
    not four times). Safe with several workers: the ScheduledRun row is the claim.
    """
    now = now or timezone.now()
    tz = ZoneInfo(settings.TIME_ZONE)
    fired = []
    for job in configured_jobs() if jobs is None else jobs:
        due = job.cron.latest_at_or_before(now, tz)
        if due is None:
            continue
        try:
            with transaction.atomic():
                ScheduledRun.objects.create(job=job.name, due_at=due)
                job.enqueue()
        except IntegrityError:
            continue  # another worker (or an earlier tick) has it
        log.info("enqueued %s (due %s)", job.name, due.isoformat())
        fired.append(job.name)
    return fired


def next_runs(now: datetime | None = None) -> list[tuple[str, datetime | None]]:
    now = now or timezone.now()
    tz = ZoneInfo(settings.TIME_ZONE)
    return [(job.name, job.cron.next_after(now, tz)) for job in configured_jobs()]
