from django.urls import path

from paperwire.feeds import feeds
from paperwire.front.caching import cached_list


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
]
