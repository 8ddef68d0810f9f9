"""Trending by code (stars gained over a week) and the thumbnail files."""

from __future__ import annotations

import re

from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from paperwire.enrich.models import STARS_WINDOW_DAYS, papers_by_stars_gained
from paperwire.enrich.thumbnails import thumbnail_dir
from paperwire.front.caching import cached_list
from paperwire.front.forms import PageForm
from paperwire.front.views.common import PAGE_SIZE, bad_request, paginate
from paperwire.papers.models import Paper

THUMBNAIL_NAME = re.compile(r"^[A-Za-z0-9._-]{1,100}\.webp$")
A_YEAR = 365 * 24 * 3600


def _code_version(request: HttpRequest) -> str:
    # The window moves at midnight even when no paper changed.
    return f"{Paper.objects.data_version()}-{timezone.localdate().isoformat()}"


@cached_list(version=_code_version)
def trending_code(request: HttpRequest) -> HttpResponse:
    """Papers whose repositories gained the most GitHub stars over the last week."""
    form = PageForm(request.GET)
    if not form.is_valid():
        return bad_request(request, form)
    page = form.cleaned_data["page"] or 1
    today = timezone.localdate()
    papers, has_next = paginate(papers_by_stars_gained(today).cards(), page)
    for paper in papers:
        paper.rank = {"kind": "stars", "now": paper.stars_now, "then": paper.stars_then,
                      "then_day": paper.stars_then_day, "gained": paper.stars_gained}
    return render(request, "enrich/trending_code.html", {
        "section": "trending",
        "papers": papers,
        "page": page,
        "has_next": has_next,
        "start": (page - 1) * PAGE_SIZE + 1,
        "window_days": STARS_WINDOW_DAYS,
        "today": today,
    })


def thumbnail(request: HttpRequest, name: str) -> HttpResponse:
    """A thumbnail file; its URL carries a version, so it may be kept for a year."""
    if not settings.THUMBNAILS or not THUMBNAIL_NAME.match(name):
        raise Http404("no such thumbnail")
    path = thumbnail_dir() / name
    try:
        handle = path.open("rb")
    except OSError:
        raise Http404("no such thumbnail") from None
    response = FileResponse(handle, content_type="image/webp")
    response["Cache-Control"] = f"public, max-age={A_YEAR}, immutable"
    return response
