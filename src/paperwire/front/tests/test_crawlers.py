"""Link previews and crawlers (issue 16, item 8): OpenGraph and Twitter tags, the
sitemaps, robots.txt, the OpenSearch description; and the Hub's web URL shapes."""

import html
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime
from html.parser import HTMLParser

import pytest

from paperwire.front import sitemaps
from paperwire.papers.models import Author, Paper

pytestmark = pytest.mark.django_db
BASE = "https://papers.example.org"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


@pytest.fixture(autouse=True)
def base_url(settings):
    settings.BASE_URL = BASE
    settings.ALLOWED_HOSTS = ["*"]  # so a forged Host header reaches the views


def _paper(arxiv_id: str, day: date | None = None, **fields) -> Paper:
    fields.setdefault("title", f"Paper {arxiv_id}")
    return Paper.objects.create(arxiv_id=arxiv_id, featured_on=day, **fields)


class _Meta(HTMLParser):
    def __init__(self):
        super().__init__()
        self.meta: dict[str, list[str]] = {}
        self.links: list[dict] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "meta" and ("property" in attrs or "name" in attrs):
            key = attrs.get("property") or attrs["name"]
            self.meta.setdefault(key, []).append(attrs["content"])
        if tag == "link":
            self.links.append(attrs)


def _head(client, url: str) -> _Meta:
    response = client.get(url, headers={"host": "evil.example"})
    assert response.status_code == 200
    parser = _Meta()
    parser.feed(response.content.decode())
    return parser


def test_a_paper_page_has_opengraph_and_twitter_tags(client):
    _paper("2401.10241", date(2024, 1, 18), title='Zero "Bubble" <script>x</script>',
           abstract="Pipeline parallelism " * 40, author_names=["Penghui Qi", "Min Lin"],
           published_at=datetime(2024, 1, 16, 9, 30, tzinfo=UTC))
    head = _head(client, "/papers/2401.10241")
    meta = {k: v[0] for k, v in head.meta.items()}
    assert meta["og:type"] == "article"
    assert meta["og:title"] == 'Zero "Bubble" <script>x</script>'  # escaped, read back
    assert meta["og:url"] == f"{BASE}/papers/2401.10241"  # never the Host header
    assert meta["og:description"].startswith("Pipeline parallelism")
    assert len(meta["og:description"]) <= 300
    assert head.meta["article:author"] == ["Penghui Qi", "Min Lin"]
    assert meta["twitter:card"] == "summary"  # no thumbnail yet
    assert "og:image" not in meta
    (canonical,) = [lk for lk in head.links if lk.get("rel") == "canonical"]
    assert canonical["href"] == f"{BASE}/papers/2401.10241"
    raw = client.get("/papers/2401.10241").content.decode()
    assert "<script>x</script>" not in raw


def test_every_page_offers_the_opensearch_description(client):
    _paper("2401.10241", date(2024, 1, 18))
    for url in ("/", "/trending", "/papers/2401.10241"):
        (link,) = [lk for lk in _head(client, url).links if lk.get("rel") == "search"]
        assert link["type"] == "application/opensearchdescription+xml"
        assert link["href"] == "/opensearch.xml"


def test_the_opensearch_description_points_at_the_search(client):
    response = client.get("/opensearch.xml", headers={"host": "evil.example"})
    assert response["Content-Type"] == "application/opensearchdescription+xml"
    root = ET.fromstring(response.content)
    ns = "{http://a9.com/-/spec/opensearch/1.1/}"
    assert root.find(f"{ns}ShortName").text == "paperwire"
    urls = {u.get("type"): u.get("template") for u in root.findall(f"{ns}Url")}
    assert urls["text/html"] == f"{BASE}/search?q={{searchTerms}}"
    assert urls["application/atom+xml"] == f"{BASE}/feeds/search.atom?q={{searchTerms}}"
    assert b"evil.example" not in response.content


