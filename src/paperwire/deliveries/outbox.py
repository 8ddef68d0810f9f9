"""`paperwire deliver`: read each due destination's feed into the outbox, then send.

1. **Collect.** For each destination that is due (an `immediate` one at every run; a
   `daily` or `weekly` one once the digests' daily or weekly schedule has come due
   since its last read; every one with `--now`), read its feed (feeds.py) and write
   one `Send` row per (destination, paper) that is not there yet. The unique
   constraint makes a second read, or a second sender, add nothing.
2. **Send**, through the digests' outbox loop (`drain`: claim → commit point → send →
   record, digests/outbox.py and outbox_rows.py). A claimed batch is grouped by
   destination into messages of the transport's size (1 item per webhook post, up to
   10 for Slack and Discord, up to 50 in one mail). Per message:
   a. the body is built and the connection made; the body goes out but its last byte
      (for email, through the digests' SMTP sender: all of DATA but its final dot);
   b. **commit point**: every row of the message `claimed` → `sending`, in one fenced
      UPDATE (if a row's claim was lost, none moves and nothing is finished);
   c. the last byte, and the answer: 2xx → `sent`; 429, 5xx or no connection →
      `pending` again after a backoff of at least its Retry-After; another refusal →
      `failed`; no answer → `unknown`.

**The ambiguous instant, and the choice made: at most once.** As with the digests, a
message whose commit point was written but whose answer never came (the sender was
killed, the receiver timed out) may or may not have arrived; its rows become `unknown`
and are never sent again. Until the commit point the receiver holds an incomplete body
(Content-Length not reached), which any HTTP server discards, so a sender killed before
it delivers nothing and the rows go out again. A duplicate therefore cannot happen; a
loss only for a sender killed in the microseconds between the commit and the last byte,
or a receiver that took the whole body but never answered. A webhook receiver wanting
more can dedupe on `X-Paperwire-Delivery` (the row's id, the same on every try).

A destination's failures are counted; an answer saying the endpoint is gone, or
DELIVERY_MAX_FAILURES failed tries in a row, pause it (its owner sees why). A feed that
cannot be read is recorded on its destination and never stops the others. A failure of
this site's own (its mail server unreachable) is shown but not counted against the
destination.
"""

from __future__ import annotations

import functools
import logging
import threading
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from paperwire.deliveries.feeds import FeedError, feed_items
from paperwire.deliveries.mail.transport import Mailer
from paperwire.deliveries.models import Destination, Send
from paperwire.deliveries.transport import Paper, transport_for
from paperwire.digests.outbox import SendReport, drain
from paperwire.lib.cron import Cron

log = logging.getLogger(__name__)
CLAIM_BATCH = 50


@dataclass
class CollectReport:
    destinations: int = 0  # read
    items: int = 0  # new rows in the outbox
    errors: list[tuple[int, str]] = field(default_factory=list)


def _latest_due(schedule: str, now: datetime) -> datetime | None:
    expression = {"daily": settings.DIGEST_DAILY_SCHEDULE or "0 0 * * *",
                  "weekly": settings.DIGEST_WEEKLY_SCHEDULE or "0 0 * * 1"}[schedule]
    return Cron.parse(expression).latest_at_or_before(now, ZoneInfo(settings.TIME_ZONE))


def is_due(destination: Destination, now: datetime) -> bool:
    if destination.schedule == Destination.IMMEDIATE or destination.collected_at is None:
        return True
    due = _latest_due(destination.schedule, now)
    return due is not None and destination.collected_at < due


def collect_due(*, force: bool = False, now: datetime | None = None) -> CollectReport:
    """Read every due destination's feed into the outbox (every active one: `force`)."""
    now = now or timezone.now()
    report = CollectReport()
    for destination in Destination.objects.filter(paused_at=None).select_related("owner"):
        if not (force or is_due(destination, now)):
            continue
        report.destinations += 1
        try:
            items, covered = feed_items(destination)
        except FeedError as e:
            _record_feed_error(destination, str(e), report)
            continue
        except Exception as e:  # one bad feed is reported; the others are read
            log.exception("reading the feed of destination %s failed", destination.pk)
            _record_feed_error(destination, f"the feed could not be read: {e}", report)
            continue
        rows = [Send(destination=destination, paper_id=item.paper_id, reason=item.reason)
                for item in items]
        before = Send.objects.filter(destination=destination).count()
        Send.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
        report.items += Send.objects.filter(destination=destination).count() - before
        Destination.objects.filter(pk=destination.pk).update(collected_at=now,
                                                             last_covered_day=covered)
    return report


