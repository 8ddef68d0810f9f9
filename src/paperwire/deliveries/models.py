"""Destinations and the outbox of what each was sent.

A destination is one reader's webhook, Slack incoming webhook, Discord webhook or email
(to the reader's own confirmed address: mail/transport.py), the feed it receives
("daily", "trending", "for-you", "topic:<query>", "collection:<slug>") and how often.
Each item of a feed becomes one `Send` row per (destination, paper) under a unique
constraint *before* anything is sent, so an item reaches a destination once however
often the feed is read again; the rows then move through the outbox's
states (digests/outbox_rows.py), as the digests' rows do, and the sender's steps are in
deliveries/outbox.py.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import models, transaction
from django.db.models import F
from django.utils import timezone

from paperwire.digests.outbox_rows import OutboxQuerySet, OutboxRow

MAX_DESTINATIONS = 20  # per reader
MAX_FEED = 300
MAX_TOPIC = 200
MAX_REASON = 300


class DestinationError(ValueError):
    """A destination that cannot be made as asked, with the reason in words."""


class DestinationQuerySet(models.QuerySet):
    def owned_by(self, user) -> DestinationQuerySet:
        return self.filter(owner=user)

    def create_for(self, owner, *, kind: str, url: str, feed: str,
                   schedule: str = "immediate") -> Destination:
        """A new destination of `owner`'s, every input checked (the URL resolved to a
        public address unless PAPERWIRE_WEBHOOK_ALLOW_PRIVATE; for email, no URL: the
        owner's own confirmed address); DestinationError says what is wrong."""
        from paperwire.deliveries.feeds import FeedError, clean_feed
        from paperwire.deliveries.mail.transport import refusal
        from paperwire.lib.http import UnsafeUrl, check_post_url

        if kind not in dict(Destination.KINDS):
            raise DestinationError("The kind is webhook, slack, discord or email.")
        if schedule not in dict(Destination.SCHEDULES):
            raise DestinationError("The schedule is immediate, daily or weekly.")
        url = (url or "").strip()
        if kind == Destination.EMAIL:
            url = ""  # an email destination mails its owner, never an address given
            why = refusal(owner)
            if why:
                raise DestinationError(why)
        elif not url:
            raise DestinationError("Give the URL to post to: your endpoint, a Slack "
                                   "incoming webhook or a Discord webhook URL.")
        try:
            if url:
                check_post_url(url, allow_private=settings.WEBHOOK_ALLOW_PRIVATE)
            feed = clean_feed(feed, owner)
        except (UnsafeUrl, FeedError) as e:
            raise DestinationError(str(e)) from None
        with transaction.atomic():
            # Serialise one owner's creations, so two at once cannot pass the bound.
            get_user_model().objects.select_for_update().filter(pk=owner.pk).first()
            if self.filter(owner=owner).count() >= MAX_DESTINATIONS:
                raise DestinationError(f"You have {MAX_DESTINATIONS} destinations, the "
                                       "most one reader may have.")
            return self.create(owner=owner, kind=kind, url=url, feed=feed,
                               schedule=schedule, secret=Destination.new_secret())


