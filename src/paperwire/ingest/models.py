from __future__ import annotations

import hashlib
import json
from datetime import timedelta

from django.db import IntegrityError, models, transaction
from django.utils import timezone

from paperwire.lib.processes import process_is_gone, process_name

# The first this many skips are also kept on the run itself (skip_reasons), for a
# summary; every skip is an IngestSkip row.
MAX_REPORTED_SKIPS = 100
# A run stores its batch, cursor and heartbeat at least this often while it reads...
HEARTBEAT_EVERY = timedelta(seconds=30)
# ...so one whose heartbeat is older than this has lost its process (a crash, a kill, a
# machine gone) and may be resumed. Longer than a network source's longest wait for a
# page: its timeout times its tries, plus the backoff (about 3 minutes by default).
STALE_AFTER = timedelta(minutes=10)


class RunInProgress(Exception):
    """Another process is running the same source with the same parameters."""

    def __init__(self, run: IngestRun | None) -> None:
        self.run = run
        if run is None:
            message = "another ingest of this source with these parameters is running"
        else:
            age = max(0, int((timezone.now() - run.heartbeat_at).total_seconds()))
            message = (f"ingest run {run.pk} of {run.source} with these parameters is still "
                       f"running (last heartbeat {age} s ago); wait for it to finish, or "
                       f"stop it: a run with no heartbeat for "
                       f"{int(STALE_AFTER.total_seconds() // 60)} minutes is resumed")
        super().__init__(message)


class RunTakenOver(Exception):
    """This process went quiet for so long that another one resumed its run."""


def lock_key(source: str, params: dict) -> str:
    """What two runs of the same source and parameters share, and no other run does."""
    text = json.dumps([source, params], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


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

    def start(self, source: str, params: dict, *, resume: bool = True) -> IngestRun:
        """Take the lock on (source, params) as a new run, or as the latest unfinished
        one when `resume`; raise RunInProgress while a run of them has a fresh heartbeat.

        A run whose heartbeat is stale, or whose process on this host is gone (killed),
        is marked interrupted first. The `lock` column is unique, so of two processes
        starting at once one gets an IntegrityError and reports the other's run.
        """
        key = lock_key(source, params)
        now = timezone.now()
        same = self.filter(source=source, params=params)
        try:
            with transaction.atomic():
                for run in same.select_for_update().filter(status=IngestRun.RUNNING):
                    if run.heartbeat_at > now - STALE_AFTER and not process_is_gone(run.owner):
                        raise RunInProgress(run)
                    run.status, run.lock = IngestRun.INTERRUPTED, None
                    since = run.heartbeat_at.strftime("%Y-%m-%d %H:%M:%S")
                    run.error = run.error or f"no heartbeat since {since} UTC; its process is gone"
                    run.save(update_fields=["status", "lock", "error"])
                run = (same.filter(status=IngestRun.INTERRUPTED).exclude(cursor=None)
                       .order_by("-started_at").first() if resume else None)
                if run is None:
                    return self.create(source=source, params=params, lock=key,
                                       owner=process_name(), heartbeat_at=now)
                run.status, run.lock, run.error, run.heartbeat_at = (
                    IngestRun.RUNNING, key, "", now)
                run.owner, run.finished_at = process_name(), None
                run.save(update_fields=["status", "lock", "owner", "error", "heartbeat_at",
                                        "finished_at"])
                return run
        except IntegrityError:
            raise RunInProgress(self.filter(lock=key).first()) from None


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
    # lock_key(source, params) while the run is running, else NULL: unique, so one
    # source with one set of parameters is ingested by one process at a time.
    lock = models.CharField(max_length=64, null=True, blank=True, unique=True)
    # The process running it, host:pid: on this host a gone pid frees the lock at once.
    owner = models.CharField(max_length=100, blank=True, default="")

    objects = IngestRunQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["source", "-started_at"])]

    def __str__(self) -> str:
        return f"{self.source} run {self.pk} ({self.status})"

    @property
    def stored(self) -> int:
        return self.new + self.updated + self.unchanged

    def note_skip(self, where: str, reason: str) -> IngestSkip:
        """Count a skip; the IngestSkip returned is for the caller to store with its batch."""
        self.skipped += 1
        skip = IngestSkip(run=self, where=where[:200], reason=reason[:500])
        if len(self.skip_reasons) < MAX_REPORTED_SKIPS:
            self.skip_reasons.append({"where": skip.where, "reason": skip.reason})
        return skip

    def save_fenced(self) -> None:
        """Save every field and a new heartbeat, if this process still holds the run.

        Another process may resume a run whose heartbeat went stale (this one paused, or
        lost the database, for longer than STALE_AFTER); the condition on the heartbeat
        it last wrote makes this write fail then (RunTakenOver) instead of overwriting
        the new owner's counts and cursor.
        """
        beat = timezone.now()
        if self.status != self.RUNNING:
            self.lock = None
        fields = {f.attname: getattr(self, f.attname) for f in self._meta.concrete_fields
                  if not f.primary_key}
        fields["heartbeat_at"] = beat
        fence = type(self).objects.filter(pk=self.pk, status=self.RUNNING,
                                          heartbeat_at=self.heartbeat_at)
        if fence.update(**fields) != 1:
            raise RunTakenOver(f"{self} was resumed by another process after its heartbeat "
                               f"went stale; this process stops")
        self.heartbeat_at = beat


class IngestSkip(models.Model):
    """One input of a run that could not become a paper, and why (all of them)."""

    run = models.ForeignKey(IngestRun, on_delete=models.CASCADE, related_name="skips")
    where = models.CharField(max_length=200)
    reason = models.CharField(max_length=500)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.where}: {self.reason}"
