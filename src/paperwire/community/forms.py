"""Validation of everything a reader sends."""

from __future__ import annotations

from django import forms
from django.contrib.auth import password_validation

from paperwire.community.models import MAX_COMMENT


class EmailField(forms.EmailField):
    def clean(self, value):
        return super().clean(value).strip().lower()


class SignupForm(forms.Form):
    email = EmailField(max_length=254)
    display_name = forms.CharField(
        label="Name shown on your comments", max_length=50, strip=True,
        help_text="Public; your email address is never shown.")
    password = forms.CharField(widget=forms.PasswordInput(render_value=False),
                               max_length=200, strip=False)

    def clean_display_name(self) -> str:
        name = " ".join(self.cleaned_data["display_name"].split())
        if not name or not name.isprintable():
            raise forms.ValidationError("Enter a name of printable characters.")
        return name

    def clean(self):
        data = super().clean()
        if data.get("password"):
            password_validation.validate_password(data["password"])
        return data


class LoginForm(forms.Form):
    email = EmailField(max_length=254)
    password = forms.CharField(widget=forms.PasswordInput, max_length=200, strip=False)


class ResetForm(forms.Form):
    email = EmailField(max_length=254)


class CommentForm(forms.Form):
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), max_length=MAX_COMMENT,
                           label="Comment")
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)

    def clean_body(self) -> str:
        body = self.cleaned_data["body"].strip()
        if not body:
            raise forms.ValidationError("Write something first.")
        return body


class ReportForm(forms.Form):
    reason = forms.CharField(max_length=500, required=False)


class SubmitForm(forms.Form):
    id = forms.CharField(label="arXiv id or URL", max_length=300,
                         widget=forms.TextInput(attrs={"placeholder": "2401.10241"}))


class ClaimForm(forms.Form):
    author = forms.IntegerField(min_value=1)


class AttachForm(forms.Form):
    organisation = forms.IntegerField(min_value=1)


class TokenForm(forms.Form):
    EXPIRY_CHOICES = [("30", "30 days"), ("90", "90 days"), ("365", "a year"), ("", "never")]

    name = forms.CharField(max_length=100, required=False)
    expires_in_days = forms.TypedChoiceField(
        choices=EXPIRY_CHOICES, coerce=int, empty_value=None, required=False, initial="90",
        label="Expires after")
