"""Email as a destination kind: a message's items as one mail to the owner's own
account address, through the digests' SMTP sender (digests/smtp.py), which holds the
final dot of DATA until the outbox has committed the rows as `sending`. There is one
SMTP sender in paperwire; this module only builds the mail and reads the outcome.

**Whose address.** An email destination names no address: it mails the owner's own
account address, read at each send, and only while that address is confirmed and the
account active. So it cannot be turned on a stranger's mailbox (a reader could
otherwise make the site mail anyone, and a signup with someone else's address is never
confirmed). Without a confirmed address a destination cannot be made (`refusal` says
why); one whose owner lost it since is paused at its next send, saying why.

**One mail per message**, of up to BATCH items: a feed read adds at most
feeds.MAX_ITEMS (50) items, so an `immediate` destination gets one mail per run of
`paperwire deliver`, not one per paper (two when the sender's claim batch of 50 rows
ends among them). Subject, text and HTML parts from deliveries/emails/ (the HTML
escaped by Django's templates), each item saying why it came; RFC 8058 one-click
`List-Unsubscribe` headers and a link in the body, both a signed link that pauses the
destination (views.py), and a link to the Deliveries page to resume or delete it.

**No mail server set up** (PAPERWIRE_SMTP_HOST empty): the mail is written to the
server log, as every mail of the site then is (lib/mail.py); its rows become `skipped`
saying so, and so does the destination's last error. **The mail server unreachable**
is the site's failure, not the destination's: the message waits with the usual backoff
and is not counted against the destination, and the rest of the run's mails wait
without trying the server again.
"""

from __future__ import annotations

import contextlib
import hashlib
import smtplib

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from paperwire.deliveries.transport import Paper, Result, Transport, clip
from paperwire.digests.smtp import HeldDataBackend, ServerUnavailable
from paperwire.lib.mail import LogBackend, mail_is_set_up
from paperwire.lib.urls import site_host, site_url

BATCH = 50  # items one mail holds
SUMMARY = 600  # characters of each abstract shown
SITE_NAME = "paperwire"
STOP_SALT = "paperwire.deliveries.stop"
NOT_SET_UP = ("mail is not set up on this site (PAPERWIRE_SMTP_HOST is empty): the mail "
              "was written to the server log instead of sent")
NO_ADDRESS = ("your account has no confirmed email address, so there is nowhere to "
              "mail; confirm it, then resume this destination")


def recipient(owner) -> str | None:
    """The owner's own address, while the account is active and the address confirmed
    (accounts made by an admin or the CLI, which have no profile, count as confirmed)."""
    from paperwire.community.models import needs_verification

    if not owner.is_active or not owner.email or needs_verification(owner):
        return None
    return owner.email


def refusal(owner) -> str:
    """Why `owner` cannot have an email destination, in words; "" when they can."""
    if recipient(owner) is not None:
        return ""
    if not owner.email:
        return ("Your account has no email address. Email deliveries go to your own "
                "account's address only.")
    return ("Your account's email address is not confirmed yet: confirm it with the link "
            "we mailed you, then add the email delivery. Email deliveries go to your own "
            "confirmed address only.")


# -- the signed link that pauses a destination -------------------------------------------

def _state(destination) -> str:
    # Tied to the destination's creation, so a link never opens a later destination
    # that got the same id (SQLite may reuse the highest id after a delete).
    return hashlib.blake2b(destination.created_at.isoformat().encode(),
                           digest_size=8).hexdigest()


def stop_token(destination) -> str:
    return signing.Signer(salt=STOP_SALT).sign(f"{destination.pk}.{_state(destination)}")


def check_stop(token: str):
    """The email destination a stop link names, or None (forged, stale or gone)."""
    from paperwire.deliveries.models import Destination

    try:
        value = signing.Signer(salt=STOP_SALT).unsign(token)
    except signing.BadSignature:
        return None
    pk, _, state = value.partition(".")
    if not pk.isdigit():
        return None
    destination = Destination.objects.filter(pk=int(pk), kind=Destination.EMAIL).first()
    if destination is None or _state(destination) != state:
        return None
    return destination


