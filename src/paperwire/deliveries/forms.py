"""Validation of a new destination on the Deliveries page (the model checks the rest)."""

from __future__ import annotations

from django import forms

from paperwire.deliveries.models import MAX_FEED, Destination
from paperwire.lib.http import MAX_URL


class DestinationForm(forms.Form):
    kind = forms.ChoiceField(choices=Destination.KINDS, initial=Destination.WEBHOOK)
    url = forms.CharField(label="URL", max_length=MAX_URL, required=False,
                          help_text="The webhook's address: your endpoint, a Slack "
                                    "incoming webhook or a Discord webhook URL. None "
                                    "for email, which goes to your own account's "
                                    "confirmed address.")
    feed = forms.CharField(max_length=MAX_FEED, initial="daily",
                           help_text="daily, trending, for-you, topic:<a search>, "
                                     "collection:<one of your collections' slugs> or "
                                     "follow:<the id of one of your follows>.")
    schedule = forms.ChoiceField(choices=Destination.SCHEDULES,
                                 initial=Destination.IMMEDIATE)

    def clean(self):
        data = super().clean()
        for name in ("url", "feed"):
            if "\x00" in data.get(name, ""):
                self.add_error(name, "NUL bytes are not allowed.")
        return data
