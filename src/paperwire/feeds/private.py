"""A reader's own lists as feeds at secret URLs: `/feeds/u/<token>/<list>.<format>`.

For you, the papers of what they follow, each followed topic and each of their own
collections, as RSS, Atom and JSON Feed, through the same Feed classes as the public
feeds (feeds.py). The token names the reader (models.FeedToken); an unknown or revoked
token, or a topic or collection that is not the token owner's, is a 404, the same as
a list that does not exist. The answers say `Cache-Control: private`, so no shared
cache keeps one reader's list for another, and `X-Robots-Tag: noindex`.
"""

from __future__ import annotations

from datetime import timedelta

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.html import escape

from paperwire.feeds.feeds import FEED_ITEMS, PaperFeed, absolute
from paperwire.feeds.jsonfeed import JSONFeed
from paperwire.feeds.models import FeedToken
from paperwire.papers.models import TRENDING_DAYS, Paper

FEED_TYPES = {"rss": Rss201rev2Feed, "atom": Atom1Feed, "json": JSONFeed}
CACHE_SECONDS = 300


def followed_papers(user, follows: list) -> list[Paper]:
    """Papers featured in the last TRENDING_DAYS featured days that these follows
    bring, newest first, each with `feed_reasons` (For you's follow rule)."""
    from paperwire.reader.ranking import _vectors, follow_reasons

    newest = Paper.objects.latest_featured_day()
    if newest is None or not follows:
        return []
    candidates = list(
        Paper.objects.featured_between(newest - timedelta(days=TRENDING_DAYS - 1), newest)
        .select_related("organisation").order_by("-featured_on", "-upvotes", "arxiv_id"))
    reasons = follow_reasons(follows, candidates, _vectors([p.pk for p in candidates]))
    papers = [p for p in candidates if p.pk in reasons][:FEED_ITEMS]
    for paper in papers:
        paper.feed_reasons = reasons[paper.pk]
    return papers


class PrivateFeed(PaperFeed):
    """A list of the token owner's; `obj` is {"user": …, plus what the URL names}."""

    def get_object(self, request, token: str, **kwargs) -> dict:
        user = FeedToken.objects.user_for(token)
        if user is None:
            raise Http404("no such feed")
        return {"user": user, **kwargs}

    def item_description(self, paper: Paper) -> str:
        abstract = super().item_description(paper)
        reasons = getattr(paper, "feed_reasons", None)
        if not reasons:
            return abstract
        return f"<p>Why: {escape('; '.join(reasons))}</p><p>{abstract}</p>"

    def subtitle(self, obj: dict) -> str:
        return self.description(obj)


class ForYouFeed(PrivateFeed):
    def title(self, obj: dict) -> str:
        return "For you · paperwire"

    def link(self, obj: dict) -> str:
        return absolute(reverse("pw-for-you"))

    def description(self, obj: dict) -> str:
        return "Papers of the last week picked for you, each with why it is there."

    def items(self, obj: dict) -> list[Paper]:
        from paperwire.reader.ranking import for_you

        # record=False: a feed reader polling must not make the page skip these.
        picks = for_you(obj["user"], days=7, limit=FEED_ITEMS, record=False)
        for pick in picks:
            pick.paper.feed_reasons = pick.reasons
        return [pick.paper for pick in picks]


class FollowsFeed(PrivateFeed):
    def title(self, obj: dict) -> str:
        return "What you follow · paperwire"

    def link(self, obj: dict) -> str:
        return absolute(reverse("pw-following"))

    def description(self, obj: dict) -> str:
        return "Recent papers of the authors, organisations, categories and topics you follow."

    def items(self, obj: dict) -> list[Paper]:
        from paperwire.reader.models import Follow

        return followed_papers(obj["user"], list(Follow.objects.of(obj["user"])))


class TopicFeed(PrivateFeed):
    def get_object(self, request, token: str, **kwargs) -> dict:
        from paperwire.reader.models import TOPIC, Follow

        obj = super().get_object(request, token, **kwargs)
        topic = Follow.objects.filter(user=obj["user"], kind=TOPIC,
                                      pk=kwargs["topic_id"]).first()
        if topic is None:
            raise Http404("no such topic")
        return {**obj, "topic": topic}

    def title(self, obj: dict) -> str:
        return f"Topic: {obj['topic'].value} · paperwire"

    def link(self, obj: dict) -> str:
        return absolute(reverse("pw-following"))

    def description(self, obj: dict) -> str:
        return "Recent papers matching a topic you follow."

    def items(self, obj: dict) -> list[Paper]:
        return followed_papers(obj["user"], [obj["topic"]])


class CollectionFeed(PrivateFeed):
    def get_object(self, request, token: str, **kwargs) -> dict:
        from paperwire.library.models import Collection

        obj = super().get_object(request, token, **kwargs)
        collection = Collection.objects.owned_by(obj["user"]).filter(
            slug=kwargs["slug"]).first()
        if collection is None:
            raise Http404("no such collection")
        return {**obj, "collection": collection}

    def title(self, obj: dict) -> str:
        return f"{obj['collection'].name} · paperwire"

    def link(self, obj: dict) -> str:
        return absolute(obj["collection"].get_absolute_url())

    def description(self, obj: dict) -> str:
        return "The papers in one of your collections, the latest added first."

    def items(self, obj: dict) -> list[Paper]:
        return list(obj["collection"].papers().cards()[:FEED_ITEMS])


def _formats(feed: type[PrivateFeed]) -> dict[str, PrivateFeed]:
    return {fmt: type(f"{feed.__name__}_{fmt}", (feed,), {"feed_type": kind})()
            for fmt, kind in FEED_TYPES.items()}


def private_feed(feed: type[PrivateFeed]):
    """The view serving `feed` in the format its URL names."""
    by_format = _formats(feed)

    def view(request: HttpRequest, token: str, fmt: str, **kwargs) -> HttpResponse:
        response = by_format[fmt](request, token=token, **kwargs)
        response["Cache-Control"] = f"private, max-age={CACHE_SECONDS}"
        response["X-Robots-Tag"] = "noindex"
        response["Referrer-Policy"] = "no-referrer"
        return response

    view.__name__ = f"{feed.__name__}_view"
    return view


def private_urls(token: str, user) -> list[dict]:
    """Every private feed of the user at this token: {"title", "links": [(format, url)]}."""
    from paperwire.library.models import Collection
    from paperwire.reader.models import TOPIC, Follow

    def links(name: str, **kwargs) -> list[tuple[str, str]]:
        return [(label, absolute(reverse(name, kwargs={"token": token, "fmt": fmt, **kwargs})))
                for fmt, label in (("rss", "RSS"), ("atom", "Atom"), ("json", "JSON Feed"))]

    feeds = [{"title": "For you", "links": links("pw-private-for-you")},
             {"title": "What you follow", "links": links("pw-private-follows")}]
    feeds += [{"title": f"Topic: {t.value}", "links": links("pw-private-topic", topic_id=t.pk)}
              for t in Follow.objects.of(user).filter(kind=TOPIC)]
    feeds += [{"title": f"Collection: {c.name}",
               "links": links("pw-private-collection", slug=c.slug)}
              for c in Collection.objects.owned_by(user)]
    return feeds
