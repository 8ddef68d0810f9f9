"""What each feed a destination receives holds now: papers, each with why it came.

One builder per feed kind, each returning `Item`s; the outbox keeps one row per
(destination, paper), so reading a feed again only adds what is new in it.

- `daily`: the papers featured since the destination last read the feed (the newest
  featured day on the first read; the last 7 days for a weekly destination), at most
  MAX_ITEMS not yet in its outbox per read;
- `trending`: the TRENDING_COUNT trending papers now;
- `topic:<query>`: the featured papers of that window the query matches, as the
  digests' alerts match them;
- `collection:<slug>`: papers added to the owner's collection since the destination
  was made;
- `follow:<id>`: the featured papers of that window one of the owner's follows
  (paperwire.reader: an author, organisation, category or topic) brings;
- `for-you`: the owner's For you (paperwire.reader), with its reasons.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from django.apps import apps

from paperwire.papers.models import Paper

TRENDING_COUNT = 10
FOR_YOU_COUNT = 10
MAX_ITEMS = 50  # read from one feed at once
MAX_WINDOW_DAYS = 7
MAX_CANDIDATES = 2_000  # papers of a window a follow is matched against
_SLUG = re.compile(r"^[-a-z0-9_]{1,60}$")
FIXED = {"daily": "Daily Papers", "trending": "Trending", "for-you": "For you"}


class FeedError(ValueError):
    """A feed that does not exist or cannot be read, with the reason in words."""


@dataclass(frozen=True)
class Item:
    paper_id: int
    reason: str


def feed_name(feed: str) -> str:
    kind, _, arg = feed.partition(":")
    if feed in FIXED:
        return FIXED[feed]
    if kind == "topic":
        return f"Topic “{arg}”"
    if kind == "collection":
        return f"Collection {arg}"
    if kind == "follow":
        return "A follow"
    return feed


def reader_installed() -> bool:
    return apps.is_installed("paperwire.reader")


def clean_feed(text: str, owner) -> str:
    """`text` as a feed name for `owner`'s destination; FeedError saying why not."""
    from paperwire.deliveries.models import MAX_FEED, MAX_TOPIC

    text = (text or "").strip()
    if "\x00" in text or len(text) > MAX_FEED:
        raise FeedError("Not a feed name.")
    if text == "for-you" and not reader_installed():
        raise FeedError("For you is not available on this site.")
    if text in FIXED:
        return text
    kind, _, arg = text.partition(":")
    arg = " ".join(arg.split())
    if kind == "topic":
        if not arg or len(arg) > MAX_TOPIC:
            raise FeedError(f"A topic is 1 to {MAX_TOPIC} characters: topic:<query>.")
        return f"topic:{arg}"
    if kind == "collection":
        if not _SLUG.match(arg) or _collection(owner, arg) is None:
            raise FeedError(f"You have no collection {arg[:60]!r}.")
        return f"collection:{arg}"
    if kind == "follow":
        if not arg.isdigit() or owned_follow(owner, int(arg)) is None:
            raise FeedError(f"You have no follow {arg[:20]!r}.")
        return f"follow:{int(arg)}"
    raise FeedError("The feed is daily, trending, for-you, topic:<query>, "
                    "collection:<slug> or follow:<id>.")


def owned_follow(owner, pk: int):
    if not reader_installed():
        return None
    from paperwire.reader.models import Follow

    return Follow.objects.filter(user=owner, pk=pk).first()


def _collection(owner, slug: str):
    if not apps.is_installed("paperwire.library"):
        return None
    from paperwire.library.models import Collection

    return Collection.objects.owned_by(owner).filter(slug=slug).first()


def window(destination, newest: date) -> tuple[date, date]:
    """The featured days a read of `destination`'s feed covers: from the last day the
    previous read covered (papers featured on it later in the day count too; the
    outbox keeps each once), at most MAX_WINDOW_DAYS; the newest day on a first read
    (the last MAX_WINDOW_DAYS for a weekly destination)."""
    if destination.last_covered_day is None:
        weekly = destination.schedule == "weekly"
        return newest - timedelta(days=MAX_WINDOW_DAYS - 1 if weekly else 0), newest
    first = max(min(destination.last_covered_day, newest),
                newest - timedelta(days=MAX_WINDOW_DAYS - 1))
    return first, newest


