"""Private feed URLs: a reader's For you, follows, topics and collections at a secret
token, parsed as RSS, Atom and JSON Feed; revocable; never another reader's."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime

import feedparser
import pytest
from django.urls import reverse

from paperwire.community.tests.conftest import logged_in, make_user
from paperwire.feeds.models import FeedToken
from paperwire.library.models import Collection
from paperwire.papers.models import Paper
from paperwire.reader.models import AUTHOR, TOPIC, Follow

pytestmark = pytest.mark.django_db
DAY = date(2024, 1, 18)
FORMATS = ("rss", "atom", "json")


@pytest.fixture(autouse=True)
def base_url(settings):
    settings.BASE_URL = "https://papers.example.org"


@pytest.fixture
def alice():
    return make_user("alice@example.org", "Alice")


@pytest.fixture
def bob():
    return make_user("bob@example.org", "Bob")


def _paper(arxiv_id: str, title: str, **fields) -> Paper:
    fields.setdefault("published_at", datetime(2024, 1, 16, 9, 30, tzinfo=UTC))
    fields.setdefault("featured_on", DAY)
    return Paper.objects.create(arxiv_id=arxiv_id, title=title,
                                abstract=fields.pop("abstract", f"About {title}."), **fields)


@pytest.fixture
def papers() -> dict[str, Paper]:
    return {
        "pipeline": _paper("2401.10241", "Zero Bubble Pipeline Parallelism",
                           author_names=["Penghui Qi"], upvotes=40),
        "decoding": _paper("2401.10774", "Medusa: speculative decoding with heads",
                           abstract="Speculative decoding makes inference faster.",
                           upvotes=30),
        "vision": _paper("2401.00003", "Seeing <b>things</b>", upvotes=5),
    }


def _titles(client, url: str, fmt: str) -> list[str]:
    response = client.get(url)
    assert response.status_code == 200, response.content
    assert response["Cache-Control"] == "private, max-age=300"
    assert response["X-Robots-Tag"] == "noindex"
    if fmt == "json":
        data = json.loads(response.content)
        assert data["version"] == "https://jsonfeed.org/version/1.1"
        return [item["title"] for item in data["items"]]
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.bozo_exception
    assert feed.version == {"rss": "rss20", "atom": "atom10"}[fmt]
    return [entry.title for entry in feed.entries]


def _urls(client) -> list[str]:
    """Make the URLs from the profile page, as a reader does; the paths it shows."""
    response = client.post("/account/feed-token")
    assert response.status_code == 200
    return re.findall(r"<code>https://papers\.example\.org(/feeds/u/[^<]+)</code>",
                      response.content.decode())


def test_it_serves_each_list_of_the_reader_in_three_formats(alice, papers):
    reading = Collection.objects.create_for(alice, "Reading group")
    reading.add(papers["vision"], alice)
    topic = Follow.objects.create(user=alice, kind=TOPIC, value="speculative decoding")
    Follow.objects.create(user=alice, kind=AUTHOR, value="Penghui Qi")

    paths = _urls(logged_in(alice))
    token = FeedToken.objects.get(user=alice)
    assert len(paths) == 4 * 3  # for you, follows, one topic, one collection
    assert not any(token.token_hash in p for p in paths)
    raw = paths[0].split("/")[3]
    anonymous = type(logged_in(alice))()  # a feed reader has no session
    for fmt in FORMATS:
        base = f"/feeds/u/{raw}"
        assert f"{base}/for-you.{fmt}" in paths
        # The saved paper is known already: For you lists the other two.
        assert set(_titles(anonymous, f"{base}/for-you.{fmt}", fmt)) == {
            papers["pipeline"].title, papers["decoding"].title}
        assert _titles(anonymous, f"{base}/follows.{fmt}", fmt) == [
            papers["pipeline"].title, papers["decoding"].title]
        assert _titles(anonymous, f"{base}/topics/{topic.pk}.{fmt}", fmt) == [
            papers["decoding"].title]
        assert _titles(anonymous, f"{base}/collections/{reading.slug}.{fmt}", fmt) == [
            papers["vision"].title]


def test_it_says_why_each_paper_of_what_they_follow_is_there(client, alice, papers):
    Follow.objects.create(user=alice, kind=AUTHOR, value="Penghui Qi")
    raw = FeedToken.objects.issue(alice)
    response = client.get(f"/feeds/u/{raw}/follows.json")
    item = json.loads(response.content)["items"][0]
    assert item["content_html"].startswith("<p>Why: you follow Penghui Qi</p>")


def test_it_escapes_titles_and_abstracts(client, alice, papers):
    reading = Collection.objects.create_for(alice, "Reading")
    reading.add(papers["vision"], alice)
    raw = FeedToken.objects.issue(alice)
    response = client.get(f"/feeds/u/{raw}/collections/{reading.slug}.rss")
    assert b"<b>things" not in response.content


def test_it_never_serves_another_readers_lists(client, alice, bob, papers):
    secret = Collection.objects.create_for(bob, "Secret")
    secret.add(papers["pipeline"], bob)
    bobs_topic = Follow.objects.create(user=bob, kind=TOPIC, value="pipelines")
    Collection.objects.create_for(alice, "Reading")
    alices = FeedToken.objects.issue(alice)
    bobs = FeedToken.objects.issue(bob)
    for fmt in FORMATS:
        assert client.get(f"/feeds/u/{alices}/collections/secret.{fmt}").status_code == 404
        assert client.get(f"/feeds/u/{alices}/topics/{bobs_topic.pk}.{fmt}").status_code == 404
        assert client.get(f"/feeds/u/{bobs}/collections/reading.{fmt}").status_code == 404
        assert client.get(f"/feeds/u/{bobs}/collections/secret.{fmt}").status_code == 200


def test_a_revoked_or_replaced_token_is_a_404(client, alice, papers):
    first = FeedToken.objects.issue(alice)
    assert client.get(f"/feeds/u/{first}/for-you.atom").status_code == 200
    second = FeedToken.objects.issue(alice)  # "make new URLs"
    assert client.get(f"/feeds/u/{first}/for-you.atom").status_code == 404
    assert client.get(f"/feeds/u/{second}/for-you.atom").status_code == 200
    response = logged_in(alice).post("/account/feed-token/revoke")
    assert response.status_code == 302
    assert client.get(f"/feeds/u/{second}/for-you.atom").status_code == 404
    assert not FeedToken.objects.filter(user=alice).exists()


@pytest.mark.parametrize("token", ["pw_notafeedtoken", "pwf_" + "x" * 43, "x" * 101])
def test_an_unknown_token_is_a_404(client, alice, token):
    FeedToken.objects.issue(alice)
    assert client.get(f"/feeds/u/{token}/for-you.rss").status_code == 404


def test_a_nul_in_the_token_is_refused_before_the_view(client, alice):
    FeedToken.objects.issue(alice)
    assert client.get("/feeds/u/pwf_%00/for-you.rss").status_code == 400


def test_an_inactive_readers_feeds_are_gone(client, alice, papers):
    raw = FeedToken.objects.issue(alice)
    alice.is_active = False
    alice.save()
    assert client.get(f"/feeds/u/{raw}/for-you.rss").status_code == 404


def test_the_profile_page_offers_them_and_only_posts_change_them(alice, bob):
    client = logged_in(alice)
    page = client.get(reverse("pw-profile", args=[alice.pk]))
    assert b"Make private feed URLs" in page.content
    assert client.get("/account/feed-token").status_code == 405
    FeedToken.objects.issue(alice)
    page = client.get(reverse("pw-profile", args=[alice.pk]))
    assert b"Make new URLs" in page.content and b"Revoke them" in page.content
    # Bob's profile, seen by alice, offers nothing of the kind.
    FeedToken.objects.issue(bob)
    assert b"Private feed URLs" not in client.get(
        reverse("pw-profile", args=[bob.pk])).content


def test_logged_out_readers_cannot_make_them(client):
    response = client.post("/account/feed-token")
    assert response.status_code == 302 and "/login" in response["Location"]
