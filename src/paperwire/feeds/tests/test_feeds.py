import gzip
import html
import json
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime

import feedparser
import pytest

from paperwire.papers.models import Paper

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"


@pytest.fixture(autouse=True)
def base_url(settings):
    # The client asks for http://testserver: links must not follow its Host header.
    settings.BASE_URL = "https://papers.example.org"


def _paper(arxiv_id: str, day: date | None, **fields) -> Paper:
    fields.setdefault("title", f"Paper {arxiv_id}")
    fields.setdefault("published_at", datetime(2024, 1, 16, 9, 30, tzinfo=UTC))
    return Paper.objects.create(arxiv_id=arxiv_id, featured_on=day, **fields)


def _parse(client, url: str):
    response = client.get(url)
    assert response.status_code == 200, response.content
    return feedparser.parse(response.content), response


@pytest.mark.parametrize("fmt,mime,version", [
    ("rss", "application/rss+xml", "rss20"), ("atom", "application/atom+xml", "atom10")])
def test_the_daily_feed_lists_the_newest_featured_papers(client, fmt, mime, version):
    _paper("2401.10241", date(2024, 1, 18), title="Zero Bubble Pipeline Parallelism",
           abstract="Pipeline parallelism\nmatters.", author_names=["Penghui Qi", "Min Lin"],
           categories="cs.DC cs.LG", upvotes=5)
    _paper("2401.00002", date(2024, 1, 17), title="Yesterday", upvotes=50)
    _paper("2401.00003", None, title="Never featured")

    feed, response = _parse(client, f"/feeds/daily.{fmt}")
    assert response.headers["Content-Type"].startswith(mime)
    assert feed.version == version
    assert feed.feed.title == "Daily Papers · paperwire"
    assert [e.title for e in feed.entries] == ["Zero Bubble Pipeline Parallelism", "Yesterday"]
    entry = feed.entries[0]
    assert entry.link == "https://papers.example.org/papers/2401.10241"
    assert entry.summary == "Pipeline parallelism matters."
    assert entry.author == "Penghui Qi, Min Lin"
    assert [t.term for t in entry.tags] == ["cs.DC", "cs.LG"]
    assert entry.published_parsed[:5] == (2024, 1, 16, 9, 30)


def test_the_daily_feed_takes_the_page_parameters(client):
    _paper("2401.00001", date(2024, 1, 15), title="Monday", upvotes=1)
    _paper("2401.00002", date(2024, 1, 17), title="Wednesday", upvotes=9)
    _paper("2401.00003", date(2024, 1, 22), title="Next week")

    feed, _ = _parse(client, "/feeds/daily.atom?week=2024-W03")
    assert [e.title for e in feed.entries] == ["Wednesday", "Monday"]
    assert feed.feed.title == "Daily Papers, Week 3 of 2024 · paperwire"
    assert feed.feed.link == "https://papers.example.org/papers?week=2024-W03&sort=upvotes"
    feed, _ = _parse(client, "/feeds/daily.rss?date=2024-01-15")
    assert [e.title for e in feed.entries] == ["Monday"]


def test_the_daily_feed_refuses_bad_parameters(client, caplog):
    assert client.get("/feeds/daily.rss?date=2024-02-30").status_code == 400
    assert client.get("/feeds/daily.json?week=W3").status_code == 400
    for query in ("date=9999-12-31", "week=9999-W52", "month=9999-12"):
        for fmt in ("rss", "atom", "json"):
            assert client.get(f"/feeds/daily.{fmt}?{query}").status_code == 400
    assert not [r for r in caplog.records if r.levelname == "ERROR"]


