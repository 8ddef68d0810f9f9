"""The scheduled refresh: which papers are due for a kind of fetch, and one bounded,
resumable run over them.

Papers featured within PAPERWIRE_ENRICH_DAYS of the newest featured day are enriched
(the ones readers see on the lists), never the whole corpus. A run takes at most
PAPERWIRE_ENRICH_BATCH of them, those never fetched first and then the longest ago, so a
run that was stopped (a rate limit, a worker told to stop) is picked up by the next.
Each paper's outcome is stored on its own: a fetch that fails keeps its reason and the
run goes on with the next paper.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from paperwire.papers.models import Paper

log = logging.getLogger(__name__)
MAX_ERROR = 500


class StopRun(Exception):
    """The source asked us to stop for now (its rate limit is spent); nothing is wrong
    with the paper being fetched."""


@dataclass
class RunSummary:
    kind: str
    fetched: int = 0
    failed: int = 0
    stopped: str = ""
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"kind": self.kind, "fetched": self.fetched, "failed": self.failed,
                "stopped": self.stopped, "errors": self.errors[:20]}


def enriched_papers() -> models.QuerySet:
    """The papers the refresh looks after: featured within ENRICH_DAYS of the newest
    featured day."""
    latest = Paper.objects.latest_featured_day()
    if latest is None:
        return Paper.objects.none()
    return Paper.objects.featured_between(
        latest - timedelta(days=settings.ENRICH_DAYS - 1), latest)


def due(papers: models.QuerySet, related: str, now: datetime, *,
        refetch_done: bool) -> list[Paper]:
    """Of `papers`, those whose `related` row is missing, failed longer than
    ENRICH_REFRESH_HOURS ago, or (`refetch_done`) was fetched that long ago; never
    fetched first, then the oldest."""
    cutoff = now - timedelta(hours=settings.ENRICH_REFRESH_HOURS)
    old = Q(**{f"{related}__fetched_at__lt": cutoff})
    if not refetch_done:
        old &= ~Q(**{f"{related}__error": ""})
    rows = papers.filter(Q(**{f"{related}__isnull": True}) | old).order_by(
        F(f"{related}__fetched_at").asc(nulls_first=True), "-featured_on", "arxiv_id")
    return list(rows[:settings.ENRICH_BATCH])


def run(kind: str, papers: list[Paper], fetch: Callable[[Paper], str | None],
        record_failure: Callable[[Paper, str], None]) -> RunSummary:
    """Fetch each paper in turn; a failure is recorded on its paper, a StopRun ends the
    run (the rest stay due), and so does a reason to stop that a fetch that worked
    returns (the source said it was its last request for now)."""
    summary = RunSummary(kind)
    for paper in papers:
        try:
            stop = fetch(paper)
        except StopRun as e:
            summary.stopped = str(e)
            log.warning("%s refresh stopped: %s", kind, e)
            break
        except Exception as e:  # one paper's failure never takes the run down
            reason = (str(e) or type(e).__name__)[:MAX_ERROR]
            log.warning("%s of %s failed: %s", kind, paper.arxiv_id, reason)
            record_failure(paper, reason)
            summary.failed += 1
            summary.errors.append(f"{paper.arxiv_id}: {reason}")
        else:
            summary.fetched += 1
            if stop:
                summary.stopped = stop
                log.warning("%s refresh stopped: %s", kind, stop)
                break
    return summary


def record_failure_on(model: type[models.Model], **defaults) -> Callable[[Paper, str], None]:
    """A `record_failure` that keeps the reason on the paper's `model` row, leaving
    what an earlier fetch stored as it is."""
    def record(paper: Paper, reason: str) -> None:
        row, created = model.objects.get_or_create(paper=paper, defaults={
            **defaults, "error": reason, "fetched_at": timezone.now()})
        if not created:
            model.objects.filter(pk=row.pk).update(error=reason, fetched_at=timezone.now())
    return record


def touch(paper: Paper) -> None:
    """What the paper's pages show changed: move its modified_at, which the lists'
    ETags and page cache are keyed on (front/caching.py)."""
    Paper.objects.filter(pk=paper.pk).update(modified_at=timezone.now())
