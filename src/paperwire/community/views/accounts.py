"""Sign up, email confirmation, log in and out, password reset, profiles and API tokens.

No page tells whether an address has an account: sign-up and password reset answer the
same page and send one mail either way (to a known address, one that says so), after the
same work (a password hash on both paths of sign-up).
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, get_user_model, login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.hashers import make_password
from django.contrib.auth.tokens import default_token_generator
from django.core import signing
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import url_has_allowed_host_and_scheme, urlsafe_base64_encode
from django.views.decorators.http import require_http_methods, require_POST

from paperwire.community import emails, throttle
from paperwire.community.forms import LoginForm, ResetForm, SignupForm, TokenForm
from paperwire.community.models import (
    ApiToken,
    AuthorClaim,
    Membership,
    Profile,
    Submission,
    needs_verification,
)
from paperwire.lib.mail import LOGGED, SENT, MailResult, mail_outcome, sent_page

User = get_user_model()
VERIFY_SALT = "paperwire.community.verify-email"
VERIFY_MAX_AGE = 3 * 24 * 3600
TOO_MANY = "Too many attempts from here or for this address. Wait a few minutes and try again."


def send_verification(user) -> MailResult:
    # Nothing the sign-up form took goes in this mail but the address itself: the address
    # is not proven yet, and a display name would let anyone mail their words to it.
    token = signing.dumps({"u": user.pk, "e": user.email}, salt=VERIFY_SALT)
    return emails.send("verify", user.email, {"link": emails.absolute("pw-verify", token)})


def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("pw-home")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        if not throttle.allow(signup_address=email, signup_ip=throttle.client_ip(request)):
            return render(request, "community/signup.html", {"form": form, "error": TOO_MANY},
                          status=429)
        password = make_password(form.cleaned_data["password"])  # both paths hash
        user = None
        if not User.objects.filter(username=email).exists():
            try:
                with transaction.atomic():
                    user = User.objects.create(username=email, email=email, password=password)
                    Profile.objects.create(user=user,
                                           display_name=form.cleaned_data["display_name"])
            except IntegrityError:  # signed up a moment ago by a twin request
                user = None
        if user is not None:
            result = send_verification(user)
        else:
            result = emails.send("account-exists", email, {
                "login": emails.absolute("pw-login"), "reset": emails.absolute("pw-reset")})
        return sent_page("pw-signup-sent", result)
    return render(request, "community/signup.html", {"form": form})


def signup_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "community/signup_sent.html", {"mail": mail_outcome(request)})


@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest, token: str) -> HttpResponse:
    """Confirm an address from the link in the mail: the link opens a page, and its button
    (a POST) confirms. Mail scanners follow links; had a GET confirmed, anyone could sign
    up with someone else's address and have the scanner confirm it for them."""
    try:
        data = signing.loads(token, salt=VERIFY_SALT, max_age=VERIFY_MAX_AGE)
        user = User.objects.get(pk=data["u"], email=data["e"])
    except (signing.BadSignature, User.DoesNotExist, KeyError, TypeError):
        return render(request, "community/verify_failed.html", status=400)
    if request.method != "POST":
        return render(request, "community/verify.html", {"email": user.email})
    Profile.objects.filter(user=user, email_verified_at=None).update(
        email_verified_at=timezone.now())
    messages.success(request, "Your email address is confirmed. Welcome!")
    if request.user.is_authenticated:
        return redirect("pw-profile", request.user.pk)
    return redirect("pw-login")


def login_view(request: HttpRequest) -> HttpResponse:
    form = LoginForm(request.POST or None)
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    context = {"form": form, "next": next_url}
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        if not throttle.allow(login_address=email, login_ip=throttle.client_ip(request)):
            return render(request, "community/login.html", {**context, "error": TOO_MANY},
                          status=429)
        # authenticate() hashes the password for unknown addresses too, and refuses
        # blocked (inactive) users after the same work.
        user = authenticate(request, username=email, password=form.cleaned_data["password"])
        if user is None:
            context["error"] = "That email and password do not match an account."
            return render(request, "community/login.html", context, status=400)
        if needs_verification(user):
            if not throttle.allow(signup_address=email):
                context["error"] = ("Confirm your email address first, with the link we "
                                    "sent you. " + TOO_MANY)
                return render(request, "community/login.html", context, status=429)
            # Logging in is how a reader gets a new link, e.g. after a failed send.
            result = send_verification(user)
            context["error"] = {
                SENT: "Confirm your email address first: we have sent you a new link.",
                LOGGED: "Confirm your email address first. Mail is not set up on this "
                        "server, so the new link was written to the server log: ask the "
                        "person who runs this site for it.",
            }.get(result.status, "Confirm your email address first. We tried to send you "
                                 "a new link, but the mail server did not take it; try "
                                 "again later.")
            return render(request, "community/login.html", context, status=400)
        login(request, user)
        if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()},
                                               require_https=request.is_secure()):
            next_url = reverse(settings.LOGIN_REDIRECT_URL)
        return redirect(next_url)
    return render(request, "community/login.html", context)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("pw-home")


