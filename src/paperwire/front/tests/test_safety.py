"""Untrusted text (titles, abstracts, names) is shown as text everywhere."""

import re
from datetime import UTC, date, datetime
from unittest import mock

import pytest

from paperwire.papers.models import Author, Organisation, Paper, PaperAuthor

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"


@pytest.fixture
def evil_paper() -> Paper:
    org = Organisation.objects.create(name=f"Org {IMG}", slug="org")
    paper = Paper.objects.create(
        arxiv_id="2401.06666", title=f"Attack {SCRIPT} {IMG} title",
        abstract=f"An attack abstract {SCRIPT} and {IMG} inside.",
        author_names=[f"Mallory {IMG}", "Eve"], organisation=org, categories="cs.CR",
        featured_on=date(2024, 1, 18), published_at=datetime(2024, 1, 17, tzinfo=UTC),
        comments=f"Comment {SCRIPT}", journal_ref=IMG, upvotes=3)
    author = Author.objects.create(name=f"Mallory {IMG}")
    PaperAuthor.objects.create(paper=paper, author=author, position=0)
    return paper


def _assert_inert(html: str) -> None:
    assert "<script>alert" not in html
    assert "<img src=x" not in html
    assert "onerror=alert(1)>" not in html.replace("&lt;img src=x onerror=alert(1)&gt;", "")
    # Every <script> of ours loads a file; none is inline.
    for tag in re.findall(r"<script[^>]*>", html):
        assert 'src="/static/' in tag


@mock.patch("paperwire.front.views.papers.similar_papers")
def test_every_page_shows_it_as_text(similar, client, evil_paper):
    similar.return_value = [evil_paper]
    author = Author.objects.get()
    urls = ["/", "/papers?date=2024-01-18", "/papers?week=2024-W03", "/papers?month=2024-01",
            "/trending", "/search?q=attack", "/search?q=attack+script",
            "/search?q=%3Cscript%3Ealert(1)%3C/script%3E", "/papers/2401.06666",
            f"/authors/{author.pk}", "/organisations/org", "/categories/cs.CR"]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        _assert_inert(html)
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html or "script" in url, url


def test_the_markdown_shows_it_as_text(client, evil_paper):
    text = client.get("/papers/2401.06666.md").content.decode()
    # A fenced code block (the BibTeX) is text to every Markdown renderer; outside it
    # nothing may be markup.
    prose = re.sub(r"```.*?```", "", text, flags=re.S)
    assert "<script>" not in prose and "<img" not in prose
    assert "# Attack &lt;script&gt;alert(1)&lt;/script&gt; &lt;img src=x onerror=alert(1)&gt;" \
           in text


def test_a_bad_request_page_echoes_nothing_dangerous(client):
    response = client.get("/papers", {"date": SCRIPT})
    assert response.status_code == 400
    _assert_inert(response.content.decode())


@mock.patch("paperwire.front.views.papers.similar_papers", mock.Mock(return_value=[]))
def test_every_response_has_a_content_security_policy(client, evil_paper):
    for url in ("/", "/papers/2401.06666", "/search?q=x", "/feeds/daily.rss", "/nope"):
        policy = client.get(url).headers["Content-Security-Policy"]
        assert "script-src 'self'" in policy
        assert "object-src 'none'" in policy
        assert "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]


def test_the_markdown_keeps_markdown_in_names_and_text_as_text(client):
    from markdown_it import MarkdownIt

    Paper.objects.create(
        arxiv_id="2401.06667", title="A *loud* `title` #1",
        abstract="- not a list\n\n1. nor this\n\n---\n\nwith ~~strike~~ and _it_",
        author_names=["**Bold** Author", "__Under__ Score", "`Code` [link](http://x)"],
        categories="cs.CR", featured_on=date(2024, 1, 18))
    text = client.get("/papers/2401.06667.md").content.decode()
    html = MarkdownIt("commonmark").enable("strikethrough").render(text)

    assert "<li><strong>Authors:</strong> **Bold** Author, __Under__ Score, " \
           "`Code` [link](http://x)</li>" in html
    assert "<h1>A *loud* `title` #1</h1>" in html
    abstract = html.split("<h2>Abstract</h2>")[1].split("<h2>BibTeX</h2>")[0]
    assert abstract.split() == ["<p>-", "not", "a", "list</p>", "<p>1.", "nor", "this</p>",
                                "<p>---</p>", "<p>with", "~~strike~~", "and", "_it_</p>"]
