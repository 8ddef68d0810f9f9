from datetime import UTC, datetime
from unittest import mock

import pytest
from django.test import Client, override_settings

from paperwire.papers.models import Organisation, Paper
from paperwire.search.query import search

pytestmark = pytest.mark.django_db


def _paper(arxiv_id: str, title: str, abstract: str = "", **fields) -> Paper:
    fields.setdefault("published_at", datetime(2024, 1, 10, tzinfo=UTC))
    return Paper.objects.create(arxiv_id=arxiv_id, title=title, abstract=abstract, **fields)


def test_it_shows_the_box_and_a_few_words_before_any_search(client):
    response = client.get("/search")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<label for="id_q">Search papers</label>' in html
    assert "Search every paper by words and by meaning" in html


def test_it_marks_the_matching_words(client):
    _paper("2401.00001", "Speculative Decoding for Fast Inference",
           "We decode many tokens at once with a draft model.")
    _paper("2401.00002", "Protein Folding", "Nothing about it.")

    response = client.get("/search?q=speculative+decoding")
    html = response.content.decode()
    assert "1 result for “speculative decoding”" in html
    assert "<mark>Speculative</mark> <mark>Decoding</mark> for Fast Inference" in html
    assert "<mark>decode</mark>" in html
    assert "Protein Folding" not in html
    assert 'value="speculative decoding"' in html  # the box keeps the query


def test_every_control_has_a_label(client):
    html = client.get("/search?q=x").content.decode()
    for name in ("q", "date_from", "date_to", "category", "author", "organisation",
                 "has_code", "sort"):
        assert f'<label for="id_{name}">' in html
        assert f'id="id_{name}"' in html


def test_it_filters_by_category_organisation_code_and_dates(client):
    org = Organisation.objects.create(name="Sea AI Lab", slug="sea-ai-lab")
    _paper("2401.00001", "Pipeline parallelism with code", categories="cs.DC",
           organisation=org, code_url="https://github.com/a/b")
    _paper("2401.00002", "Pipeline parallelism without code", categories="cs.DC")
    _paper("2401.00003", "Pipeline parallelism in language", categories="cs.CL",
           published_at=datetime(2023, 5, 1, tzinfo=UTC))

    names = {"2401.00001": "with code", "2401.00002": "without code",
             "2401.00003": "in language"}

    def titles(query: str) -> set[str]:
        html = Client().get(f"/search?q=pipeline&{query}").content.decode()
        return {name for i, name in names.items() if f'href="/papers/{i}"' in html}

    assert titles("") == {"with code", "without code", "in language"}
    assert titles("category=cs.DC") == {"with code", "without code"}
    assert titles("has_code=yes") == {"with code"}
    assert titles("has_code=no") == {"without code", "in language"}
    assert titles("organisation=sea-ai-lab") == {"with code"}
    assert titles("date_from=2024-01-01") == {"with code", "without code"}
    assert titles("date_to=2023-12-31") == {"in language"}


def test_it_lists_filtered_papers_without_a_query(client):
    _paper("2401.00001", "In computation and language", categories="cs.CL")
    _paper("2401.00002", "In vision", categories="cs.CV")
    html = client.get("/search?category=cs.CL").content.decode()
    assert "In computation and language" in html and "In vision" not in html
    assert "Clear filters" in html


def test_it_sorts_by_upvotes_and_date(client):
    _paper("2401.00001", "Diffusion old and popular", upvotes=50,
           published_at=datetime(2023, 1, 1, tzinfo=UTC))
    _paper("2401.00002", "Diffusion new and quiet", upvotes=1,
           published_at=datetime(2024, 3, 1, tzinfo=UTC))
    html = client.get("/search?q=diffusion&sort=upvotes").content.decode()
    assert html.index("old and popular") < html.index("new and quiet")
    html = client.get("/search?q=diffusion&sort=date").content.decode()
    assert html.index("new and quiet") < html.index("old and popular")
    assert '<option value="date" selected>Newest</option>' in html