class Destination(models.Model):
    WEBHOOK, SLACK, DISCORD, EMAIL = "webhook", "slack", "discord", "email"
    KINDS = [(WEBHOOK, "Webhook (signed JSON)"), (SLACK, "Slack incoming webhook"),
             (DISCORD, "Discord webhook"), (EMAIL, "Email to your own address")]
    IMMEDIATE, DAILY, WEEKLY = "immediate", "daily", "weekly"
    SCHEDULES = [(IMMEDIATE, "As soon as they appear"), (DAILY, "Daily"),
                 (WEEKLY, "Weekly")]

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                              related_name="destinations")
    kind = models.CharField(max_length=10, choices=KINDS)
    # Empty for email, which goes to the owner's own address (read at each send).
    url = models.CharField(max_length=2000, blank=True)
    # "daily", "trending", "for-you", "topic:<query>" or "collection:<slug>".
    feed = models.CharField(max_length=MAX_FEED)
    schedule = models.CharField(max_length=10, choices=SCHEDULES, default=IMMEDIATE)
    # Signs each webhook body (HMAC-SHA256); shown to the owner once, when made.
    secret = models.CharField(max_length=64, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    # When the feed was last read into the outbox, and the newest featured day it
    # covered then (the next read starts the day after).
    collected_at = models.DateTimeField(null=True, blank=True)
    last_covered_day = models.DateField(null=True, blank=True)
    # Failed tries in a row; DELIVERY_MAX_FAILURES of them pause the destination.
    failures = models.PositiveSmallIntegerField(default=0)
    paused_at = models.DateTimeField(null=True, blank=True)
    paused_reason = models.CharField(max_length=500, blank=True, default="")
    last_sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True, default="")
    last_error_at = models.DateTimeField(null=True, blank=True)
    last_test_at = models.DateTimeField(null=True, blank=True)
    last_test_result = models.CharField(max_length=500, blank=True, default="")

    objects = DestinationQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.owner} ({self.feed})"

    @staticmethod
    def new_secret() -> str:
        return secrets.token_hex(32)

    @property
    def is_paused(self) -> bool:
        return self.paused_at is not None

    @property
    def feed_name(self) -> str:
        from paperwire.deliveries.feeds import feed_name, owned_follow

        kind, _, arg = self.feed.partition(":")
        if kind == "follow" and arg.isdigit():
            follow = owned_follow(self.owner, int(arg))
            if follow is not None:
                return f"Follow: {follow.get_kind_display().lower()} {follow.value}"
        return feed_name(self.feed)

    @property
    def is_email(self) -> bool:
        return self.kind == self.EMAIL

    @property
    def url_shown(self) -> str:
        """The URL with its path cut: Slack and Discord keep their tokens there."""
        from urllib.parse import urlsplit

        if not self.url:
            return ""
        parts = urlsplit(self.url)
        return f"{parts.scheme}://{parts.netloc}/…" if parts.path.strip("/") else self.url

    def pause(self, reason: str) -> None:
        now = timezone.now()
        Destination.objects.filter(pk=self.pk, paused_at=None).update(
            paused_at=now, paused_reason=reason[:500])
        self.paused_at, self.paused_reason = now, reason[:500]

    def resume(self) -> None:
        Destination.objects.filter(pk=self.pk).update(paused_at=None, paused_reason="",
                                                      failures=0)
        self.paused_at, self.paused_reason, self.failures = None, "", 0

    def send_test(self) -> str:
        """Send a test message through the destination's transport; the result in
        words, also kept on the destination."""
        from paperwire.deliveries.transport import transport_for

        result = transport_for(self).send_test()
        text = "Delivered." if result.kind == "sent" else f"Not delivered: {result.error}"
        now = timezone.now()
        Destination.objects.filter(pk=self.pk).update(last_test_at=now,
                                                      last_test_result=text[:500])
        self.last_test_at, self.last_test_result = now, text[:500]
        return text

    def record_success(self) -> None:
        now = timezone.now()
        Destination.objects.filter(pk=self.pk).update(last_sent_at=now, failures=0)
        self.last_sent_at, self.failures = now, 0

    def record_note(self, error: str) -> None:
        """Show `error` as the last error without counting a failure: what went wrong
        was not the destination's doing (this site's mail server, say)."""
        now = timezone.now()
        Destination.objects.filter(pk=self.pk).update(last_error=error[:500],
                                                      last_error_at=now)
        self.last_error, self.last_error_at = error[:500], now

    def record_failure(self, error: str, *, pause: bool = False) -> None:
        """One more failed try; the destination pauses when told to (the endpoint is
        gone) or after DELIVERY_MAX_FAILURES in a row."""
        now = timezone.now()
        with transaction.atomic():
            Destination.objects.filter(pk=self.pk).update(
                failures=F("failures") + 1, last_error=error[:500], last_error_at=now)
            failures = Destination.objects.values_list("failures", flat=True).get(pk=self.pk)
        self.failures, self.last_error, self.last_error_at = failures, error[:500], now
        if pause:
            self.pause(f"Paused: {error}")
        elif failures >= settings.DELIVERY_MAX_FAILURES:
            self.pause(f"Paused after {failures} failed tries in a row; the last: {error}")


class SendQuerySet(OutboxQuerySet):
    def due(self, now=None) -> SendQuerySet:
        # A paused destination's items wait in the outbox until it is resumed.
        return super().due(now).filter(destination__paused_at=None)


class Send(OutboxRow):
    """One item of a destination's feed: a paper, why it came, and how sending went."""

    claim_related = ("destination", "paper")

    destination = models.ForeignKey(Destination, on_delete=models.CASCADE,
                                    related_name="sends")
    paper = models.ForeignKey("papers.Paper", on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=MAX_REASON)

    objects = SendQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["destination", "paper"],
                                    name="send_once_per_destination"),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"],
                                name="deliveries_send_due_idx")]

    def __str__(self) -> str:
        return f"paper {self.paper_id} to destination {self.destination_id}"

    def retry_delay(self) -> float:
        return settings.DELIVERY_RETRY_DELAY

    def mark_logged(self, token: str, reason: str) -> None:
        """Past the commit point, the mail went to the server log (mail not set up)."""
        self._fenced(token, self.SENDING).update(status=self.SKIPPED, last_error=reason[:500])

    @staticmethod
    def mark_all_sending(rows: list[Send], token: str) -> bool:
        """The commit point of one message holding several rows: all of them move to
        `sending` together, or none does (a claim was lost)."""
        ids = [row.pk for row in rows]
        with transaction.atomic():
            moved = Send.objects.filter(pk__in=ids, claim_token=token,
                                        status=Send.CLAIMED).update(
                status=Send.SENDING, sending_at=timezone.now(),
                attempts=F("attempts") + 1)
            if moved != len(ids):
                transaction.set_rollback(True)
                return False
        for row in rows:
            row.attempts += 1
        return True

