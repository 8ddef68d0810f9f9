"""Making and revoking a reader's private feed token (from their profile page)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from paperwire.feeds.models import FeedToken
from paperwire.feeds.private import private_urls


@login_required
@require_POST
def new_feed_token(request: HttpRequest) -> HttpResponse:
    """A new private feed token in place of the old one; its URLs are shown once."""
    raw = FeedToken.objects.issue(request.user)
    return render(request, "feeds/private_created.html",
                  {"feeds": private_urls(raw, request.user)})


@login_required
@require_POST
def revoke_feed_token(request: HttpRequest) -> HttpResponse:
    if FeedToken.objects.revoke(request.user):
        messages.success(request, "Your private feed URLs are revoked.")
    return redirect("pw-profile", request.user.pk)