def test_robots_txt_points_at_the_sitemap_and_keeps_private_areas_out(client):
    response = client.get("/robots.txt")
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    lines = response.content.decode().splitlines()
    assert f"Sitemap: {BASE}/sitemap.xml" in lines
    for private in ("/admin/", "/account", "/digests/"):
        assert f"Disallow: {private}" in lines


def test_the_sitemaps_list_papers_days_and_authors(client):
    _paper("2401.10241", date(2024, 1, 18), author_names=["Ada Lovelace"])
    _paper("2401.00002", date(2024, 1, 17))
    _paper("2401.00003", is_hidden=True)
    ada = Author.objects.create(name="Ada Lovelace")

    index = ET.fromstring(client.get("/sitemap.xml", headers={"host": "evil.example"}).content)
    sections = [loc.text for loc in index.iter(f"{SITEMAP}loc")]
    assert sections == [f"{BASE}/sitemap-papers.xml", f"{BASE}/sitemap-days.xml",
                        f"{BASE}/sitemap-authors.xml"]

    def locs(section):
        response = client.get(f"/sitemap-{section}.xml", headers={"host": "evil.example"})
        assert response.status_code == 200
        return [loc.text for loc in ET.fromstring(response.content).iter(f"{SITEMAP}loc")]

    assert locs("papers") == [f"{BASE}/papers/2401.10241", f"{BASE}/papers/2401.00002"]
    assert locs("days") == [f"{BASE}/papers?date=2024-01-18", f"{BASE}/papers?date=2024-01-17"]
    assert locs("authors") == [f"{BASE}/authors/{ada.pk}"]
    assert client.get("/sitemap-nope.xml").status_code == 404


def test_a_large_sitemap_is_split_into_pages(client, monkeypatch):
    monkeypatch.setattr(sitemaps.PaperSitemap, "limit", 2)
    for n in range(5):
        _paper(f"2401.{n:05d}")
    index = ET.fromstring(client.get("/sitemap.xml").content)
    papers = [loc.text for loc in index.iter(f"{SITEMAP}loc") if "-papers" in loc.text]
    assert papers == [f"{BASE}/sitemap-papers.xml", f"{BASE}/sitemap-papers.xml?p=2",
                      f"{BASE}/sitemap-papers.xml?p=3"]
    page = ET.fromstring(client.get("/sitemap-papers.xml?p=3").content)
    assert [loc.text for loc in page.iter(f"{SITEMAP}loc")] == [f"{BASE}/papers/2401.00004"]


@pytest.mark.parametrize("path,target", [
    ("/papers/date/2024-01-05", "/papers?date=2024-01-05"),
    ("/papers/week/2024-W01", "/papers?week=2024-W01"),
    ("/papers/month/2024-01", "/papers?month=2024-01"),
    ("/papers/date/2024-01-05?sort=time", "/papers?date=2024-01-05&sort=time"),
    ("/papers/trending", "/trending"),
])
def test_the_hubs_web_urls_lead_to_the_same_lists(client, path, target):
    _paper("2401.10241", date(2024, 1, 5))
    response = client.get(path)
    assert response.status_code == 301
    assert response["Location"] == target
    assert client.get(target).status_code == 200


def test_an_impossible_hub_date_is_a_400_page(client):
    response = client.get("/papers/date/2024-02-30", follow=True)
    assert response.status_code == 400
    assert "2024-02-30" in html.unescape(response.content.decode())


def test_a_thumbnail_makes_a_large_card(client, monkeypatch):
    # The hook for thumbnails (another item): once a paper has one, previews show it.
    monkeypatch.setattr(Paper, "thumbnail_url", "https://cdn.example.org/2401.10241.png",
                        raising=False)
    _paper("2401.10241", date(2024, 1, 18))
    meta = {k: v[0] for k, v in _head(client, "/papers/2401.10241").meta.items()}
    assert meta["og:image"] == meta["twitter:image"] == \
        "https://cdn.example.org/2401.10241.png"
    assert meta["twitter:card"] == "summary_large_image"
