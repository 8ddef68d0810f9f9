"""The reader's pages: For you, Following (follows, seed papers, reset), the "not
interested" button, and the signed one-click links of the digest.

Everything here belongs to the signed-in reader alone: each view reads and changes only
`request.user`'s rows, and a follow is looked up by id *and* owner (404 otherwise).
"""

from __future__ import annotations

import time
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from paperwire.lib.arxiv_ids import InvalidArxivId, parse_arxiv_id
from paperwire.papers.models import Paper
from paperwire.reader import tokens
from paperwire.reader.forms import DaysForm, FollowForm, SeedForm
from paperwire.reader.models import FOLLOW_KINDS, Follow, NotInterested, ReaderState, Seed
from paperwire.reader.ranking import (
    DAY_CHOICES,
    for_you,
    library_installed,
    read_signals,
    saved_ids,
)
from paperwire.reader.templatetags.reader import not_interested_fragment, remember_marks

FOR_YOU_LIMIT = 20
# Moved on every change of follows or marks: the cached lists' ETags name this cookie
# (front/caching.py), so a page never comes back from the browser's cache unchanged.
SIGNALS_COOKIE = "pw_signals"


def _stamped(response: HttpResponse) -> HttpResponse:
    response.set_cookie(SIGNALS_COOKIE, str(time.time_ns()), max_age=365 * 24 * 3600,
                        httponly=True, samesite="Lax")
    return response


def _get_paper(arxiv_id: str) -> Paper:
    try:
        arxiv_id = parse_arxiv_id(arxiv_id).id
    except InvalidArxivId:
        raise Http404("no such paper") from None
    return get_object_or_404(Paper.objects.visible(), arxiv_id=arxiv_id)


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _next_or(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return fallback


@login_required
def for_you_page(request: HttpRequest) -> HttpResponse:
    form = DaysForm(request.GET)
    days = form.cleaned_data["days"] if form.is_valid() else 7
    signals = read_signals(request.user)
    picks = for_you(request.user, days=days, limit=FOR_YOU_LIMIT, signals=signals)
    # The cards' "not interested" and Save buttons need the reader's marks and saves:
    # read already.
    remember_marks(request, signals.hidden)
    if library_installed():
        from paperwire.library.templatetags.library import remember_saved

        remember_saved(request, signals.default_saved)
    return render(request, "reader/for_you.html", {
        "section": "for-you", "picks": picks, "papers": [p.paper for p in picks],
        "days": days, "day_choices": DAY_CHOICES, "has_follows": bool(signals.follows),
        "has_seeds": bool(signals.seeds),
    }, status=200 if form.is_valid() else 400)


@login_required
@require_http_methods(["GET", "POST"])
def following(request: HttpRequest) -> HttpResponse:
    """The reader's follows, with a form to add one (GET shows, POST adds)."""
    form = FollowForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                follow, created = Follow.objects.add(request.user, form.cleaned_data["kind"],
                                                     form.cleaned_data["value"])
            except ValidationError as e:
                form.add_error("value", e)
            else:
                messages.success(request, f"You follow {follow.value}." if created
                                 else f"You already follow {follow.value}.")
                return _stamped(redirect(_next_or(request, reverse("pw-following"))))
        status = 400
    return render(request, "reader/following.html", {
        "section": "following", "form": form, "kinds": FOLLOW_KINDS,
        "follows": Follow.objects.of(request.user),
        "seeds": Seed.objects.filter(user=request.user).select_related("paper")
                 .order_by("-created_at")[:50],
        "seed_form": SeedForm(),
    }, status=status)


@login_required
@require_POST
def unfollow(request: HttpRequest, pk: int) -> HttpResponse:
    follow = get_object_or_404(Follow, pk=pk, user=request.user)
    follow.delete()
    messages.success(request, f"You no longer follow {follow.value}.")
    return _stamped(redirect(_next_or(request, reverse("pw-following"))))


@login_required
@require_POST
def seeds(request: HttpRequest) -> HttpResponse:
    """Seed papers pasted as arXiv ids or links, or imported from a .bib file."""
    form = SeedForm(request.POST, request.FILES)
    if not form.is_valid():
        for error in form.non_field_errors() or [e for es in form.errors.values() for e in es]:
            messages.error(request, error)
        return redirect("pw-following")
    wanted = form.cleaned_data["arxiv_ids"]
    found = list(Paper.objects.visible().filter(arxiv_id__in=wanted))
    added = Seed.add(request.user, found)
    missing = len(wanted) - len(found)
    text = f"{added} seed paper{'s' if added != 1 else ''} added."
    if missing:
        text += f" {missing} {'is' if missing == 1 else 'are'} not on this site."
    messages.success(request, text)
    return _stamped(redirect("pw-following"))


@login_required
@require_POST
def reset(request: HttpRequest) -> HttpResponse:
    ReaderState.reset(request.user)
    messages.success(request, "For you starts over: what it learned is forgotten.")
    return _stamped(redirect(_next_or(request, reverse("pw-for-you"))))


@require_POST
def not_interested(request: HttpRequest, arxiv_id: str) -> HttpResponse:
    """Toggle (or, with `on=1` / `on=0`, set) the mark; htmx gets the button back."""
    paper = _get_paper(arxiv_id)
    if not request.user.is_authenticated:
        url = f"{reverse('pw-login')}?next={quote(reverse('pw-paper', args=[paper.arxiv_id]))}"
        if _is_htmx(request):
            return HttpResponse(status=401, headers={"HX-Redirect": url})
        return redirect(url)
    wanted = request.POST.get("on")
    if wanted in ("0", "1"):
        marked = NotInterested.objects.set(request.user, paper, wanted == "1")
    else:
        marked = NotInterested.objects.toggle(request.user, paper)
    if _is_htmx(request):
        return _stamped(HttpResponse(not_interested_fragment(request, paper, marked)))
    return _stamped(redirect(_next_or(request, reverse("pw-paper", args=[paper.arxiv_id]))))


# The confirmation's POST comes from a page opened from a mail, with no session: the
# signed token is what authorises it, as with the digests' one-click unsubscribe.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def signal_link(request: HttpRequest, token: str) -> HttpResponse:
    found = tokens.check(token)
    if found is None:
        return render(request, "reader/bad_link.html", status=400)
    user, paper, action = found
    if action == "save" and not library_installed():
        return render(request, "reader/bad_link.html", status=400)
    context = {"paper": paper, "action": action, "done": False, "undone": False}
    if request.method == "POST":
        undo = request.POST.get("undo") == "1"
        if action == "not-interested":
            NotInterested.objects.set(user, paper, not undo)
        else:
            _set_saved(user, paper, not undo)
        context.update(done=not undo, undone=undo)
    return render(request, "reader/link.html", context)


def _set_saved(user, paper: Paper, saved: bool) -> None:
    """Saved or not, as asked: a second click on the link never unsaves."""
    from paperwire.library.models import toggle_save

    if (paper.pk in saved_ids(user)) != saved:
        toggle_save(user, paper)