def feed_items(destination) -> tuple[list[Item], date | None]:
    """The feed's items now, and the newest featured day they cover (to remember)."""
    feed = destination.feed
    kind, _, arg = feed.partition(":")
    newest = Paper.objects.latest_featured_day()
    if feed == "trending":
        return _trending(), newest
    if feed == "for-you":
        return for_you_items(destination.owner), newest
    if kind == "collection":
        return collection_items(destination, arg), destination.last_covered_day
    if newest is None:
        return [], None
    days = window(destination, newest)
    if feed == "daily":
        return _daily(destination, *days), newest
    if kind == "topic":
        return _topic(arg, *days), newest
    if kind == "follow":
        return follow_items(destination, int(arg), *days), newest
    raise FeedError(f"Unknown feed {feed[:60]!r}.")


def _not_sent(destination):
    """Papers already in the destination's outbox: a busy day is read MAX_ITEMS at a
    time, the next read taking up where this one stopped."""
    from paperwire.deliveries.models import Send

    return Send.objects.filter(destination=destination).values("paper_id")


def _daily(destination, first: date, last: date) -> list[Item]:
    rows = (Paper.objects.featured_between(first, last)
            .exclude(pk__in=_not_sent(destination))
            .order_by("featured_on", "-upvotes", "pk")
            .values_list("pk", "featured_on")[:MAX_ITEMS])
    return [Item(pk, f"new in Daily Papers on {day:%a %d %b %Y}") for pk, day in rows]


def _trending() -> list[Item]:
    rows = Paper.objects.trending().values_list("pk", "upvotes")[:TRENDING_COUNT]
    return [Item(pk, f"trending now: #{rank} in Daily Papers, {votes} upvotes")
            for rank, (pk, votes) in enumerate(rows, start=1)]


def _topic(query: str, first: date, last: date) -> list[Item]:
    from paperwire.digests.build import Builder, Window
    from paperwire.digests.models import SavedSearch

    ids = Builder().alert(SavedSearch(query=query, filters={}), Window(first, last))
    return [Item(pk, f"matches your topic “{query}”") for pk in ids[:MAX_ITEMS]]


def collection_items(destination, slug: str) -> list[Item]:
    collection = _collection(destination.owner, slug)
    if collection is None:
        raise FeedError(f"The collection {slug!r} no longer exists.")
    from paperwire.library.models import CollectionItem

    rows = (CollectionItem.objects.filter(collection=collection,
                                          added_at__gte=destination.created_at,
                                          paper__is_hidden=False)
            .exclude(paper_id__in=_not_sent(destination))
            .order_by("added_at", "pk").values_list("paper_id", flat=True)[:MAX_ITEMS])
    return [Item(pk, f"added to your collection “{collection.name}”") for pk in rows]


def follow_items(destination, pk: int, first: date, last: date) -> list[Item]:
    """The window's papers one follow brings, as For you matches follows."""
    follow = owned_follow(destination.owner, pk)
    if follow is None:
        raise FeedError("The follow no longer exists.")
    if follow.kind == "topic":  # the digests' alert rule, as For you matches topics
        return [Item(item.paper_id, follow.reason)
                for item in _topic(follow.value, first, last)]
    from paperwire.reader.ranking import follow_reasons

    papers = list(Paper.objects.featured_between(first, last)
                  .exclude(pk__in=_not_sent(destination)).select_related("organisation")
                  .only("pk", "author_names", "categories", "organisation__name")
                  .order_by("featured_on", "-upvotes", "pk")[:MAX_CANDIDATES])
    reasons = follow_reasons([follow], papers, {})
    return [Item(p.pk, reasons[p.pk][0]) for p in papers if p.pk in reasons][:MAX_ITEMS]


def for_you_items(owner) -> list[Item]:
    """The owner's For you, from paperwire.reader's ranking (its reasons kept)."""
    if not reader_installed():
        raise FeedError("For you is not available on this site.")
    from paperwire.reader.ranking import for_you

    picks = for_you(owner, limit=FOR_YOU_COUNT, record=False)
    return [Item(pick.paper.pk, "For you: " + "; ".join(pick.reasons or ["recommended"]))
            for pick in picks]
