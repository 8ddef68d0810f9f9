"""Subscribe, confirm, preferences, one-click unsubscribe, alerts and the admin preview.

Links from mail only ever *show* a page on GET, with a button that POSTs: link scanners
and mail previews follow GET links, and must not confirm or cancel anything.

Two POSTs are CSRF-exempt, on purpose: the subscribe form sits on every page, which the
shared page cache serves to everyone, so it cannot carry a per-visitor token; it grants
nothing (it only mails a confirmation link to the address given, rate-limited). And
RFC 8058's one-click unsubscribe is a POST from the mail provider, with no session.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import user_passes_test
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from paperwire.community.models import TokenBucket, needs_verification
from paperwire.community.throttle import client_ip
from paperwire.digests import emails, tokens
from paperwire.digests.forms import AlertForm, PreferencesForm, SubscribeForm
from paperwire.digests.models import MAX_SEARCHES, SavedSearch, Subscriber
from paperwire.lib.mail import mail_outcome, sent_page

# kind: (attempts, over this long), counted as community.throttle counts its own.
LIMITS = {
    "subscribe-address": (3, timedelta(hours=1)),
    "subscribe-ip": (20, timedelta(hours=1)),
}
TOO_MANY = "Too many requests from here or for this address. Wait a while and try again."
# The preview shows a mail's HTML, whose styles are all inline.
PREVIEW_POLICY = ("default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
                  "base-uri 'none'; form-action 'none'; frame-ancestors 'self'")


def _allowed(request: HttpRequest, email: str) -> bool:
    """Take a token from the address's and the client's buckets (both are charged)."""
    ok = True
    for kind, value in (("subscribe-address", email), ("subscribe-ip", client_ip(request))):
        capacity, refill = LIMITS[kind]
        if not TokenBucket.authorize(kind, value, capacity, refill):
            ok = False
    return ok


def _own_verified_address(request: HttpRequest, email: str) -> bool:
    """Is this the signed-in reader's own, confirmed address?"""
    user = request.user
    return (user.is_authenticated and user.email.lower() == email
            and not needs_verification(user))


@csrf_exempt
@require_http_methods(["GET", "POST"])
def subscribe(request: HttpRequest) -> HttpResponse:
    form = SubscribeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        if not _allowed(request, email):
            return render(request, "digests/subscribe.html", {"form": form, "error": TOO_MANY},
                          status=429)
        user = request.user if _own_verified_address(request, email) else None
        subscriber = Subscriber.objects.request(email, user=user,
                                                frequency=form.cleaned_data["frequency"])
        # Always a mail, never a page that says whether the address was known.
        return sent_page("pw-digest-sent", emails.send_confirmation(subscriber))
    status = 400 if request.method == "POST" else 200
    return render(request, "digests/subscribe.html", {"form": form}, status=status)


def sent(request: HttpRequest) -> HttpResponse:
    return render(request, "digests/sent.html", {"mail": mail_outcome(request)})


def _bad_link(request: HttpRequest) -> HttpResponse:
    return render(request, "digests/bad_link.html", status=400)


@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    subscriber = tokens.check(token, tokens.CONFIRM_SALT)
    if subscriber is None or subscriber.unsubscribed_at is not None:
        return _bad_link(request)
    pending = list(subscriber.searches.filter(confirmed_at=None))
    if request.method == "POST":
        subscriber.confirm()
        if pending:
            messages.success(request, "Your alert is on: its new matches come in your digest.")
        else:
            messages.success(request, "You are subscribed. Your first digest comes with the "
                                      "next round; here you can choose what it holds.")
        return redirect(tokens.path("pw-digest-preferences", subscriber,
                                    tokens.PREFERENCES_SALT))
    return render(request, "digests/confirm.html", {"subscriber": subscriber,
                                                    "pending": pending})


