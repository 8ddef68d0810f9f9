"""Daily, weekly and monthly lists of featured papers, the home page and trending."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import render
from django.urls import reverse

from paperwire.feeds.links import feed_links
from paperwire.front.caching import cached_list
from paperwire.front.forms import ListForm, PageForm
from paperwire.front.views.common import PAGE_SIZE, bad_request, paginate
from paperwire.ingest.models import IngestRun
from paperwire.lib.periods import Period
from paperwire.papers.models import TRENDING_DAYS, TRENDING_GRAVITY, Paper


def source_status() -> list[dict]:
    """Each scheduled source with its latest run and next scheduled time."""
    from paperwire.schedule.jobs import next_runs

    latest = IngestRun.objects.latest_per_source()
    nexts = dict(next_runs())
    return [{"spec": spec, "run": latest.get(spec.partition(":")[0]),
             "next": nexts.get(f"ingest {spec}")} for spec in settings.INGEST_SOURCES]


@cached_list
def home(request: HttpRequest) -> HttpResponse:
    """The latest featured day, or a welcome page on an empty instance."""
    return _featured_list(request, home=True)


@cached_list
def papers(request: HttpRequest) -> HttpResponse:
    """`/papers?date=…|week=…|month=…&sort=…&page=…`; no period means the latest day."""
    return _featured_list(request, home=False)


def _featured_list(request: HttpRequest, *, home: bool) -> HttpResponse:
    form = ListForm(request.GET)
    if not form.is_valid():
        return bad_request(request, form)
    period: Period | None = form.cleaned_data["period"]
    sort: str = form.cleaned_data["sort"]
    page: int = form.cleaned_data["page"]
    # No period asked for: the latest day is shown, and the feeds offered are the
    # rolling ones (always the newest papers), not that day's, which never changes.
    feeds = feed_links("daily", "Daily Papers") if period is None else None
    if period is None:
        latest = Paper.objects.latest_featured_day()
        if latest is None:
            return render(request, "front/welcome.html", {
                "section": "daily", "searchable": Paper.objects.visible().exists(),
                "sources": source_status()})
        period = Period.day(latest)

    rows = Paper.objects.featured_between(period.start, period.end).sorted_by(sort).cards()
    papers, has_next = paginate(rows, page)
    # Previous and next skip empty days (weeks, months): the nearest day with papers.
    before = Paper.objects.featured_day_before(period.start)
    after = Paper.objects.featured_day_after(period.end)
    feed_params = {**period.query(), "sort": sort}
    return render(request, "front/daily.html", {
        "home": home,
        "section": "daily",
        "period": period,
        "day": Period.day(_day_in(period)),
        "week": Period.containing("week", period.start),
        "month": Period.containing("month", period.start),
        "previous": Period.containing(period.kind, before) if before else None,
        "next": Period.containing(period.kind, after) if after else None,
        "sort": sort,
        "sort_field": form["sort"],
        "papers": papers,
        "page": page,
        "has_next": has_next,
        "start": (page - 1) * PAGE_SIZE + 1,
        "feeds": feeds or feed_links("daily", f"Daily Papers, {period.label}", feed_params),
    })


def _day_in(period: Period):
    """The day the Daily tab opens from a week or a month: its latest day with papers."""
    if period.kind == "date":
        return period.start
    latest = Paper.objects.featured_day_before(period.end + timedelta(days=1))
    return latest if latest is not None and latest >= period.start else period.start


@cached_list
def trending(request: HttpRequest) -> HttpResponse:
    """Recent featured papers by upvotes decayed with age (Paper.objects.trending)."""
    form = PageForm(request.GET)
    if not form.is_valid():
        return bad_request(request, form)
    page = form.cleaned_data["page"] or 1
    newest = Paper.objects.latest_featured_day()
    rows = Paper.objects.trending(newest) if newest else Paper.objects.none()
    papers, has_next = paginate(rows.cards(), page)
    for paper in papers:
        # Every card can show how its score was made ("Why this rank?").
        age = (newest - paper.featured_on).days
        paper.rank = {"kind": "upvotes", "upvotes": paper.upvotes, "age": age,
                      "gravity": TRENDING_GRAVITY, "score": paper.trending_score}
    return render(request, "front/trending.html", {
        "section": "trending",
        "papers": papers,
        "page": page,
        "has_next": has_next,
        "start": (page - 1) * PAGE_SIZE + 1,
        "trending_days": TRENDING_DAYS,
        "gravity": TRENDING_GRAVITY,
        "feeds": feed_links("trending", "Trending papers"),
    })


def hub_period(request: HttpRequest, kind: str, value: str) -> HttpResponse:
    """`/papers/date/2024-01-05`, `/papers/week/2024-W01`, `/papers/month/2024-01` (the
    Hub's shapes): permanently to `/papers?date=…`, which checks the value (a 400 page
    for an impossible one). Other parameters (`sort`, `page`) are kept."""
    params = {k: v for k, v in request.GET.items() if k not in ("date", "week", "month")}
    query = urlencode({kind: value, **params})
    return HttpResponsePermanentRedirect(f"{reverse('pw-papers')}?{query}")


def hub_trending(request: HttpRequest) -> HttpResponse:
    query = request.GET.urlencode()
    return HttpResponsePermanentRedirect(reverse("pw-trending") + (f"?{query}" if query else ""))
