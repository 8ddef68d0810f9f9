from django.urls import path, re_path

from paperwire.feeds import feeds, views
from paperwire.feeds.private import (
    CollectionFeed,
    FollowsFeed,
    ForYouFeed,
    TopicFeed,
    private_feed,
)
from paperwire.front.caching import cached_list

PRIVATE = r"feeds/u/(?P<token>[A-Za-z0-9_-]{1,100})"
FORMAT = r"(?P<fmt>rss|atom|json)"


def _listed(feed: feeds.PaperFeed):
    """A feed whose ETag follows what it lists (not every paper of the site)."""
    return cached_list(feed, version=feeds.feed_version(feed))


urlpatterns = [
    path("feeds/daily.rss", _listed(feeds.DailyFeed()), name="pw-feed-daily-rss"),
    path("feeds/daily.atom", _listed(feeds.DailyAtom()), name="pw-feed-daily-atom"),
    path("feeds/daily.json", _listed(feeds.DailyJSON()), name="pw-feed-daily-json"),
    path("feeds/trending.rss", _listed(feeds.TrendingFeed()), name="pw-feed-trending-rss"),
    path("feeds/trending.atom", _listed(feeds.TrendingAtom()),
         name="pw-feed-trending-atom"),
    path("feeds/trending.json", _listed(feeds.TrendingJSON()),
         name="pw-feed-trending-json"),
    # A search feed ranks every paper: its version is the whole site's.
    path("feeds/search.rss", cached_list(feeds.SearchFeed()), name="pw-feed-search-rss"),
    path("feeds/search.atom", cached_list(feeds.SearchAtom()), name="pw-feed-search-atom"),
    path("feeds/search.json", cached_list(feeds.SearchJSON()), name="pw-feed-search-json"),
    # A reader's own lists at their secret token (private.py).
    re_path(rf"^{PRIVATE}/for-you\.{FORMAT}$", private_feed(ForYouFeed),
            name="pw-private-for-you"),
    re_path(rf"^{PRIVATE}/follows\.{FORMAT}$", private_feed(FollowsFeed),
            name="pw-private-follows"),
    re_path(rf"^{PRIVATE}/topics/(?P<topic_id>[0-9]{{1,18}})\.{FORMAT}$",
            private_feed(TopicFeed), name="pw-private-topic"),
    re_path(rf"^{PRIVATE}/collections/(?P<slug>[-a-zA-Z0-9_]{{1,60}})\.{FORMAT}$",
            private_feed(CollectionFeed), name="pw-private-collection"),
    path("account/feed-token", views.new_feed_token, name="pw-feed-token-new"),
    path("account/feed-token/revoke", views.revoke_feed_token, name="pw-feed-token-revoke"),
]
