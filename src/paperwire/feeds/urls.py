from django.urls import path

from paperwire.feeds import feeds
from paperwire.front.caching import cached_list

urlpatterns = [
    path("feeds/daily.rss", cached_list(feeds.DailyFeed()), name="pw-feed-daily-rss"),
    path("feeds/daily.atom", cached_list(feeds.DailyAtom()), name="pw-feed-daily-atom"),
    path("feeds/daily.json", cached_list(feeds.DailyJSON()), name="pw-feed-daily-json"),
    path("feeds/trending.rss", cached_list(feeds.TrendingFeed()),
         name="pw-feed-trending-rss"),
    path("feeds/trending.atom", cached_list(feeds.TrendingAtom()),
         name="pw-feed-trending-atom"),
    path("feeds/trending.json", cached_list(feeds.TrendingJSON()),
         name="pw-feed-trending-json"),
    # A search feed follows its data like a list does, so it is cached the same way.
    path("feeds/search.rss", cached_list(feeds.SearchFeed()), name="pw-feed-search-rss"),
    path("feeds/search.atom", cached_list(feeds.SearchAtom()), name="pw-feed-search-atom"),
    path("feeds/search.json", cached_list(feeds.SearchJSON()), name="pw-feed-search-json"),
]
