"""Author, organisation and category pages."""

from datetime import UTC, datetime

import pytest

from paperwire.papers.models import Author, Organisation, Paper, PaperAuthor

pytestmark = pytest.mark.django_db


def _paper(arxiv_id: str, month: int, **fields) -> Paper:
    fields.setdefault("title", f"Paper {arxiv_id}")
    return Paper.objects.create(arxiv_id=arxiv_id,
                                published_at=datetime(2024, month, 1, tzinfo=UTC), **fields)


def test_the_author_page_lists_their_papers_newest_first(client):
    author = Author.objects.create(name="Min Lin")
    other = Author.objects.create(name="Someone Else")
    old = _paper("2401.00001", 1, title="Older work", author_names=["Min Lin"])
    new = _paper("2403.00001", 3, title="Newer work", author_names=["X", "Min Lin"])
    theirs = _paper("2402.00001", 2, title="Not by Min", author_names=["Someone Else"])
    PaperAuthor.objects.create(paper=old, author=author, position=0)
    PaperAuthor.objects.create(paper=new, author=author, position=1)
    PaperAuthor.objects.create(paper=theirs, author=other, position=0)

    html = client.get(f"/authors/{author.pk}").content.decode()
    assert "<h1>Min Lin</h1>" in html
    assert html.index("Newer work") < html.index("Older work")
    assert "Not by Min" not in html
    assert client.get("/authors/999999").status_code == 404


def test_the_organisation_page_lists_its_papers(client):
    org = Organisation.objects.create(name="Sea AI Lab", slug="sea-ai-lab",
                                      url="https://sail.sea.com")
    _paper("2401.00001", 1, title="From the lab", organisation=org)
    _paper("2401.00002", 1, title="From elsewhere")

    html = client.get("/organisations/sea-ai-lab").content.decode()
    assert "<h1>Sea AI Lab</h1>" in html
    assert "From the lab" in html and "From elsewhere" not in html
    assert 'href="https://sail.sea.com"' in html
    assert client.get("/organisations/nope").status_code == 404


def test_the_category_page_matches_whole_categories(client):
    _paper("2401.00001", 1, title="Primary CL", categories="cs.CL cs.LG")
    _paper("2401.00002", 1, title="Secondary CL", categories="cs.LG cs.CL")
    _paper("2401.00003", 1, title="Only CLI", categories="cs.CLI")
    _paper("2401.00004", 1, title="Hidden CL", categories="cs.CL", is_hidden=True)

    html = client.get("/categories/cs.CL").content.decode()
    assert "Primary CL" in html and "Secondary CL" in html
    assert "Only CLI" not in html and "Hidden CL" not in html
    assert b"No papers here yet" in client.get("/categories/q-bio.NC").content


def test_the_lists_page_and_count_queries(client, django_assert_num_queries):
    author = Author.objects.create(name="Min Lin")
    org = Organisation.objects.create(name="Lab", slug="lab")
    for n in range(35):
        paper = _paper(f"2401.{n:05d}", 1 + n % 12, organisation=org, categories="cs.CL",
                       author_names=["Min Lin"])
        PaperAuthor.objects.create(paper=paper, author=author, position=0)

    for url in (f"/authors/{author.pk}", "/organisations/lab"):
        # data version, the author or organisation, one page of cards, their keywords
        with django_assert_num_queries(4):
            html = client.get(url).content.decode()
        assert html.count('class="card"') == 30
        assert 'rel="next" href="?page=2"' in html
    with django_assert_num_queries(3):
        client.get("/categories/cs.CL")
    assert client.get(f"/authors/{author.pk}?page=2").content.decode().count(
        'class="card"') == 5
    assert client.get(f"/authors/{author.pk}?page=9").status_code == 404
    assert client.get(f"/authors/{author.pk}?page=x").status_code == 400