def stop_url(destination) -> str:
    return site_url() + reverse("pw-destination-stop", args=[stop_token(destination)])


# -- sending ----------------------------------------------------------------------------

class Mailer:
    """The SMTP connection one run of the sender shares between its email destinations,
    opened at the first mail; no backend when mail is not set up."""

    def __init__(self) -> None:
        self.backend = HeldDataBackend(fail_silently=False) if mail_is_set_up() else None
        self.down = ""  # why the server could not be used in this run, once it failed

    def close(self) -> None:
        if self.backend is not None:
            with contextlib.suppress(OSError, smtplib.SMTPException):
                self.backend.close()


class Email(Transport):
    kind = "email"
    batch_size = BATCH

    def __init__(self, destination, mailer: Mailer | None = None) -> None:
        super().__init__(destination)
        self.mailer = mailer

    def send(self, papers: list[Paper], commit, *, test: bool = False) -> Result:
        address = recipient(self.destination.owner)
        if address is None:
            return Result("failed", NO_ADDRESS, gone=True)
        message = self.message(papers, address, test=test)
        mailer = self.mailer or Mailer()
        try:
            return self._send(mailer, message, commit)
        finally:
            if mailer is not self.mailer:
                mailer.close()

    def _send(self, mailer: Mailer, message: EmailMultiAlternatives, commit) -> Result:
        if mailer.backend is None:
            if not commit():
                return Result("aborted", "the claim on these items was lost")
            LogBackend().send_messages([message])
            return Result("logged", NOT_SET_UP)
        if mailer.down:
            return Result("deferred", mailer.down, site_down=True)
        try:
            outcome = mailer.backend.send_held(message, commit=commit)
        except ServerUnavailable as e:
            mailer.down = f"the site's mail server is unavailable: {e}"
            return Result("deferred", mailer.down, site_down=True)
        if outcome.kind == "sent":
            return Result("sent")
        if outcome.kind == "aborted":
            return Result("aborted", outcome.error)
        if outcome.kind == "deferred":
            return Result("deferred", outcome.error)
        if outcome.kind == "unknown":
            return Result("unknown", f"{outcome.error}; it may have arrived, so it is not "
                                     "sent again")
        return Result("failed", f"the mail server refused it: {outcome.error}")

    # -- the mail ------------------------------------------------------------------------

    def subject(self, papers: list[Paper], *, test: bool) -> str:
        name = self.destination.feed_name
        if test:
            subject = f"Test message from {SITE_NAME}: {name}"
        elif len(papers) == 1:
            subject = f"{name}: {clip(papers[0].title, 120)}"
        else:
            subject = f"{name}: {len(papers)} new papers"
        return " ".join(subject.split())  # no line breaks in a header, whatever the feed

    def message(self, papers: list[Paper], address: str, *,
                test: bool = False) -> EmailMultiAlternatives:
        destination = self.destination
        stop = stop_url(destination)
        context = {
            "site_name": SITE_NAME, "site_url": site_url(), "test": test,
            "feed_name": destination.feed_name, "count": len(papers),
            "schedule": destination.get_schedule_display().lower(), "address": address,
            "items": [{"paper": p, "summary": clip(p.summary, SUMMARY)} for p in papers],
            "stop_url": stop, "manage_url": site_url() + reverse("pw-deliveries"),
        }
        host = site_host()
        headers = {
            # The same on every try of one message: its first item and its size.
            "Message-ID": f"<delivery.{destination.pk}.{papers[0].delivery}."
                          f"{len(papers)}@{host}>",
            "List-Unsubscribe": f"<{stop}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "List-Id": f"{SITE_NAME} deliveries <deliveries.{host}>",
            "Auto-Submitted": "auto-generated",  # RFC 3834: no vacation auto-replies
        }
        message = EmailMultiAlternatives(
            self.subject(papers, test=test),
            render_to_string("deliveries/emails/items-body.txt", context),
            settings.DEFAULT_FROM_EMAIL, [address], headers=headers)
        message.attach_alternative(render_to_string("deliveries/emails/items-body.html",
                                                    context), "text/html")
        return message
