"""The outbox row every sender goes through: digests by mail, deliveries by HTTP.

One abstract model holds the states and the moves between them; each outbox (the
digests' `Delivery`, the deliveries' `Send`) adds what it carries and the side effects
of an outcome. The states, and the one instant whose outcome cannot be known:

    pending ──claim──▶ claimed ──commit point──▶ sending ──accepted──▶ sent
       ▲                  │                          │
       └── lost claim ────┘                          ├─ try later ──▶ pending (later)
           (sender died)                             ├─ refused ──▶ failed
                                                     └─ no answer, or the sender
                                                        died ──▶ unknown (never resent)

The commit point is written just before the last piece of the message (SMTP's final
dot, the last byte of an HTTP body) goes out: before it the receiver holds an
incomplete message it throws away, after it the row is never sent again.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.db import connection, models, transaction
from django.db.models import F
from django.utils import timezone

from paperwire.lib.processes import process_is_gone, process_name

# A claim whose sender went quiet this long is taken back (a dead sender on this host is
# noticed at once; see OutboxQuerySet.recover).
CLAIM_LEASE = timedelta(minutes=10)


# This process as written in the rows it claims, and whether a claimant is gone.
worker_name = process_name
_process_is_gone = process_is_gone


class OutboxQuerySet(models.QuerySet):
    def due(self, now=None) -> OutboxQuerySet:
        return self.filter(status=OutboxRow.PENDING,
                           next_attempt_at__lte=now or timezone.now())

    def claim(self, limit: int, worker: str | None = None) -> tuple[str, list]:
        """Claim up to `limit` due rows for this sender: (claim token, the rows).

        PostgreSQL locks the candidates with SELECT … FOR UPDATE SKIP LOCKED, so senders
        running side by side each take different rows without waiting on one another.
        SQLite has no row locks; there the claim is one conditional UPDATE (status still
        pending), which SQLite's single writer applies atomically: a row another sender
        claimed first simply is not updated, and only rows carrying our token are ours.
        """
        token = secrets.token_hex(16)
        now = timezone.now()
        claim = {"status": OutboxRow.CLAIMED, "claim_token": token,
                 "claimed_by": worker or worker_name(), "claimed_at": now}
        with transaction.atomic():
            candidates = self.due(now).order_by("next_attempt_at", "pk")
            if connection.features.has_select_for_update_skip_locked:
                ids = list(candidates.select_for_update(skip_locked=True)
                           .values_list("pk", flat=True)[:limit])
                self.filter(pk__in=ids).update(**claim)
            else:
                ids = list(candidates.values_list("pk", flat=True)[:limit])
                self.filter(pk__in=ids, status=OutboxRow.PENDING).update(**claim)
        rows = list(self.filter(claim_token=token, status=OutboxRow.CLAIMED)
                    .select_related(*self.model.claim_related).order_by("pk"))
        return token, rows

    def release_claimed(self, token: str, ids: list[int]) -> int:
        """Give back those of `ids` still claimed under `token` (the sender stops)."""
        return self.filter(pk__in=ids, claim_token=token, status=OutboxRow.CLAIMED).update(
            status=OutboxRow.PENDING, claim_token="")

    def recover(self, now=None) -> tuple[int, int]:
        """Deal with rows left by senders that died: (claims released, sends unknown).

        A `claimed` row never reached the commit point, so the receiver holds no
        complete message for it: it goes back to pending and is sent again. A `sending`
        row may have been delivered: it becomes `unknown` and is never sent again.
        A sender is known dead when it ran on this host and its process is gone;
        elsewhere, when its claim is older than CLAIM_LEASE.
        """
        now = now or timezone.now()
        released = unknown = 0
        stale = now - CLAIM_LEASE
        for row in self.filter(status__in=[OutboxRow.CLAIMED, OutboxRow.SENDING]).only(
                "pk", "status", "claim_token", "claimed_by", "claimed_at"):
            if not (_process_is_gone(row.claimed_by) or row.claimed_at < stale):
                continue
            fence = self.filter(pk=row.pk, status=row.status, claim_token=row.claim_token)
            if row.status == OutboxRow.CLAIMED:
                released += fence.update(status=OutboxRow.PENDING, claim_token="")
            else:
                unknown += fence.update(
                    status=OutboxRow.UNKNOWN,
                    last_error="the sender stopped after handing the message over; "
                               "it may have been delivered, so it is not sent again")
        return released, unknown


class OutboxRow(models.Model):
    """One message to one receiver and how sending it went (abstract)."""

    PENDING, CLAIMED, SENDING = "pending", "claimed", "sending"
    SENT, FAILED, UNKNOWN, SKIPPED = "sent", "failed", "unknown", "skipped"
    STATUSES = [(s, s) for s in (PENDING, CLAIMED, SENDING, SENT, FAILED, UNKNOWN, SKIPPED)]
    # Set by each outbox: tries before a retryable failure counts as failed, related
    # rows the sender reads (select_related of a claim).
    max_attempts = 8
    claim_related: tuple[str, ...] = ()

    status = models.CharField(max_length=10, choices=STATUSES, default=PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    claim_token = models.CharField(max_length=32, blank=True, default="")
    claimed_by = models.CharField(max_length=100, blank=True, default="")
    claimed_at = models.DateTimeField(null=True, blank=True)
    sending_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = OutboxQuerySet.as_manager()

    class Meta:
        abstract = True

    # -- what each outbox decides ------------------------------------------------------

    def retry_delay(self) -> float:
        """Seconds before the first retry; each further one waits twice as long."""
        raise NotImplementedError

    def on_sent(self) -> None:
        """After a send was accepted."""

    def on_failed(self) -> None:
        """After a permanent refusal."""

    # -- moves of the sender; each applies only while this claim holds the row --------

    def _fenced(self, token: str, *statuses: str) -> models.QuerySet:
        return type(self).objects.filter(pk=self.pk, claim_token=token,
                                         status__in=statuses or (self.CLAIMED,))

    def mark_sending(self, token: str) -> bool:
        """The commit point: after this the message may be delivered, so it is never
        sent again. False when the claim was lost (taken back as stale)."""
        if not self._fenced(token).update(
                status=self.SENDING, sending_at=timezone.now(), attempts=F("attempts") + 1):
            return False
        self.attempts += 1
        return True

    def mark_sent(self, token: str) -> None:
        self._fenced(token, self.SENDING).update(status=self.SENT, sent_at=timezone.now(),
                                                  last_error="")
        self.on_sent()

    def mark_deferred(self, token: str, error: str, *, counted: bool,
                      retry_after: float | None = None) -> str:
        """A temporary failure: try again later with backoff (at least `retry_after`
        seconds, when the receiver said so), or give up after max_attempts. `counted`
        is False when the attempt was not yet counted (it failed before the commit
        point)."""
        attempts = self.attempts + (0 if counted else 1)
        rows = self._fenced(token, self.CLAIMED, self.SENDING)
        if attempts >= self.max_attempts:
            rows.update(status=self.FAILED, attempts=attempts,
                        last_error=f"gave up after {attempts} tries: {error}"[:500])
            return self.FAILED
        delay = self.retry_delay() * 2 ** (attempts - 1)
        if retry_after is not None:
            delay = max(delay, retry_after)
        rows.update(status=self.PENDING, attempts=attempts, claim_token="",
                    next_attempt_at=timezone.now() + timedelta(seconds=delay),
                    last_error=error[:500])
        return self.PENDING

    def mark_failed(self, token: str, error: str, *, counted: bool) -> None:
        """A permanent refusal: not retried."""
        attempts = self.attempts + (0 if counted else 1)
        if self._fenced(token, self.CLAIMED, self.SENDING).update(
                status=self.FAILED, attempts=attempts, last_error=error[:500]):
            self.on_failed()

    def mark_unknown(self, token: str, error: str) -> None:
        self._fenced(token, self.SENDING).update(status=self.UNKNOWN, last_error=error[:500])

    def mark_skipped(self, token: str, reason: str) -> None:
        self._fenced(token).update(status=self.SKIPPED, last_error=reason[:500])

    def release(self, token: str) -> None:
        """Give the row back untouched (the sender stops before trying it)."""
        self._fenced(token).update(status=self.PENDING, claim_token="")
