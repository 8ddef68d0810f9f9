"""For you in a real browser (Debian's Chromium driven by Playwright): follow an author
and their paper shows with the reason; "not interested" takes a paper out and sinks its
neighbours."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from paperwire.community.models import Vote
from paperwire.community.tests.conftest import PASSWORD, make_user
from paperwire.conftest import needs_chromium
from paperwire.papers.models import Author, Paper, PaperAuthor
from paperwire.reader.models import NotInterested
from paperwire.reader.tests.conftest import DAY
from paperwire.search.testing import committed_papers, embedded_subset  # noqa: F401

pytestmark = [needs_chromium, pytest.mark.timeout(240)]


@pytest.fixture
def site(live_server, settings, committed_papers):  # noqa: F811
    settings.BASE_URL = live_server.url
    Paper.objects.update(featured_on=DAY)
    reader = make_user("dana@example.org", "Dana")
    return live_server, reader, {p.arxiv_id: p for p in Paper.objects.all()}


def _log_in(page: Page, url: str) -> None:
    page.goto(url + "/login")
    page.get_by_label("Email").fill("dana@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def _titles(page: Page) -> list[str]:
    return [t.strip() for t in page.locator("ol.for-you .card-title").all_inner_texts()]


def test_following_an_author_brings_their_paper_with_the_reason(site, page: Page):
    live, reader, papers = site
    quiet = min(papers.values(), key=lambda p: p.upvotes)
    name = quiet.author_names[0]
    author = Author.objects.get(name=name)
    assert PaperAuthor.objects.filter(author=author).exists()
    _log_in(page, live.url)

    page.goto(f"{live.url}/authors/{author.pk}")
    page.get_by_role("button", name=f"Follow {name}").click()
    expect(page.get_by_role("button", name=f"Following {name} · unfollow")).to_be_visible()

    page.goto(live.url + "/")  # For you is a tab of the home page
    page.get_by_role("link", name="For you").click()
    first = page.locator("ol.for-you > li").first
    expect(first.locator(".reasons")).to_contain_text(f"you follow {name}")
    theirs = {" ".join(p.title.split()) for p in papers.values() if name in p.author_names}
    assert " ".join(_titles(page)[0].split()) in theirs
    assert page.problems == []


def test_not_interested_takes_a_paper_out_and_sinks_its_neighbours(site, page: Page):
    live, reader, papers = site
    about = sorted((p for p in papers.values()
                    if "speculative" in (p.title + p.abstract).lower()), key=lambda p: p.pk)
    liked, rejected, *neighbours = about
    Vote.objects.set_vote(reader, liked, True)
    _log_in(page, live.url)

    page.goto(f"{live.url}/for-you?days=7")
    before = _titles(page)
    title = " ".join(rejected.title.split())
    assert title in [" ".join(t.split()) for t in before]
    card = page.locator("ol.for-you > li").filter(has_text=rejected.title.split(":")[0])
    card.get_by_role("button", name="Not interested").click()
    expect(card.get_by_role("button", name="Not interested ✓ (undo)")).to_be_visible()
    assert NotInterested.objects.filter(user=reader, paper=rejected).exists()

    page.reload()
    after = [" ".join(t.split()) for t in _titles(page)]
    assert title not in after
    before = [" ".join(t.split()) for t in before]
    # A neighbour sinks: lower in the list, or out of its 30 places.
    def place(titles: list[str], paper: Paper) -> int:
        title = " ".join(paper.title.split())
        return titles.index(title) if title in titles else len(titles)

    listed = [p for p in neighbours if place(before, p) < len(before)]
    moved = [place(after, p) - place(before, p) for p in listed]
    assert listed and sum(m > 0 for m in moved) >= len(moved) - 1, moved
    assert page.problems == []