def _record_feed_error(destination: Destination, error: str, report: CollectReport) -> None:
    report.errors.append((destination.pk, error))
    Destination.objects.filter(pk=destination.pk).update(
        last_error=error[:500], last_error_at=timezone.now())


def send_due(*, limit: int | None = None,
             stop: threading.Event | None = None) -> SendReport:
    """Send every due item (or `limit` of them). Must run outside a transaction."""
    report = SendReport()
    report.released, report.unknown = Send.objects.recover()
    mailer = Mailer()  # one SMTP connection for the run's mails, opened at the first
    try:
        drain(Send, functools.partial(_send_batch, mailer=mailer), report, limit=limit,
              stop=stop, batch=CLAIM_BATCH)
    finally:
        mailer.close()
    return report


def _send_batch(token: str, rows: list[Send], mailer: Mailer | None = None):
    """Send one claimed batch, message by message; yields (label, kind) per row."""
    by_destination: dict[int, list[Send]] = {}
    for row in rows:
        by_destination.setdefault(row.destination_id, []).append(row)
    for group in by_destination.values():
        destination = group[0].destination
        if not Destination.objects.filter(pk=destination.pk, paused_at=None).exists():
            continue  # paused since the claim: drain gives its rows back
        hidden = [row for row in group if row.paper.is_hidden]
        for row in hidden:  # hidden by a moderator since the feed was read
            row.mark_skipped(token, "the paper was hidden")
            yield f"{destination.kind}:{destination.pk}", "skipped"
        group = [row for row in group if not row.paper.is_hidden]
        transport = transport_for(destination, mailer)
        size = transport.batch_size
        # A success resets the failures in a row at once; otherwise only "last sent"
        # is left to write, once per destination and batch rather than per message.
        unrecorded = False
        for start in range(0, len(group), size):
            chunk = group[start:start + size]
            kind = _send_message(transport, destination, chunk, token)
            if kind == "sent":
                if destination.failures:
                    destination.record_success()
                else:
                    unrecorded = True
            for _ in chunk:
                yield f"{destination.kind}:{destination.pk}", kind
            if destination.is_paused:
                # Paused by this message's failure: the rest of its items wait in the
                # outbox, as drain gives back what it was not given.
                break
        if unrecorded:
            destination.record_success()


def _send_message(transport, destination: Destination, chunk: list[Send],
                  token: str) -> str:
    """Send one message of `chunk`'s items; the report field each row counts in."""
    committed = False

    def commit() -> bool:
        nonlocal committed
        committed = Send.mark_all_sending(chunk, token)
        return committed

    result = transport.send([Paper.of(row) for row in chunk], commit=commit)
    if result.kind == "aborted":
        return "skipped"  # another sender has the rows now
    if result.kind == "sent":
        for row in chunk:
            row.mark_sent(token)
        return "sent"
    if result.kind == "logged":  # mail is not set up: the mail went to the log
        for row in chunk:
            row.mark_logged(token, result.error)
        destination.record_note(result.error)
        return "skipped"
    log.warning("delivery to destination %s (%s): %s", destination.pk, destination.kind,
                result.error)
    if result.kind == "unknown":
        for row in chunk:
            row.mark_unknown(token, result.error)
        destination.record_failure(result.error)
        return "unknown"
    if result.kind == "deferred":
        statuses = {row.mark_deferred(token, result.error, counted=committed,
                                      retry_after=result.retry_after) for row in chunk}
        if result.site_down:
            destination.record_note(result.error)
        else:
            destination.record_failure(result.error)
        return "failed" if statuses == {Send.FAILED} else "deferred"
    for row in chunk:
        row.mark_failed(token, result.error, counted=committed)
    destination.record_failure(result.error, pause=result.gone)
    return "failed"
