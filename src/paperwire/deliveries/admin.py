from django import forms
from django.contrib import admin

from paperwire.deliveries.models import Destination, Send


class DestinationAdminForm(forms.ModelForm):
    class Meta:
        model = Destination
        fields = ["owner", "kind", "url", "feed", "schedule", "paused_at", "paused_reason"]

    def clean(self):
        data = super().clean()
        owner = data.get("owner")
        if data.get("kind") == Destination.EMAIL:
            # An email destination mails its owner's own confirmed address, never a URL.
            from paperwire.deliveries.mail.transport import refusal

            data["url"] = ""
            if owner is not None and refusal(owner):
                self.add_error("owner", refusal(owner))
        elif not data.get("url"):
            self.add_error("url", "A webhook, Slack or Discord destination needs its URL.")
        return data


@admin.register(Destination)
class DestinationAdmin(admin.ModelAdmin):
    form = DestinationAdminForm
    list_display = ["pk", "owner", "kind", "feed", "schedule", "last_sent_at", "failures",
                    "paused_at", "last_error"]
    list_filter = ["kind", "schedule", ("paused_at", admin.EmptyFieldListFilter)]
    search_fields = ["owner__username", "owner__email", "feed"]
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
