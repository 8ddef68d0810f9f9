from django.contrib import admin

from paperwire.deliveries.models import Destination, Send


@admin.register(Destination)
class DestinationAdmin(admin.ModelAdmin):
    list_display = ["pk", "owner", "kind", "feed", "schedule", "last_sent_at", "failures",
                    "paused_at", "last_error"]
    list_filter = ["kind", "schedule", ("paused_at", admin.EmptyFieldListFilter)]
    search_fields = ["owner__username", "owner__email", "feed"]
    exclude = ["secret"]
    readonly_fields = ["collected_at", "last_covered_day", "last_sent_at", "last_error",
                       "last_error_at", "last_test_at", "last_test_result", "failures"]
    raw_id_fields = ["owner"]


@admin.register(Send)
class SendAdmin(admin.ModelAdmin):
    list_display = ["pk", "destination", "paper", "status", "attempts", "sent_at",
                    "last_error"]
    list_filter = ["status", "destination__kind"]
    raw_id_fields = ["destination", "paper"]
    readonly_fields = ["claim_token", "claimed_by", "claimed_at", "sending_at", "sent_at"]
