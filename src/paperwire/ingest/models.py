from __future__ import annotations

from django.db import models
from django.utils import timezone

MAX_REPORTED_SKIPS = 100


class IngestRunQuerySet(models.QuerySet):
    def resumable(self, source: str, params: dict) -> IngestRun | None:
        """The latest run of the same source and parameters that did not finish."""
        return (
            self.filter(source=source, params=params)
            .filter(status__in=[IngestRun.RUNNING, IngestRun.INTERRUPTED])
            .exclude(cursor=None)
            .order_by("-started_at")
            .first()
        )


    def latest_per_source(self) -> dict[str, IngestRun]:
        """The most recent run of each source, for status displays."""
        latest: dict[str, IngestRun] = {}
        for source in self.values_list("source", flat=True).distinct():
            run = self.filter(source=source).order_by("-started_at").first()
            if run is not None:
                latest[source] = run
        return latest


class IngestRun(models.Model):
    RUNNING, FINISHED, INTERRUPTED, FAILED = "running", "finished", "interrupted", "failed"
    STATUSES = [(s, s) for s in (RUNNING, FINISHED, INTERRUPTED, FAILED)]

    source = models.CharField(max_length=20)
    params = models.JSONField(default=dict)
    status = models.CharField(max_length=12, choices=STATUSES, default=RUNNING)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(default=timezone.now)
    new = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    # The first MAX_REPORTED_SKIPS skips as {"where": ..., "reason": ...}.
    skip_reasons = models.JSONField(default=list, blank=True)
    # Where a re-run continues: a line number, a resumption token, a page start...
    cursor = models.JSONField(null=True, blank=True)
    error = models.TextField(blank=True, default="")

    objects = IngestRunQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["source", "-started_at"])]

    def __str__(self) -> str:
        return f"{self.source} run {self.pk} ({self.status})"

    @property
    def stored(self) -> int:
        return self.new + self.updated + self.unchanged

    def note_skip(self, where: str, reason: str) -> None:
        self.skipped += 1
        if len(self.skip_reasons) < MAX_REPORTED_SKIPS:
            self.skip_reasons.append({"where": where, "reason": reason[:500]})
