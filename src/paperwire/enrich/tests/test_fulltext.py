"""Full text: arXiv's HTML as Markdown in /papers/<id>.md, and `Accept: text/markdown`."""

from datetime import UTC, date, datetime

import pytest
import time_machine

from paperwire.enrich.fulltext import refresh_full_text
from paperwire.enrich.models import FullText
from paperwire.lib.tests.test_html_markdown import PAPER
from paperwire.papers.models import Paper

NOW = datetime(2024, 1, 20, 9, 0, tzinfo=UTC)


def _paper(arxiv_id: str = "2401.10241") -> Paper:
    return Paper.objects.create(arxiv_id=arxiv_id, title="Zero Bubble Pipeline Parallelism",
                                abstract="Pipeline parallelism.", featured_on=date(2024, 1, 19))


@pytest.fixture
def arxiv_html(local_server, settings):
    settings.ARXIV_HTML_URL = local_server.url + "html"
    local_server.respond = lambda path, query: (
        (200, PAPER, {"Content-Type": "text/html; charset=utf-8"})
        if path == "/html/2401.10241" else (404, "<h1>No HTML for this paper</h1>"))
    return local_server


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
def test_the_markdown_has_the_full_text(arxiv_html, client):
    _paper()
    assert refresh_full_text().fetched == 1

    markdown = client.get("/papers/2401.10241.md").content.decode()

    assert "## Full text" in markdown
    assert "### 1 Introduction" in markdown
    assert "The bubble takes $\\frac{p-1}{m}$ of the time." in markdown
    assert markdown.index("## Abstract") < markdown.index("## Full text") < markdown.index(
        "## BibTeX")


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
def test_a_paper_without_html_is_not_found_and_not_failed(arxiv_html, client):
    paper = _paper("2401.00001")
    summary = refresh_full_text()
    assert (summary.fetched, summary.failed) == (1, 0)
    row = FullText.objects.get(paper=paper)
    assert (row.found, row.error) == (False, "")
    assert "## Full text" not in client.get("/papers/2401.00001.md").content.decode()
    assert refresh_full_text().fetched == 0  # not asked again


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
def test_a_failure_is_recorded_and_tried_again_later(local_server, settings):
    settings.ARXIV_HTML_URL = local_server.url + "html"
    settings.HTTP_RETRIES = 0
    local_server.respond = lambda path, query: (503, "busy")
    paper = _paper()
    assert refresh_full_text().failed == 1
    assert FullText.objects.get(paper=paper).error.startswith("HTTP 503")
    assert refresh_full_text().fetched == 0  # not before ENRICH_REFRESH_HOURS
    local_server.respond = lambda path, query: (200, PAPER)
    with time_machine.travel(datetime(2024, 1, 21, 9, 0, tzinfo=UTC), tick=False):
        assert refresh_full_text().fetched == 1
    assert FullText.objects.get(paper=paper).found


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
def test_accept_text_markdown_on_the_paper_page_answers_the_markdown(arxiv_html, client):
    _paper()
    refresh_full_text()

    response = client.get("/papers/2401.10241", HTTP_ACCEPT="text/markdown")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/markdown; charset=utf-8"
    assert response.content == client.get("/papers/2401.10241.md").content
    assert "Accept" in response["Vary"]
    browser = client.get("/papers/2401.10241",
                         HTTP_ACCEPT="text/html,application/xhtml+xml,*/*;q=0.8")
    assert browser["Content-Type"].startswith("text/html")
    assert "Accept" in browser["Vary"]
    assert client.get("/papers/2401.10241", HTTP_ACCEPT="*/*")["Content-Type"].startswith(
        "text/html")


def test_huggingface_hubs_read_paper_gets_it(hub, transactional_db, local_server, settings):
    settings.ARXIV_HTML_URL = local_server.url + "html"
    local_server.respond = lambda path, query: (200, PAPER)
    _paper()
    with time_machine.travel(NOW, tick=False):
        refresh_full_text()
    text = hub.read_paper("2401.10241")
    assert "We split the backward pass." in text