def test_the_json_feed_follows_json_feed_1_1(client):
    _paper("2401.10241", date(2024, 1, 18), title="Zero Bubble",
           abstract="Pipeline <b>parallelism</b>.", author_names=["Penghui Qi", "Min Lin"],
           categories="cs.DC")
    response = client.get("/feeds/daily.json")
    assert response.headers["Content-Type"] == "application/feed+json; charset=utf-8"
    data = json.loads(response.content)
    assert data["version"] == "https://jsonfeed.org/version/1.1"
    assert data["title"] == "Daily Papers · paperwire"
    assert data["home_page_url"] == "https://papers.example.org/"
    assert data["feed_url"] == "https://papers.example.org/feeds/daily.json"
    (item,) = data["items"]
    assert item["id"] == item["url"] == "https://papers.example.org/papers/2401.10241"
    assert item["external_url"] == "https://arxiv.org/abs/2401.10241"
    assert item["title"] == "Zero Bubble"
    assert item["content_text"] == "Pipeline <b>parallelism</b>."
    assert item["content_html"] == "Pipeline &lt;b&gt;parallelism&lt;/b&gt;."
    assert item["authors"] == [{"name": "Penghui Qi"}, {"name": "Min Lin"}]
    assert item["tags"] == ["cs.DC"]
    assert item["date_published"] == "2024-01-16T09:30:00+00:00"


def test_the_trending_feed_ranks_like_the_page(client):
    _paper("2401.00001", date(2024, 1, 18), title="Fresh", upvotes=10)
    _paper("2401.00002", date(2024, 1, 17), title="Day old, popular", upvotes=30)
    _paper("2401.00003", date(2023, 12, 1), title="Too old", upvotes=999)
    for fmt in ("rss", "atom"):
        feed, _ = _parse(client, f"/feeds/trending.{fmt}")
        assert [e.title for e in feed.entries] == ["Day old, popular", "Fresh"]
    items = json.loads(client.get("/feeds/trending.json").content)["items"]
    assert [i["title"] for i in items] == ["Day old, popular", "Fresh"]


def test_the_search_feed_follows_any_search(client):
    _paper("2401.00001", None, title="Speculative decoding", categories="cs.CL")
    _paper("2401.00002", None, title="Speculative sampling", categories="cs.LG")
    _paper("2401.00003", None, title="Protein folding", categories="cs.LG")
    feed, _ = _parse(client, "/feeds/search.atom?q=speculative&category=cs.CL")
    assert [e.title for e in feed.entries] == ["Speculative decoding"]
    assert feed.feed.title == "Search: speculative · paperwire"
    assert feed.feed.link == "https://papers.example.org/search?q=speculative&category=cs.CL"
    feed, _ = _parse(client, "/feeds/search.rss?q=speculative&sort=date")
    assert len(feed.entries) == 2
    assert client.get("/feeds/search.json").status_code == 400  # no query, no filter


def test_every_feed_shows_untrusted_text_as_text(client):
    _paper("2401.06666", date(2024, 1, 18), title=f"Attack {SCRIPT} {IMG}",
           abstract=f"Abstract {SCRIPT} {IMG}", author_names=[f"Mallory {IMG}"])
    for url in ("/feeds/daily.rss", "/feeds/daily.atom", "/feeds/trending.rss",
                "/feeds/trending.atom", "/feeds/search.rss?q=attack",
                "/feeds/search.atom?q=attack"):
        feed, response = _parse(client, url)
        entry = feed.entries[0]
        # Titles are plain text: a reader shows the characters.
        assert entry.title == f"Attack {SCRIPT} {IMG}", url
        assert entry.title_detail.type == "text/plain", url
        # The summary is HTML that, rendered, shows the characters.
        assert entry.summary_detail.type == "text/html", url
        assert "<script" not in entry.summary and "<img" not in entry.summary, url
        assert html.unescape(entry.summary) == f"Abstract {SCRIPT} {IMG}", url
        # Nothing arrives as markup in the XML either.
        assert b"<script" not in response.content and b"<img" not in response.content
    for url in ("/feeds/daily.json", "/feeds/trending.json", "/feeds/search.json?q=attack"):
        item = json.loads(client.get(url).content)["items"][0]
        assert item["title"] == f"Attack {SCRIPT} {IMG}"
        assert item["content_text"] == f"Abstract {SCRIPT} {IMG}"
        assert "<" not in item["content_html"]