def test_it_pages_results(client):
    for n in range(25):
        _paper(f"2401.{n:05d}", f"Retrieval augmented generation {n}")
    html = client.get("/search?q=retrieval&sort=date").content.decode()
    assert html.count('class="card"') == 20
    assert "Page 1 of 2" in html
    assert 'rel="next" href="?q=retrieval&amp;sort=date&amp;page=2"' in html
    html = client.get("/search?q=retrieval&sort=date&page=2").content.decode()
    assert html.count('class="card"') == 5
    assert 'rel="prev"' in html


def test_it_says_clearly_when_nothing_matches(client):
    _paper("2401.00001", "Protein folding")
    html = client.get("/search?q=quantum+gravity&category=cs.CL").content.decode()
    assert "No papers match “quantum gravity”" in html
    assert 'href="/search?q=quantum%20gravity">Search again without the filters' in html


@pytest.mark.parametrize("q", [
    '"unbalanced quote', "a AND (b OR", "NEAR(x y)", "🦙🦙 llama", "*", "-", "' OR 1=1 --",
    "x" * 10_000, "word " * 2_000,
])
def test_it_never_fails_on_odd_queries(client, q):
    _paper("2401.00001", "Llama models")
    response = client.get("/search", {"q": q})
    assert response.status_code == 200


def test_it_explains_bad_filters(client):
    response = client.get("/search?q=x&date_from=2024-02-30")
    assert response.status_code == 400
    assert b"Enter a valid date" in response.content
    response = client.get("/search?q=x&date_from=2024-03-01&date_to=2024-02-01")
    assert b"The start date is after the end date." in response.content


@mock.patch("paperwire.front.views.papers.similar_papers", mock.Mock(return_value=[]))
def test_the_search_box_is_on_every_page(client):
    Paper.objects.create(arxiv_id="2401.00001", title="A paper")
    for url in ("/", "/trending", "/papers/2401.00001", "/papers?date=2024-01-01"):
        html = client.get(url).content.decode()
        assert '<form class="site-search" role="search" action="/search" method="get">' in html
    # The search page's own form is the box there; the header does not repeat it.
    html = client.get("/search?q=x").content.decode()
    assert html.count('role="search"') == 1
    assert '<form class="search-form" role="search" method="get" action="/search"' in html


def test_it_links_the_search_feeds(client):
    _paper("2401.00001", "Llama models")
    html = client.get("/search?q=llama&has_code=yes").content.decode()
    assert 'href="/feeds/search.atom?q=llama&amp;has_code=yes"' in html


def test_its_queries_do_not_grow_with_the_results(client, django_assert_max_num_queries):
    org = Organisation.objects.create(name="Lab", slug="lab")
    for n in range(25):
        _paper(f"2401.{n:05d}", f"Retrieval augmented generation {n}", organisation=org,
               author_names=["A B", "C D"], code_url="https://github.com/a/b")
    # The search itself (full-text, vectors, the page of papers) and the cards' keywords;
    # never one per card.
    with django_assert_max_num_queries(9):
        html = client.get("/search?q=retrieval").content.decode()
    assert html.count('class="card"') == 20


def test_it_keeps_results_out_of_shared_caches(client):
    _paper("2401.00001", "Speculative Decoding for Fast Inference")
    response = client.get("/search?q=speculative")
    assert "private" in response["Cache-Control"]
    assert "no-cache" in response["Cache-Control"]


@override_settings(SEARCH_CACHE_SECONDS=60)
def test_it_keeps_the_results_of_readers_signed_out_until_a_paper_changes(client):
    from django.contrib.auth.models import User

    paper = _paper("2401.00001", "Speculative Decoding for Fast Inference")
    with mock.patch("paperwire.front.views.search.search", side_effect=search) as searched:
        for _ in range(2):
            html = client.get("/search?q=speculative").content.decode()
            assert "<mark>Speculative</mark> Decoding" in html
        assert searched.call_count == 1
        paper.title = "Speculative Sampling for Fast Inference"
        paper.save()
        assert "<mark>Speculative</mark> Sampling" in client.get(
            "/search?q=speculative").content.decode()
        assert searched.call_count == 2
        # A signed-in reader's cards show their own votes: rendered for them each time.
        reader = Client()
        reader.force_login(User.objects.create_user("alice", "alice@example.org", "pw"))
        reader.get("/search?q=speculative")
        reader.get("/search?q=speculative")
        assert searched.call_count == 4
