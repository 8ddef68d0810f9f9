"""Feeds of the daily lists, trending and any search, each as RSS 2.0, Atom and JSON Feed.

The lists come from the same queryset methods the pages use, and take the same GET
parameters: `/feeds/daily.atom?week=2024-W43` is the feed of `/papers?week=2024-W43`.

Titles, abstracts and names are untrusted text. Titles go into elements that readers
take as plain text (RSS and Atom titles, JSON Feed `title`); the abstract goes into the
HTML description/summary escaped, so a reader shows it as text and never runs it.

Every link and GUID is absolute on PAPERWIRE_BASE_URL when it is set, never on the
request's Host header (which anyone can set); unset, on the request's address as
checked against ALLOWED_HOSTS (lib/urls.py). The feed's self link keeps its query, so the feed of
`?week=2024-W43` names itself. Each Atom entry carries the `<updated>` RFC 4287
requires: the paper's latest arXiv version, else its first.
"""

from __future__ import annotations

from datetime import UTC, datetime, time
from urllib.parse import urlencode

from django.contrib.syndication.views import Feed
from django.core.exceptions import BadRequest
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.html import escape

from paperwire.feeds.jsonfeed import JSONFeed
from paperwire.front.forms import ListForm, SearchForm
from paperwire.lib.periods import Period
from paperwire.lib.urls import site_url
from paperwire.papers.models import Paper
from paperwire.search.query import search

FEED_ITEMS = 50


class PaperFeed(Feed):
    """What every paper feed does with a paper; subclasses say which papers."""

    feed_type = Rss201rev2Feed

    def item_title(self, paper: Paper) -> str:
        return " ".join(paper.title.split())

    def item_description(self, paper: Paper) -> str:
        return escape(" ".join(paper.abstract.split()))

    def get_feed(self, obj, request):
        feed = super().get_feed(obj, request)
        feed.feed["feed_url"] = absolute(request.get_full_path())
        return feed

    def item_link(self, paper: Paper) -> str:
        return absolute(reverse("pw-paper", args=[paper.arxiv_id]))

    def item_pubdate(self, paper: Paper) -> datetime | None:
        if paper.published_at is not None:
            return paper.published_at
        if paper.featured_on is not None:
            return datetime.combine(paper.featured_on, time.min, UTC)
        return None

    def item_updateddate(self, paper: Paper) -> datetime:
        return paper.updated_at or self.item_pubdate(paper) or paper.modified_at

    def item_author_name(self, paper: Paper) -> str | None:
        return ", ".join(paper.author_names) or None

    def item_categories(self, paper: Paper) -> list[str]:
        return paper.category_list

    def item_extra_kwargs(self, paper: Paper) -> dict:
        # Read by the JSON Feed writer only; RSS and Atom ignore them.
        return {"content_text": paper.abstract, "authors": paper.author_names,
                "external_url": paper.abs_url}


def absolute(path: str) -> str:
    return site_url() + path


def feed_version(feed: PaperFeed):
    """The version of what a feed lists, for its ETag (see front/caching.py)."""
    from paperwire.front.caching import rows_version

    def version(request) -> str | None:
        try:
            obj = feed.get_object(request)
        except BadRequest:
            return None  # the feed answers the error
        return rows_version(feed._get_dynamic_attr("items", obj))

    return version


def _query(params: dict[str, str]) -> str:
    query = urlencode({k: v for k, v in params.items() if v})
    return f"?{query}" if query else ""


class DailyFeed(PaperFeed):
    """The featured papers: the newest by default, or one day, week or month."""

    def get_object(self, request) -> dict:
        form = ListForm(request.GET)
        if not form.is_valid():
            raise BadRequest("; ".join(e for errs in form.errors.values() for e in errs))
        return {"period": form.cleaned_data["period"], "sort": form.cleaned_data["sort"]}

    def title(self, obj: dict) -> str:
        period: Period | None = obj["period"]
        return "Daily Papers" + (f", {period.label}" if period else "") + " · paperwire"

    def link(self, obj: dict) -> str:
        if obj["period"] is None:
            return absolute(reverse("pw-home"))
        return absolute(reverse("pw-papers")
                        + _query({**obj["period"].query(), "sort": obj["sort"]}))

    def description(self, obj: dict) -> str:
        return "Research papers picked by the community, newest day first."

    def items(self, obj: dict):
        period: Period | None = obj["period"]
        if period is None:
            papers = Paper.objects.visible().exclude(featured_on=None).order_by(
                "-featured_on", "-upvotes", "arxiv_id")
        else:
            papers = Paper.objects.featured_between(period.start, period.end).sorted_by(
                obj["sort"])
        return papers.cards()[:FEED_ITEMS]


class TrendingFeed(PaperFeed):
    title = "Trending papers · paperwire"
    description = "Recent papers ranked by upvotes decayed with age."

    def link(self) -> str:
        return absolute(reverse("pw-trending"))

    def items(self):
        return Paper.objects.trending().cards()[:FEED_ITEMS]


class SearchFeed(PaperFeed):
    """Any search of the search page, as a feed: follow a topic."""

    def get_object(self, request) -> SearchForm:
        form = SearchForm(request.GET)
        if not form.is_valid():
            raise BadRequest("; ".join(e for errs in form.errors.values() for e in errs))
        if not form.cleaned_data["q"] and not form.has_filters():
            raise BadRequest("a search feed needs q or a filter")
        return form

    def title(self, form: SearchForm) -> str:
        q = form.cleaned_data["q"]
        return f"Search: {q[:100] or 'filtered papers'} · paperwire"

    def link(self, form: SearchForm) -> str:
        params = {k: form.data.get(k, "") for k in form.fields if k != "page"}
        return absolute(reverse("pw-search") + _query(params))

    def description(self, form: SearchForm) -> str:
        return "Papers matching a search, best first."

    def items(self, form: SearchForm) -> list[Paper]:
        data = form.cleaned_data
        results = search(data["q"], form.filters(), sort=data["sort"], page=1,
                         per_page=FEED_ITEMS)
        return [hit.paper for hit in results.hits]


class DailyAtom(DailyFeed):
    feed_type = Atom1Feed
    subtitle = DailyFeed.description


class DailyJSON(DailyFeed):
    feed_type = JSONFeed


class TrendingAtom(TrendingFeed):
    feed_type = Atom1Feed
    subtitle = TrendingFeed.description


class TrendingJSON(TrendingFeed):
    feed_type = JSONFeed


class SearchAtom(SearchFeed):
    feed_type = Atom1Feed
    subtitle = SearchFeed.description


class SearchJSON(SearchFeed):
    feed_type = JSONFeed
