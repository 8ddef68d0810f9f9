"""Background ingestion: the scheduled sources, run by `paperwire worker`."""

from __future__ import annotations

import logging
from datetime import date, timedelta

from django.conf import settings
from django.utils import timezone
from django_tasks import task

from paperwire.conf import ConfigError

log = logging.getLogger(__name__)
MAX_RETRIES = 6
# How far back a scheduled run looks; re-ingesting is idempotent, so overlap is free.
LOOKBACK_DAYS = 2


def source_for_spec(spec: str, today: date | None = None):
    """`daily`, `arxiv:cs.CL,cs.LG` or `oai:cs` as a source over the last few days."""
    from paperwire.ingest.arxiv import ArxivSource
    from paperwire.ingest.daily import DailyEndpointSource
    from paperwire.ingest.oai import OaiSource

    today = today or timezone.localdate()
    start = today - timedelta(days=LOOKBACK_DAYS)
    kind, _, arg = spec.partition(":")
    if kind == "daily" and not arg:
        return DailyEndpointSource(start, today)
    if kind == "arxiv" and arg:
        return ArxivSource(categories=arg.split(","), start=start, end=today)
    if kind == "oai":
        return OaiSource(set_spec=arg or None, from_date=start)
    raise ConfigError(f"unknown ingest source {spec!r}: use daily, arxiv:CATS or oai[:SET]")


@task()
def ingest_source(spec: str, attempt: int = 0) -> dict:
    """Run one scheduled source; when it cannot be read, try again later with backoff."""
    from paperwire.ingest.models import RunInProgress
    from paperwire.ingest.runner import run_ingest
    from paperwire.search.tasks import enqueue_embedding

    try:
        result = run_ingest(source_for_spec(spec), resume=False, after_batch=enqueue_embedding)
    except RunInProgress as e:
        # Someone runs the same ingest by hand: theirs covers this one.
        log.info("%s: %s", spec, e)
        return {"run": e.run.pk if e.run else None, "status": "already running"}
    run = result.run
    summary = {"run": run.pk, "status": run.status, "new": run.new, "updated": run.updated,
               "skipped": run.skipped, "error": run.error}
    if not result.ok and attempt < MAX_RETRIES:
        delay = timedelta(seconds=settings.INGEST_RETRY * 2 ** attempt)
        ingest_source.using(run_after=timezone.now() + delay).enqueue(spec, attempt + 1)
        summary["retry_in_seconds"] = int(delay.total_seconds())
        log.warning("%s could not be read (%s); retrying in %s", spec, run.error, delay)
    return summary
