"""Trending by code (stars gained over 7 days) and "Why this rank?" on both trendings."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from paperwire.enrich.models import CodeRepo, StarCount, papers_by_stars_gained
from paperwire.papers.models import Paper

pytestmark = pytest.mark.django_db
TODAY = date(2024, 1, 20)


def _paper(arxiv_id: str, counts: dict[int, int], **fields) -> Paper:
    """A paper whose repository had `counts[days_ago]` stars on those days."""
    fields.setdefault("featured_on", date(2024, 1, 10))
    paper = Paper.objects.create(arxiv_id=arxiv_id, title=f"Paper {arxiv_id}",
                                 code_url=f"https://github.com/o/{arxiv_id}", **fields)
    for days_ago, stars in counts.items():
        StarCount.objects.create(paper=paper, day=TODAY - timedelta(days=days_ago), stars=stars)
    latest = counts[min(counts)]
    CodeRepo.objects.create(paper=paper, full_name=f"o/{arxiv_id}", stars=latest)
    return paper


def test_it_ranks_by_stars_gained_over_the_last_seven_days():
    _paper("2401.00001", {7: 100, 3: 150, 0: 180})   # +80
    _paper("2401.00002", {10: 0, 6: 900, 0: 1000})   # +100 (day 10 is outside)
    _paper("2401.00003", {2: 5, 0: 90})              # +85: first counted 2 days ago
    _paper("2401.00004", {0: 5000})                  # +0: counted once
    _paper("2401.00005", {9: 10})                    # nothing in the window: left out

    ranked = papers_by_stars_gained(TODAY)
    assert [(p.arxiv_id, p.stars_gained) for p in ranked] == [
        ("2401.00002", 100), ("2401.00003", 85), ("2401.00001", 80), ("2401.00004", 0)]
    first = ranked[0]
    assert (first.stars_now, first.stars_then, first.stars_then_day) == (
        1000, 900, date(2024, 1, 14))


def test_it_leaves_out_hidden_papers():
    _paper("2401.00001", {7: 1, 0: 50}, is_hidden=True)
    assert not papers_by_stars_gained(TODAY).exists()


@time_machine.travel(datetime(2024, 1, 20, 12, 0, tzinfo=UTC), tick=False)
def test_the_page_publishes_the_formula_and_explains_each_rank(client):
    _paper("2401.00001", {7: 100, 0: 180})
    _paper("2401.00002", {5: 10, 0: 500})

    response = client.get("/trending/code")

    html = response.content.decode()
    assert response.status_code == 200
    assert "stars gained = stars now − stars on the first day counted" in html
    assert html.index('href="/papers/2401.00002"') < html.index('href="/papers/2401.00001"')
    assert "Why this rank?" in html
    assert ("500 stars now − 10 on <time datetime=\"2024-01-15\">15 Jan 2024</time> = "
            "<strong>490 gained</strong>") in html
    assert "★</span> 500" in html  # the stars on the card


@time_machine.travel(datetime(2024, 1, 20, 12, 0, tzinfo=UTC), tick=False)
def test_the_page_says_when_nothing_was_counted(client):
    response = client.get("/trending/code")
    assert b"No paper's repository has been counted yet" in response.content
    assert client.get("/trending/code?page=0").status_code == 400


def test_trending_publishes_its_formula_and_each_score(client):
    Paper.objects.create(arxiv_id="2401.00001", title="New", featured_on=date(2024, 1, 18),
                         upvotes=10)
    Paper.objects.create(arxiv_id="2401.00002", title="Older", featured_on=date(2024, 1, 11),
                         upvotes=100)

    html = client.get("/trending").content.decode()

    assert "(upvotes + 1) / (age + 2)<sup>1.5</sup>" in html
    # 11 / 2 ** 1.5 = 3.8891; 101 / 9 ** 1.5 = 3.7407
    assert ("(10 upvotes + 1) / (0 days old + 2)<sup>1.5</sup> = <strong>3.8891</strong>"
            in html)
    assert ("(100 upvotes + 1) / (7 days old + 2)<sup>1.5</sup> = <strong>3.7407</strong>"
            in html)
    assert html.count("<summary>Why this rank?</summary>") == 2


def test_stars_and_thumbnails_on_cards_cost_no_query_per_card(client,
                                                              django_assert_num_queries):
    from paperwire.enrich.models import Thumbnail

    for n in range(10):
        paper = _paper(f"2401.{n:05d}", {0: n}, featured_on=date(2024, 1, 18))
        Thumbnail.objects.create(paper=paper, file_name=f"2401.{n:05d}.webp", width=240,
                                 height=311, fetched_at=datetime(2024, 1, 18, tzinfo=UTC))
    # data version (ETag), newest featured day, the page of cards, the cards' keywords
    with django_assert_num_queries(4):
        html = client.get("/trending").content.decode()
    assert html.count("★</span>") == 10
    assert html.count('<a class="card-thumb"') == 10


def test_a_repository_not_read_yet_shows_no_stars(client):
    # A code link whose stars nobody fetched yet: no empty "★" on the card, no empty
    # "GitHub stars" row on the paper page.
    Paper.objects.create(arxiv_id="2401.00009", title="Unread repository",
                         featured_on=date(2024, 1, 10),
                         code_url="https://github.com/o/unread")
    card = client.get("/papers?date=2024-01-10").content.decode()
    page = client.get("/papers/2401.00009").content.decode()
    assert 'class="stars"' not in card
    assert "GitHub stars" not in page


def test_a_repository_with_no_stars_says_zero(client):
    _paper("2401.00010", {0: 0})
    card = client.get("/papers?date=2024-01-10").content.decode()
    page = client.get("/papers/2401.00010").content.decode()
    assert 'class="stars"' in card and "GitHub stars</dt><dd>0</dd>" in page
