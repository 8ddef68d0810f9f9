from datetime import date

import pytest

from paperwire.papers.models import TRENDING_DAYS, Paper, trending_weight

pytestmark = pytest.mark.django_db


def _paper(arxiv_id: str, day: date, upvotes: int, **fields) -> Paper:
    return Paper.objects.create(arxiv_id=arxiv_id, title=f"Paper {arxiv_id}",
                                featured_on=day, upvotes=upvotes, **fields)


def test_it_weights_upvotes_by_age_in_days():
    assert trending_weight(0) == pytest.approx(2 ** -1.5)
    assert trending_weight(7) == pytest.approx(9 ** -1.5)


def test_it_ranks_by_upvotes_decayed_with_age(client):
    # Newest day: 2024-01-18. Scores are (upvotes + 1) / (age + 2) ** 1.5:
    _paper("2401.00001", date(2024, 1, 18), 10)   # 11 / 2.83  = 3.89
    _paper("2401.00002", date(2024, 1, 17), 30)   # 31 / 5.20  = 5.97
    _paper("2401.00003", date(2024, 1, 11), 100)  # 101 / 27.0 = 3.74
    _paper("2401.00004", date(2024, 1, 18), 0)    # 1 / 2.83   = 0.35

    ranked = list(Paper.objects.trending().values_list("arxiv_id", flat=True))
    assert ranked == ["2401.00002", "2401.00001", "2401.00003", "2401.00004"]

    html = client.get("/trending").content.decode()
    positions = [html.index(f'href="/papers/{i}"') for i in ranked]
    assert positions == sorted(positions)


def test_it_leaves_out_papers_older_than_the_window():
    _paper("2401.00001", date(2024, 1, 18), 1)
    _paper("2401.00002", date(2024, 1, 18 - TRENDING_DAYS + 1), 500)
    _paper("2401.00003", date(2024, 1, 18 - TRENDING_DAYS), 500)
    ranked = set(Paper.objects.trending().values_list("arxiv_id", flat=True))
    assert ranked == {"2401.00001", "2401.00002"}


def test_it_is_stable_between_requests(client):
    for n in range(10):
        _paper(f"2401.{n:05d}", date(2024, 1, 18 - n % 3), 5)  # many ties
    first = client.get("/trending").content
    assert client.get("/trending").content == first


def test_it_says_when_nothing_is_trending(client):
    response = client.get("/trending")
    assert response.status_code == 200
    assert b"Nothing is trending yet" in response.content


def test_it_runs_a_fixed_number_of_queries(client, django_assert_num_queries):
    for n in range(20):
        _paper(f"2401.{n:05d}", date(2024, 1, 18 - n % 5), n, author_names=["A B"])
    # data version (ETag), newest featured day, the page of cards, their keywords
    with django_assert_num_queries(4):
        assert client.get("/trending").status_code == 200
