"""Subscribers, saved searches, the outbox and the mail that could not be sent, in the
Django admin, with a link to each subscriber's next digest."""

from __future__ import annotations

from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html

from paperwire.digests.models import Delivery, MailFailure, SavedSearch, Subscriber


class SavedSearchInline(admin.TabularInline):
    model = SavedSearch
    extra = 0
    fields = ["query", "filters", "confirmed_at", "created_at"]
    readonly_fields = ["created_at"]


@admin.register(Subscriber)
class SubscriberAdmin(admin.ModelAdmin):
    list_display = ["email", "status", "frequency", "trending_count", "alerts", "picks",
                    "last_covered_day", "hard_failures", "preview_link"]
    list_filter = ["frequency", "alerts", "picks"]
    search_fields = ["email"]
    raw_id_fields = ["user"]
    readonly_fields = ["created_at", "subscribed_at", "preview_link"]
    inlines = [SavedSearchInline]

    @admin.display(description="next digest")
    def preview_link(self, obj: Subscriber) -> str:
        return format_html('<a href="{}">preview</a>',
                           reverse("pw-digest-preview", args=[obj.pk]))


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["period", "subscriber", "status", "attempts", "next_attempt_at",
                    "sent_at", "last_error"]
    list_filter = ["status", "period"]
    search_fields = ["subscriber__email", "message_id"]
    raw_id_fields = ["subscriber"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # the outbox is the sender's record: read it, do not edit it


def _resend(failure: MailFailure) -> str:
    """Send the confirmation a failure is about again: "sent", "logged", "failed", or
    why there is nothing to send."""
    from django.contrib.auth import get_user_model

    from paperwire.community.models import needs_verification
    from paperwire.community.views.accounts import send_verification
    from paperwire.digests.emails import send_confirmation

    if failure.kind == MailFailure.ACCOUNT:
        user = get_user_model().objects.filter(username=failure.to, is_active=True).first()
        if user is None or not needs_verification(user):
            return "already confirmed or gone"
        return send_verification(user).status
    if failure.kind == MailFailure.SUBSCRIPTION:
        subscriber = Subscriber.objects.filter(email=failure.to, unsubscribed_at=None).first()
        if subscriber is None:
            return "unsubscribed or gone"
        pending = subscriber.searches.filter(confirmed_at=None).first()
        if subscriber.is_confirmed and pending is None:
            return "already confirmed"
        return send_confirmation(subscriber, new_alert=pending.description
                                 if pending and subscriber.is_confirmed else "").status
    return "sent on the reader's own request: they ask again"


@admin.register(MailFailure)
class MailFailureAdmin(admin.ModelAdmin):
    """Messages the mail server did not take: the reason, and a way to send again."""

    list_display = ["failed_at", "kind", "to", "error"]
    list_filter = ["kind"]
    search_fields = ["to", "error"]
    actions = ["send_again"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description="Send the selected confirmations again")
    def send_again(self, request, queryset) -> None:
        seen = set()
        for failure in queryset:
            if (failure.to, failure.kind) in seen:
                continue
            seen.add((failure.to, failure.kind))
            outcome = _resend(failure)
            level = messages.ERROR if outcome == "failed" else messages.INFO
            self.message_user(request, f"{failure.get_kind_display().capitalize()} to "
                                       f"{failure.to}: "
                                       f"{outcome}", level)
