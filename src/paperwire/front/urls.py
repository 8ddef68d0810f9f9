from django.urls import path, re_path

from paperwire.front.views import crawlers, lists, papers, search

# An arXiv id in a URL: new style (2401.10241, 2401.10241v2) or old style, which holds a
# slash (hep-th/9901001, math.GT/0309136v1).
ARXIV_ID = r"(?P<arxiv_id>[A-Za-z][A-Za-z.\-]*/\d{7}(?:v\d+)?|\d{4}\.\d{4,5}(?:v\d+)?)"

urlpatterns = [
    path("", lists.home, name="pw-home"),
    path("papers", lists.papers, name="pw-papers"),
    path("trending", lists.trending, name="pw-trending"),
    path("search", search.search_page, name="pw-search"),
    # The Hub's web URLs for the same lists: a permanent redirect to ours.
    re_path(r"^papers/(?P<kind>date|week|month)/(?P<value>[0-9W\-]{4,10})$",
            lists.hub_period, name="pw-hub-period"),
    path("papers/trending", lists.hub_trending, name="pw-hub-trending"),
    path("sitemap.xml", crawlers.sitemap_index, name="pw-sitemap"),
    path("sitemap-<slug:section>.xml", crawlers.sitemap, name="pw-sitemap-section"),
    path("robots.txt", crawlers.robots, name="pw-robots"),
    path("opensearch.xml", crawlers.opensearch, name="pw-opensearch"),
    re_path(rf"^papers/{ARXIV_ID}\.md$", papers.paper_md, name="pw-paper-md"),
    re_path(rf"^papers/{ARXIV_ID}$", papers.paper, name="pw-paper"),
    path("authors/<int:pk>", papers.author, name="pw-author"),
    path("organisations/<slug:slug>", papers.organisation, name="pw-organisation"),
    re_path(r"^categories/(?P<category>[A-Za-z][A-Za-z\-]*(?:\.[A-Za-z\-]+)?)$",
            papers.category, name="pw-category"),
]