def test_feeds_carry_an_etag(client):
    _paper("2401.00001", date(2024, 1, 18))
    response = client.get("/feeds/daily.rss")
    assert client.get("/feeds/daily.rss",
                      headers={"if-none-match": response.headers["ETag"]}).status_code == 304


def test_feeds_run_a_fixed_number_of_queries(client, django_assert_num_queries):
    for n in range(30):
        _paper(f"2401.{n:05d}", date(2024, 1, 10 + n % 5), author_names=["A B"],
               categories="cs.CL")
    with django_assert_num_queries(2):  # the list's version (ETag), items
        client.get("/feeds/daily.rss")
    with django_assert_num_queries(4):  # newest day and list for the ETag, then again
        client.get("/feeds/trending.json")


ATOM = "{http://www.w3.org/2005/Atom}"


def test_every_atom_entry_carries_updated(client):
    _paper("2401.00001", date(2024, 1, 18),
           updated_at=datetime(2024, 1, 20, 8, 0, tzinfo=UTC))
    _paper("2401.00002", date(2024, 1, 18), published_at=None)
    root = ET.fromstring(client.get("/feeds/daily.atom").content)
    entries = root.findall(f"{ATOM}entry")
    assert len(entries) == 2
    updated = {e.find(f"{ATOM}id").text: e.find(f"{ATOM}updated").text for e in entries}
    assert updated == {
        "https://papers.example.org/papers/2401.00001": "2024-01-20T08:00:00+00:00",
        # No arXiv date: the day it was featured.
        "https://papers.example.org/papers/2401.00002": "2024-01-18T00:00:00+00:00",
    }


@pytest.mark.parametrize("fmt", ["rss", "atom", "json"])
def test_the_self_link_keeps_the_query(client, fmt):
    _paper("2401.00001", date(2024, 1, 18))
    response = client.get(f"/feeds/daily.{fmt}?week=2024-W03&sort=upvotes")
    want = "https://papers.example.org/feeds/daily." + fmt + "?week=2024-W03&sort=upvotes"
    if fmt == "json":
        assert response.json()["feed_url"] == want
        return
    root = ET.fromstring(response.content)
    links = [el for el in root.iter() if el.tag.endswith("link")
             and el.get("rel") == "self"]
    assert [el.get("href") for el in links] == [want]


def test_links_never_come_from_the_host_header(client, settings):
    settings.ALLOWED_HOSTS = ["*"]
    _paper("2401.00001", date(2024, 1, 18))
    for url in ("/feeds/daily.atom", "/feeds/trending.rss", "/feeds/search.atom?q=x"):
        body = client.get(url, headers={"host": "evil.example"}).content.decode()
        assert "evil.example" not in body, url
        assert "https://papers.example.org/" in body


def test_feeds_are_compressed_and_revalidate_when_compressed(client):
    _paper("2401.00001", date(2024, 1, 18), title="Zero Bubble")
    response = client.get("/feeds/daily.atom", headers={"accept-encoding": "gzip"})
    assert response.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response.headers["Vary"]
    feed = feedparser.parse(gzip.decompress(response.content))
    assert [e.title for e in feed.entries] == ["Zero Bubble"]
    # GZipMiddleware weakens the ETag; sent back, it still matches.
    etag = response.headers["ETag"]
    assert etag.startswith('W/"')
    again = client.get("/feeds/daily.atom",
                       headers={"accept-encoding": "gzip", "if-none-match": etag})
    assert again.status_code == 304


def test_a_feeds_etag_follows_only_its_own_papers(client):
    mine = _paper("2401.00001", date(2024, 1, 18))
    other = _paper("2401.00002", date(2024, 1, 17))
    url = "/feeds/daily.rss?date=2024-01-18"
    first = client.get(url).headers["ETag"]

    other.upvotes = 40  # a vote on a paper of another day
    other.save()
    assert client.get(url).headers["ETag"] == first
    mine.upvotes = 3
    mine.save()
    assert client.get(url).headers["ETag"] != first
