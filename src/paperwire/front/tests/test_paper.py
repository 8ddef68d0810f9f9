from datetime import UTC, date, datetime
from unittest import mock

import pytest

from paperwire.papers.models import Author, Organisation, Paper, PaperAuthor

pytestmark = pytest.mark.django_db


def _zero_bubble() -> Paper:
    org = Organisation.objects.create(name="Sea AI Lab", slug="sea-ai-lab")
    paper = Paper.objects.create(
        arxiv_id="2401.10241", version=2, title="Zero Bubble Pipeline Parallelism",
        abstract="Pipeline parallelism is one of the key components\nfor large-scale "
                 "training.\n\nWe open sourced it.",
        author_names=["Penghui Qi", "Xinyi Wan"], organisation=org,
        categories="cs.DC cs.LG", primary_category="cs.DC",
        published_at=datetime(2024, 1, 16, 9, 0, tzinfo=UTC),
        updated_at=datetime(2024, 2, 1, 9, 0, tzinfo=UTC),
        featured_on=date(2024, 1, 18), upvotes=23, num_comments=2,
        code_url="https://github.com/sail-sg/zero-bubble",
        project_url="https://example.org/zb")
    qi = Author.objects.create(name="Penghui Qi")
    wan = Author.objects.create(name="Xinyi Wan")
    PaperAuthor.objects.create(paper=paper, author=qi, position=0)
    PaperAuthor.objects.create(paper=paper, author=wan, position=1)
    return paper


@pytest.fixture(autouse=True)
def no_similar():
    # Similar papers come from the search app's vector index; tested with it below.
    with mock.patch("paperwire.front.views.papers.similar_papers", return_value=[]) as m:
        yield m


def test_it_shows_the_paper(client):
    paper = _zero_bubble()
    response = client.get("/papers/2401.10241")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Zero Bubble Pipeline Parallelism</h1>" in html
    qi = Author.objects.get(name="Penghui Qi")
    assert f'<a href="/authors/{qi.pk}">Penghui Qi</a>' in html
    assert 'href="/organisations/sea-ai-lab">Sea AI Lab</a>' in html
    # arXiv's hard wraps are joined; blank lines still part paragraphs
    assert "<p>Pipeline parallelism is one of the key components for large-scale " \
           "training.</p><p>We open sourced it.</p>" in html
    assert '<time datetime="2024-01-16T09:00:00+00:00">16 January 2024</time>' in html
    assert ">1 February 2024</time>" in html
    assert 'href="/papers?date=2024-01-18"' in html
    assert '<a href="/categories/cs.DC">cs.DC</a>' in html
    assert 'href="https://arxiv.org/abs/2401.10241"' in html
    assert 'href="https://arxiv.org/pdf/2401.10241"' in html
    assert 'href="https://github.com/sail-sg/zero-bubble"' in html
    assert 'href="https://example.org/zb"' in html
    assert 'href="/papers/2401.10241.md"' in html
    assert "arXiv:2401.10241v2" in html
    assert paper.bibtex() in html.replace("&#x27;", "'")


def test_it_writes_bibtex():
    paper = _zero_bubble()
    assert paper.bibtex() == (
        "@misc{qi2024zero,\n"
        "  title={Zero Bubble Pipeline Parallelism},\n"
        "  author={Penghui Qi and Xinyi Wan},\n"
        "  year={2024},\n"
        "  eprint={2401.10241},\n"
        "  archivePrefix={arXiv},\n"
        "  primaryClass={cs.DC},\n"
        "  url={https://arxiv.org/abs/2401.10241}\n"
        "}")


def test_it_balances_braces_in_bibtex():
    paper = Paper(arxiv_id="2401.00001", title="A }broken{ title {", author_names=[])
    assert "title={A broken{ title {}}}" in paper.bibtex()


def test_it_shows_an_old_style_id(client):
    Paper.objects.create(arxiv_id="hep-th/9901001", title="Old style",
                         published_at=datetime(1999, 1, 4, tzinfo=UTC))
    response = client.get("/papers/hep-th/9901001")
    assert response.status_code == 200
    assert b"Old style" in response.content
    assert client.get("/papers/hep-th/9901001.md").status_code == 200


