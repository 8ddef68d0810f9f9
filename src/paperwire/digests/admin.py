"""Subscribers, saved searches and the outbox in the Django admin, with a link to each
subscriber's next digest."""

from __future__ import annotations

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from paperwire.digests.models import Delivery, SavedSearch, Subscriber


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
