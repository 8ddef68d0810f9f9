"""The sender: claim due outbox rows, send each over SMTP, record what happened.

Each digest is delivered exactly once as the mail server sees it, whenever and however
often a sender is killed and started again. The steps for one row:

1. **Claim** it (`pending` → `claimed`, with a random claim token; models.py has the
   SKIP LOCKED / conditional UPDATE claim). Until step 3 nothing is final: a sender that
   dies leaves the row `claimed`, and the next sender takes it back (at once when the
   dead process ran on this host, else after CLAIM_LEASE) and sends it again.
2. **Hand the message over, holding back the end of DATA**: envelope, headers and body
   go to the server, all but the final dot (smtp.py). A server never delivers a message
   whose DATA did not end, so dying here delivers nothing.
3. **Commit point**: `claimed` → `sending`, a conditional UPDATE on our claim token
   (if another sender took the row back meanwhile, it updates nothing and we drop the
   connection instead of finishing). This is committed before step 4.
4. **Write the final dot** and read the reply: 250 → `sent`; 4xx → `pending` again with
   backoff; 5xx → `failed` (and one more hard failure for the address).

Policy for a row found in `sending` whose sender is gone: it is marked `unknown` and
**never sent again**. Between steps 3 and 4 the outcome cannot be known (SMTP has no way
to ask), and of the two possible mistakes this design allows only the rarer, milder one:
a message is lost only if the sender dies in the microseconds between committing step 3
and writing three bytes; a duplicate cannot happen at all. `unknown` rows are counted
and listed in the admin.
"""

from __future__ import annotations

import logging
import signal
import threading
from dataclasses import dataclass, field

from django.db.models import Min

from paperwire.digests.emails import Renderer
from paperwire.digests.models import Delivery
from paperwire.digests.outbox_rows import worker_name
from paperwire.digests.smtp import HeldDataBackend, ServerUnavailable
from paperwire.lib.mail import mail_is_set_up

log = logging.getLogger(__name__)
CLAIM_BATCH = 20
NOT_SET_UP = ("mail is not set up (PAPERWIRE_SMTP_HOST is empty); its preview is in the "
              "admin")


@dataclass
class SendReport:
    sent: int = 0
    deferred: int = 0
    failed: int = 0
    unknown: int = 0
    skipped: int = 0
    released: int = 0  # claims of dead senders taken back
    stopped: str = ""  # why the run stopped early, if it did
    outcomes: list[tuple[str, str]] = field(default_factory=list)  # (address, kind)

    @property
    def handled(self) -> int:
        return self.sent + self.deferred + self.failed + self.unknown + self.skipped


class StopSending(Exception):
    """The channel is down (the mail server cannot be reached): the rest of the batch
    goes back to the outbox untouched and the run stops, saying why."""


def drain(rows_model, send, report, *, limit: int | None = None,
          stop: threading.Event | None = None, batch: int = CLAIM_BATCH) -> None:
    """The one sending loop of every outbox: claim a batch of due rows, hand it to
    `send(token, rows)`, which yields `(label, kind)` as each row is done (kind is a
    SendReport field), until nothing is due, `limit` rows were handled, or `stop` is set.

    Rows of a batch that `send` never reached are released (only those still claimed:
    the release is fenced like every move), so stopping never loses or doubles a row.
    Must run outside a transaction: each step commits on its own.
    """
    worker = worker_name()
    while limit is None or report.handled < limit:
        if stop is not None and stop.is_set():
            report.stopped = "asked to stop"
            return
        size = batch if limit is None else min(batch, limit - report.handled)
        token, rows = rows_model.objects.claim(size, worker)
        if not rows:
            return
        outcomes = send(token, rows)
        try:
            for label, kind in outcomes:
                setattr(report, kind, getattr(report, kind) + 1)
                report.outcomes.append((label, kind))
                if stop is not None and stop.is_set():
                    report.stopped = "asked to stop"
                    break
        except StopSending as e:
            report.stopped = str(e)
            log.warning("stopping: %s", e)
        finally:
            outcomes.close()
            rows_model.objects.release_claimed(token, [row.pk for row in rows])
        if report.stopped:
            return


def send_due(*, limit: int | None = None, stop: threading.Event | None = None,
             backend: HeldDataBackend | None = None) -> SendReport:
    """Send every due digest (or `limit` of them). Must run outside a transaction:
    each step commits on its own."""
    report = SendReport()
    report.released, report.unknown = Delivery.objects.recover()
    renderer = Renderer()
    if backend is None and mail_is_set_up():
        backend = HeldDataBackend(fail_silently=False)

    def send(token: str, rows: list[Delivery]):
        for row in rows:
            try:
                kind = _send_one(row, token, renderer, backend)
            except ServerUnavailable as e:
                raise StopSending(f"mail server unavailable: {e}") from e
            yield row.subscriber.email, kind

    try:
        drain(Delivery, send, report, limit=limit, stop=stop)
    finally:
        if backend is not None:
            backend.close()
    return report


def _send_one(row: Delivery, token: str, renderer: Renderer,
              backend: HeldDataBackend | None) -> str:
    """Send one claimed row; the report field it counts in."""
    subscriber = row.subscriber
    if not subscriber.receives_mail:
        row.mark_skipped(token, f"address {subscriber.status}")
        return "skipped"
    message = renderer.message(row)
    if message is None:  # every paper in it was hidden since it was built
        row.mark_skipped(token, "nothing left to send")
        return "skipped"
    if backend is None:  # mail is not set up: the digest goes nowhere, and says so
        row.mark_skipped(token, NOT_SET_UP)
        log.warning("digest %s to %s not sent: %s", row.message_id, subscriber.email,
                    NOT_SET_UP)
        return "skipped"
    outcome = backend.send_held(message, commit=lambda: row.mark_sending(token))
    if outcome.kind == "sent":
        row.mark_sent(token)
        log.info("digest %s sent to %s", row.message_id, subscriber.email)
        return "sent"
    if outcome.kind == "aborted":
        return "skipped"  # another sender or an unsubscribe has the row now
    if outcome.kind == "unknown":
        row.mark_unknown(token, outcome.error)
        log.warning("digest %s to %s: %s", row.message_id, subscriber.email, outcome.error)
        return "unknown"
    if outcome.kind == "refused":
        row.mark_failed(token, outcome.error, counted=outcome.committed)
        log.warning("digest %s refused for %s: %s", row.message_id, subscriber.email,
                    outcome.error)
        return "failed"
    status = row.mark_deferred(token, outcome.error, counted=outcome.committed)
    log.info("digest %s to %s deferred: %s", row.message_id, subscriber.email, outcome.error)
    return "failed" if status == Delivery.FAILED else "deferred"


def next_retry_at():
    """When the earliest deferred digest is due again (None when none waits)."""
    return Delivery.objects.filter(status=Delivery.PENDING).aggregate(
        at=Min("next_attempt_at"))["at"]


def stop_on_signals() -> threading.Event:
    """An Event set by SIGTERM or SIGINT: the sender finishes the message in hand."""
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    return stop