def reset(request: HttpRequest) -> HttpResponse:
    form = ResetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        if not throttle.allow(reset_address=email, reset_ip=throttle.client_ip(request)):
            return render(request, "community/reset.html", {"form": form, "error": TOO_MANY},
                          status=429)
        user = User.objects.filter(username=email, is_active=True).first()
        if user is not None:
            uid = urlsafe_base64_encode(force_bytes(user.pk))
            token = default_token_generator.make_token(user)
            result = emails.send("reset", email, {
                "link": emails.absolute("pw-reset-confirm", uid, token)})
        else:
            result = emails.send("reset-unknown", email,
                                 {"signup": emails.absolute("pw-signup")})
        return sent_page("pw-reset-sent", result)
    return render(request, "community/reset.html", {"form": form})


def reset_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "community/reset_sent.html", {"mail": mail_outcome(request)})


class ResetConfirmView(auth_views.PasswordResetConfirmView):
    """Django's own: the token comes from the user's state, so it dies once used."""

    template_name = "community/reset_confirm.html"
    success_url = reverse_lazy("pw-login")

    def form_valid(self, form):
        response = super().form_valid(form)
        # The reset link came by mail: the address is proven.
        Profile.objects.filter(user=form.user, email_verified_at=None).update(
            email_verified_at=timezone.now())
        revoked = ApiToken.objects.revoke_all(form.user)
        messages.success(self.request, "Your password is changed; log in with it."
                         + _revoked_note(revoked))
        return response


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's own (the old password, then the new one twice); the session stays."""

    template_name = "community/password_change.html"

    def form_valid(self, form):
        response = super().form_valid(form)
        revoked = ApiToken.objects.revoke_all(form.user)
        messages.success(self.request, "Your password is changed." + _revoked_note(revoked))
        return response

    def get_success_url(self) -> str:
        return reverse("pw-profile", args=[self.request.user.pk])


def _revoked_note(revoked: int) -> str:
    # A reset may follow a stolen password: whoever had it may have made tokens too.
    if not revoked:
        return ""
    return (f" Your API token{'s' if revoked > 1 else ''} {'are' if revoked > 1 else 'is'} "
            "revoked with the old password; make new ones below.")


def profile(request: HttpRequest, pk: int) -> HttpResponse:
    """A user's public page: claimed authorships, organisations, submitted papers."""
    user = get_object_or_404(User.objects.select_related("profile"), pk=pk, is_active=True)
    claims = (AuthorClaim.objects.filter(user=user, status=AuthorClaim.APPROVED)
              .select_related("author"))
    authors = [c.author for c in claims]
    own = request.user.is_authenticated and request.user.pk == user.pk
    context = {
        "person": user,
        "own": own,
        "authors": authors,
        "memberships": Membership.objects.filter(user=user).select_related("organisation"),
        "submissions": (Submission.objects.filter(user=user, paper__is_hidden=False)
                        .select_related("paper").order_by("-created_at")[:50]),
    }
    if own:
        context["pending_claims"] = (AuthorClaim.objects.filter(user=user)
                                     .exclude(status=AuthorClaim.APPROVED)
                                     .select_related("author", "paper"))
        context["tokens"] = ApiToken.objects.filter(user=user).order_by("-created_at")
        context["token_form"] = TokenForm()
    return render(request, "community/profile.html", context)


@login_required
def account(request: HttpRequest) -> HttpResponse:
    return redirect("pw-profile", request.user.pk)


@login_required
@require_POST
def new_token(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST)
    if not form.is_valid():
        messages.error(request, "The token needs a name of at most 100 characters and an "
                                "expiry from the list.")
        return redirect("pw-profile", request.user.pk)
    name, days = form.cleaned_data["name"], form.cleaned_data["expires_in_days"]
    expires_at = timezone.now() + timedelta(days=days) if days else None
    raw = ApiToken.objects.issue(request.user, name, expires_at)
    # Shown once, on this page only; it is not kept anywhere but in its hash.
    return render(request, "community/token_created.html",
                  {"token": raw, "name": name, "expires_at": expires_at})


@login_required
@require_POST
def revoke_token(request: HttpRequest, pk: int) -> HttpResponse:
    ApiToken.objects.filter(user=request.user, pk=pk).delete()
    messages.success(request, "The token is revoked.")
    return redirect("pw-profile", request.user.pk)
