"""The library in a real browser (Debian's Chromium driven by Playwright): save two
papers to a collection, export it as BibTeX, and read the file back with a parser."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import bibtexparser
import pytest
from playwright.sync_api import Page, expect

from paperwire.community.tests.conftest import PASSWORD
from paperwire.conftest import needs_chromium
from paperwire.library.models import Collection
from paperwire.papers.models import Paper

pytestmark = [needs_chromium, pytest.mark.timeout(180)]


@pytest.fixture
def site(live_server, settings, alice):
    settings.BASE_URL = live_server.url
    for arxiv_id, title, upvotes in [
            ("2401.10241", "Zero Bubble Pipeline Parallelism", 40),
            ("2401.04088", "Mixtral of Experts & 50% {sparse} $MoE$", 12)]:
        Paper.objects.create(
            arxiv_id=arxiv_id, title=title, abstract="An abstract.", version=1,
            author_names=["Penghui Qi", "Ünsal Çelik"], primary_category="cs.LG",
            categories="cs.LG", featured_on=date(2024, 1, 16),
            published_at=datetime(2024, 1, 15, tzinfo=UTC), upvotes=upvotes)
    return live_server


def test_a_reader_saves_two_papers_to_a_collection_and_exports_bibtex(site, page: Page,
                                                                       alice, tmp_path):
    url = site.url
    page.goto(url + "/login")
    page.get_by_label("Email").fill("alice@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("link", name="Your library")).to_be_visible()

    # One-click Save on a card: the button changes in place, with no page load.
    page.goto(url + "/")
    page.evaluate("window.__notReloaded = true")
    first = page.locator(".card").filter(has_text="Zero Bubble")
    first.get_by_role("button", name="Save").click()
    expect(first.locator("form.save button")).to_have_attribute("aria-pressed", "true")
    expect(first.locator("form.save button")).to_contain_text("Saved")
    assert page.evaluate("window.__notReloaded") is True

    # File the first paper in a new collection, the second in the same one.
    first.get_by_role("link", name="Collections…").click()
    page.get_by_label("Name").fill("Reading group")
    page.get_by_role("button", name="Make it and add the paper").click()
    expect(page.locator(".message")).to_contain_text("Added to the new collection")
    page.goto(url + "/")
    page.locator(".card").filter(has_text="Mixtral").get_by_role(
        "link", name="Collections…").click()
    page.get_by_role("button", name="Add to Reading group").click()
    expect(page.locator(".message")).to_contain_text("Added to “Reading group”")

    # The library lists it with its count; its page shows both cards.
    page.get_by_role("link", name="Your library").first.click()
    expect(page.locator(".collections")).to_contain_text("Reading group")
    expect(page.locator(".collections")).to_contain_text("2 papers")
    page.get_by_role("link", name="Reading group").click()
    expect(page.locator(".card")).to_have_count(2)

    # Export BibTeX: the downloaded file parses, with both e-prints, escaped.
    with page.expect_download() as download:
        page.get_by_role("link", name="BibTeX").click()
    saved_to = tmp_path / "reading.bib"
    download.value.save_as(saved_to)
    assert download.value.suggested_filename == "reading-group.bib"
    entries = bibtexparser.loads(Path(saved_to).read_text("utf-8")).entries
    assert {e["eprint"] for e in entries} == {"2401.10241", "2401.04088"}
    assert {e["archiveprefix"] for e in entries} == {"arXiv"}
    mixtral = next(e for e in entries if e["eprint"] == "2401.04088")
    assert mixtral["title"] == (r"Mixtral of Experts \& 50\% \textbraceleft{}sparse"
                                r"\textbraceright{} \$MoE\$")
    assert page.problems == []
    assert Collection.objects.get(owner=alice, slug="reading-group").items.count() == 2