@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest, token: str) -> HttpResponse:
    subscriber = tokens.check(token, tokens.PREFERENCES_SALT)
    if subscriber is None:
        return _bad_link(request)
    form = PreferencesForm(instance=subscriber)
    if request.method == "POST":
        action = request.POST.get("action", "save")
        if action == "save":
            form = PreferencesForm(request.POST, instance=subscriber)
            if form.is_valid():
                form.save()
                messages.success(request, "Your preferences are saved.")
                return redirect(request.path)
        elif action == "remove-search":
            search = request.POST.get("search", "")
            if search.isdigit() and subscriber.searches.filter(pk=int(search)).delete()[0]:
                messages.success(request, "The alert is removed.")
            return redirect(request.path)
        elif action == "unsubscribe":
            subscriber.unsubscribe()
            return redirect(tokens.path("pw-digest-unsubscribe", subscriber,
                                        tokens.UNSUBSCRIBE_SALT))
        elif action == "resubscribe":
            # This link came by mail to the address: it proves the mailbox, as a
            # confirmation link does.
            now = timezone.now()
            Subscriber.objects.filter(pk=subscriber.pk).update(
                unsubscribed_at=None, confirmed_at=now, subscribed_at=now, hard_failures=0)
            messages.success(request, "You are subscribed again.")
            return redirect(request.path)
    return render(request, "digests/preferences.html", {
        "subscriber": subscriber, "form": form, "searches": list(subscriber.searches.all()),
    }, status=400 if form.errors else 200)


@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET: a page with an Unsubscribe button. POST: unsubscribe at once; this is also
    the RFC 8058 one-click target (body `List-Unsubscribe=One-Click`, no session)."""
    subscriber = tokens.check(token, tokens.UNSUBSCRIBE_SALT)
    if subscriber is None:
        return _bad_link(request)
    if request.method == "POST":
        subscriber.unsubscribe()
        return render(request, "digests/unsubscribed.html", {"subscriber": subscriber})
    if subscriber.unsubscribed_at is not None:
        return render(request, "digests/unsubscribed.html", {"subscriber": subscriber})
    return render(request, "digests/unsubscribe.html", {"subscriber": subscriber})


@require_POST
def alert(request: HttpRequest) -> HttpResponse:
    """"Alert me" on the search page: save the search (query and filters) for digests."""
    from paperwire.front.forms import SearchForm

    form, search_form = AlertForm(request.POST), SearchForm(request.POST)
    if not search_form.is_valid():
        messages.error(request, "That search cannot be saved: correct it first.")
        return redirect("pw-search")
    query = search_form.cleaned_data["q"][:500]
    filters = {name: request.POST.get(name, "").strip() for name in SearchForm.FILTERS
               if request.POST.get(name, "").strip()}
    back = reverse("pw-search") + "?" + urlencode({"q": query, **filters})
    if not query and not filters:
        messages.error(request, "Search for something first, then ask for an alert.")
        return redirect(back)
    if not form.is_valid():
        messages.error(request, "Give a valid email address for the alert.")
        return redirect(back)
    email = form.cleaned_data["email"]
    if not _allowed(request, email):
        messages.error(request, TOO_MANY)
        return redirect(back)
    own = _own_verified_address(request, email)
    subscriber = Subscriber.objects.request(email, user=request.user if own else None)
    if subscriber.searches.count() >= MAX_SEARCHES:
        messages.error(request, f"An address can hold {MAX_SEARCHES} alerts; remove one "
                                "in your digest preferences first.")
        return redirect(back)
    search = SavedSearch.objects.create(
        subscriber=subscriber, query=query, filters=filters,
        user=request.user if request.user.is_authenticated else None,
        confirmed_at=timezone.now() if own else None)
    if own:
        # The signed-in owner of a confirmed address asks for it: nothing to confirm.
        subscriber.confirm()
        messages.success(request, f"Alert saved: new papers for {search.description} will "
                                  "come in your digest.")
        return redirect(back)
    return sent_page("pw-digest-sent",
                     emails.send_confirmation(subscriber, new_alert=search.description))


def _is_staff(user) -> bool:
    return user.is_active and user.is_staff


@user_passes_test(_is_staff, login_url="pw-login")
def preview(request: HttpRequest, subscriber: str) -> HttpResponse:
    """The next digest of a subscriber (by id or address), as it would be sent now."""
    lookup = {"pk": int(subscriber)} if subscriber.isdigit() else {"email": subscriber.lower()}
    found = Subscriber.objects.filter(**lookup).first()
    if found is None:
        return render(request, "digests/preview_empty.html",
                      {"reason": "There is no such subscriber."}, status=404)
    parts = emails.preview(found)
    if parts is None:
        return render(request, "digests/preview_empty.html", {
            "reason": f"{found.email} has nothing new to receive: no featured day since "
                      "their last digest, or nothing in it for them."})
    subject, text, html = parts
    if request.GET.get("format") == "text":
        return HttpResponse(f"Subject: {subject}\n\n{text}",
                            content_type="text/plain; charset=utf-8")
    response = HttpResponse(html)
    response.headers["Content-Security-Policy"] = PREVIEW_POLICY
    return response