def test_it_redirects_other_forms_of_the_id(client):
    Paper.objects.create(arxiv_id="math/0309136", title="Subject class")
    Paper.objects.create(arxiv_id="2401.10241", title="Versioned")
    response = client.get("/papers/2401.10241v3")
    assert response.status_code == 301
    assert response.headers["Location"] == "/papers/2401.10241"
    response = client.get("/papers/math.GT/0309136v1")
    assert response.headers["Location"] == "/papers/math/0309136"
    response = client.get("/papers/2401.10241v3.md")
    assert response.headers["Location"] == "/papers/2401.10241.md"


def test_it_answers_404_for_unknown_and_hidden_papers(client):
    Paper.objects.create(arxiv_id="2401.00002", title="Hidden", is_hidden=True)
    assert client.get("/papers/2401.00001").status_code == 404
    assert client.get("/papers/2401.00002").status_code == 404
    assert client.get("/papers/2401.00002.md").status_code == 404
    assert client.get("/papers/not-an-id").status_code == 404


def test_it_serves_markdown(client):
    _zero_bubble()
    response = client.get("/papers/2401.10241.md")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/markdown; charset=utf-8"
    text = response.content.decode()
    assert text.startswith("# Zero Bubble Pipeline Parallelism\n")
    assert "- **Authors:** Penghui Qi, Xinyi Wan" in text
    assert "- **Code:** <https://github.com/sail-sg/zero-bubble>" in text
    assert "- **Page:** <http://testserver/papers/2401.10241>" in text
    assert "## Abstract\n\nPipeline parallelism is one of the key components for " \
           "large-scale training.\n\nWe open sourced it.\n" in text
    assert "```bibtex\n@misc{qi2024zero," in text


def test_it_shows_similar_papers(client, no_similar):
    paper = _zero_bubble()
    other = Paper.objects.create(arxiv_id="2401.00005", title="Pipeline Schedules",
                                 author_names=["X Y"], upvotes=7)
    no_similar.return_value = [other]
    html = client.get("/papers/2401.10241").content.decode()
    assert '<a href="/papers/2401.00005">Pipeline Schedules</a>' in html
    no_similar.assert_called_once_with(paper, 5)


def test_it_survives_a_failing_similar_search(client, no_similar):
    _zero_bubble()
    no_similar.side_effect = RuntimeError("index unreadable")
    response = client.get("/papers/2401.10241")
    assert response.status_code == 200
    assert b"No similar papers found yet" in response.content


def test_it_links_only_web_addresses(client):
    Paper.objects.create(arxiv_id="2401.00001", title="Sneaky",
                         code_url="javascript:alert(1)", project_url="data:text/html,x")
    html = client.get("/papers/2401.00001").content.decode()
    assert "javascript:" not in html
    assert "data:text/html" not in html


def test_it_runs_a_fixed_number_of_queries(client, django_assert_num_queries, no_similar):
    _zero_bubble()
    no_similar.return_value = list(Paper.objects.all())
    # the paper with its organisation, its authors, its keywords and summary
    with django_assert_num_queries(3):
        assert client.get("/papers/2401.10241").status_code == 200


def test_a_bad_stored_category_does_not_break_the_page(client):
    Paper.objects.create(arxiv_id="2401.10242", title="Bad categories",
                         categories="cs.LG,cs.AI 14J32 <b>x</b>", primary_category="cs.LG")
    response = client.get("/papers/2401.10242")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<a href="/categories/cs.LG">cs.LG</a>' in html
    assert '<a href="/categories/cs.AI">cs.AI</a>' in html
    assert "<li>14J32</li>" in html  # no category page for an MSC code: plain text
    assert "<li>&lt;b&gt;x&lt;/b&gt;</li>" in html


def test_an_organisation_without_a_usable_slug_does_not_break_the_page(client):
    org = Organisation.objects.create(name="No slug", slug="")
    Paper.objects.create(arxiv_id="2401.10242", title="T", organisation=org, categories="cs.LG")
    response = client.get("/papers/2401.10242")
    assert response.status_code == 200
    assert '<p class="paper-org">No slug</p>' in response.content.decode()
    listing = client.get("/categories/cs.LG")
    assert listing.status_code == 200


def test_a_similar_paper_with_a_bad_stored_id_is_shown_without_a_link(client, no_similar):
    _zero_bubble()
    no_similar.return_value = [Paper(arxiv_id="not an id", title="Odd one")]
    response = client.get("/papers/2401.10241")
    assert response.status_code == 200
    assert "Odd one" in response.content.decode()
