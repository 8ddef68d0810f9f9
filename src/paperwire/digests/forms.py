"""Validation of what subscribers send: the subscribe form, an alert, preferences."""

from __future__ import annotations

from django import forms

from paperwire.digests.models import FREQUENCIES, MAX_TRENDING, Subscriber


class EmailField(forms.EmailField):
    def clean(self, value):
        return super().clean(value).strip().lower()


class SubscribeForm(forms.Form):
    email = EmailField(max_length=254, label="Email address")
    frequency = forms.ChoiceField(choices=FREQUENCIES, required=False, label="How often",
                                  widget=forms.RadioSelect)

    def clean_frequency(self) -> str:
        return self.cleaned_data.get("frequency") or "daily"


class AlertForm(forms.Form):
    """The address an alert goes to; the search itself is read by front's SearchForm."""

    email = EmailField(max_length=254, label="Email address")


class PreferencesForm(forms.ModelForm):
    trending_count = forms.IntegerField(
        min_value=0, max_value=MAX_TRENDING, label="Trending papers per digest",
        help_text=f"0 to {MAX_TRENDING}; 0 sends only your alerts and picks.")

    class Meta:
        model = Subscriber
        fields = ["frequency", "trending_count", "alerts", "picks"]
        labels = {"frequency": "How often", "alerts": "New papers for my saved searches",
                  "picks": "Picks from my upvotes (with an account)"}
        widgets = {"frequency": forms.RadioSelect}
