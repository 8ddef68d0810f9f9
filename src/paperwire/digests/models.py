"""Subscribers, their saved searches, and the outbox of digests.

A digest is written to the outbox as one Delivery row per (subscriber, period) under a
unique constraint *before* anything is sent, then moved through its states by the
sender (see outbox.py for the order of steps and why a crash never sends twice):

    pending ──claim──▶ claimed ──commit point──▶ sending ──250──▶ sent
       ▲                  │                          │
       └── 4xx / lost ────┘                          ├─ 4xx ──▶ pending (later)
           claim                                     ├─ 5xx ──▶ failed
                                                     └─ no answer, or the sender
                                                        died ──▶ unknown (never resent)
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models, transaction
from django.db.models import F
from django.utils import timezone

from paperwire.digests.outbox_rows import (  # noqa: F401  (worker_name for the senders)
    CLAIM_LEASE,
    OutboxQuerySet,
    OutboxRow,
    worker_name,
)

DAILY, WEEKLY = "daily", "weekly"
FREQUENCIES = [(DAILY, "Daily, on weekdays"), (WEEKLY, "Weekly, on Mondays")]
DEFAULT_TRENDING = 10
MAX_TRENDING = 30
MAX_SEARCHES = 20  # saved searches per subscriber
MAX_ATTEMPTS = 8  # SMTP tries of one digest before it counts as failed


def normalise_email(email: str) -> str:
    return email.strip().lower()


class SubscriberQuerySet(models.QuerySet):
    def active(self) -> SubscriberQuerySet:
        """Confirmed, not unsubscribed, and not stopped by hard failures."""
        return self.filter(confirmed_at__isnull=False, unsubscribed_at=None,
                           hard_failures__lt=settings.DIGEST_MAX_HARD_FAILURES)

    def request(self, email: str, *, user=None, frequency: str | None = None) -> Subscriber:
        """The subscriber for `email`, created pending when new.

        An address that unsubscribed starts over as pending: it must confirm again, and
        the links of its earlier confirmation mail stay dead (their state changed).
        """
        email = normalise_email(email)
        with transaction.atomic():
            subscriber, created = self.select_for_update().get_or_create(
                email=email, defaults={"user": user, "frequency": frequency or DAILY})
            if created:
                return subscriber
            changed = []
            if subscriber.unsubscribed_at is not None:
                subscriber.unsubscribed_at = subscriber.confirmed_at = None
                subscriber.subscribed_at = timezone.now()
                subscriber.hard_failures = 0
                changed += ["unsubscribed_at", "confirmed_at", "subscribed_at",
                            "hard_failures"]
                if frequency:
                    subscriber.frequency = frequency
                    changed.append("frequency")
            if user is not None and subscriber.user_id is None:
                subscriber.user = user
                changed.append("user")
            if changed:
                subscriber.save(update_fields=changed)
        return subscriber


class Subscriber(models.Model):
    email = models.EmailField(max_length=254, unique=True)
    # Set when the address belongs to an account: personal picks come from its upvotes.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="digest_subscriptions")
    frequency = models.CharField(max_length=10, choices=FREQUENCIES, default=DAILY)
    trending_count = models.PositiveSmallIntegerField(default=DEFAULT_TRENDING)
    alerts = models.BooleanField(default=True)
    picks = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # When the current subscription was asked for; confirmation links derive from it.
    subscribed_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)
    # Permanent refusals (5xx) in a row; DIGEST_MAX_HARD_FAILURES of them stop mail.
    hard_failures = models.PositiveSmallIntegerField(default=0)
    # The last featured day a digest covered: the next one starts the day after.
    last_covered_day = models.DateField(null=True, blank=True)

    objects = SubscriberQuerySet.as_manager()

    class Meta:
        ordering = ["email"]

    def __str__(self) -> str:
        return self.email

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None

    @property
    def receives_mail(self) -> bool:
        return (self.confirmed_at is not None and self.unsubscribed_at is None
                and self.hard_failures < settings.DIGEST_MAX_HARD_FAILURES)

    @property
    def status(self) -> str:
        if self.unsubscribed_at is not None:
            return "unsubscribed"
        if self.confirmed_at is None:
            return "pending"
        if self.hard_failures >= settings.DIGEST_MAX_HARD_FAILURES:
            return "stopped"
        return "active"

    def confirm(self) -> bool:
        """Confirm the subscription and its pending saved searches; False if it was."""
        now = timezone.now()
        with transaction.atomic():
            changed = type(self).objects.filter(
                pk=self.pk, confirmed_at=None, unsubscribed_at=None).update(confirmed_at=now)
            self.searches.filter(confirmed_at=None).update(confirmed_at=now)
            if self.user_id is None:
                # The mailbox is proven now: tie it to the account with that address,
                # whose upvotes feed the personal picks.
                from django.contrib.auth import get_user_model

                user = get_user_model().objects.filter(
                    email__iexact=self.email, is_active=True).order_by("pk").first()
                if user is not None:
                    type(self).objects.filter(pk=self.pk).update(user=user)
                    self.user = user
        if changed:
            self.confirmed_at = now
        return bool(changed)

    def unsubscribe(self) -> bool:
        """Stop every digest to this address; False when it was already stopped."""
        now = timezone.now()
        changed = type(self).objects.filter(pk=self.pk, unsubscribed_at=None).update(
            unsubscribed_at=now)
        if changed:
            self.unsubscribed_at = now
            # Digests built but not yet handed to the mail server are not sent.
            self.deliveries.filter(status__in=[Delivery.PENDING, Delivery.CLAIMED]).update(
                status=Delivery.SKIPPED, last_error="unsubscribed")
        return bool(changed)


class SavedSearch(models.Model):
    """An alert: a search whose new matches each digest lists."""

    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE,
                                   related_name="searches")
    # Who saved it, when signed in.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="saved_searches")
    query = models.CharField(max_length=500)
    # The search page's filter fields as given: category, author, organisation,
    # has_code ("yes"/"no"), date_from and date_to (ISO dates).
    filters = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # None until the mailbox owner confirms it (signed-in owners need not).
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name_plural = "saved searches"

    def __str__(self) -> str:
        return self.query

    @property
    def key(self) -> str:
        """Equal for equal searches, so a digest run asks each distinct one once."""
        import json

        return json.dumps([" ".join(self.query.lower().split()),
                           sorted((k, v) for k, v in self.filters.items() if v)])

    def search_filters(self):
        from paperwire.search.query import SearchFilters

        f = self.filters
        return SearchFilters(
            date_from=_date(f.get("date_from")), date_to=_date(f.get("date_to")),
            category=f.get("category") or None, author=f.get("author") or None,
            organisation=f.get("organisation") or None, keyword=f.get("keyword") or None,
            has_code={"yes": True, "no": False}.get(f.get("has_code") or ""))

    @property
    def description(self) -> str:
        """The query and its filters in words, for the digest and the preferences."""
        f = self.filters
        parts = [f"“{self.query}”"] if self.query else ["Every paper"]
        for name, label in (("category", "in"), ("author", "by"), ("organisation", "from"),
                            ("keyword", "with the keyword")):
            if f.get(name):
                parts.append(f"{label} {f[name]}")
        if f.get("has_code") == "yes":
            parts.append("with code")
        elif f.get("has_code") == "no":
            parts.append("without code")
        if f.get("date_from"):
            parts.append(f"published from {f['date_from']}")
        if f.get("date_to"):
            parts.append(f"published until {f['date_to']}")
        return " ".join(parts)


def _date(value) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


class DeliveryQuerySet(OutboxQuerySet):
    pass


class Delivery(OutboxRow):
    """One digest for one subscriber and period: what it holds and how sending went.

    The states and the sender's moves are the outbox's (outbox_rows.py)."""

    max_attempts = MAX_ATTEMPTS
    claim_related = ("subscriber",)

    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE,
                                   related_name="deliveries")
    # "daily:2024-10-25" (the day it is sent) or "weekly:2024-W44" (the ISO week).
    period = models.CharField(max_length=24)
    first_day = models.DateField()  # the featured days it covers
    last_day = models.DateField()
    # Paper ids by section: {"trending": [..], "alerts": [{"search", "query",
    # "papers"}], "picks": [[paper, because], ..]}; rendered when sent.
    content = models.JSONField(default=dict)
    message_id = models.CharField(max_length=250)

    objects = DeliveryQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(fields=["subscriber", "period"],
                                    name="delivery_once_per_period"),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"],
                                name="digests_delivery_due_idx")]

    def __str__(self) -> str:
        return f"{self.period} digest for subscriber {self.subscriber_id}"

    @property
    def paper_ids(self) -> list[int]:
        """Every paper the digest lists, in order, each once."""
        ids = list(self.content.get("trending", []))
        for alert in self.content.get("alerts", []):
            ids += alert["papers"]
        ids += [pick[0] for pick in self.content.get("picks", [])]
        ids += [pick[0] for pick in self.content.get("for_you", [])]
        return list(dict.fromkeys(ids))

    def retry_delay(self) -> float:
        return settings.DIGEST_RETRY_DELAY

    def on_sent(self) -> None:
        Subscriber.objects.filter(pk=self.subscriber_id, hard_failures__gt=0).update(
            hard_failures=0)

    def on_failed(self) -> None:
        """A permanent refusal (5xx): one more hard failure for the address."""
        Subscriber.objects.filter(pk=self.subscriber_id).update(
            hard_failures=F("hard_failures") + 1)


class MailFailureQuerySet(models.QuerySet):
    def record(self, to: str, kind: str, error: str) -> MailFailure:
        return self.create(to=normalise_email(to)[:254], kind=kind, error=error[:500])

    def resolved(self, to: str, kind: str) -> None:
        """A later message of the same kind reached the address: the failure is over."""
        self.filter(to=normalise_email(to), kind=kind).delete()


class MailFailure(models.Model):
    """A confirmation or account message the mail server did not take (digests keep
    their own record in the outbox). The admin lists them, with a banner, and sends
    the confirmations again from here once the server works."""

    ACCOUNT, SUBSCRIPTION, OTHER = "account", "subscription", "other"
    KINDS = [(ACCOUNT, "account confirmation"), (SUBSCRIPTION, "subscription confirmation"),
             (OTHER, "sign-in or password mail")]

    to = models.EmailField(max_length=254, db_index=True)
    kind = models.CharField(max_length=20, choices=KINDS)
    error = models.CharField(max_length=500)
    failed_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = MailFailureQuerySet.as_manager()

    class Meta:
        ordering = ["-failed_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.to}: {self.error}"
