"""The reading site in a real browser: Debian's Chromium driven by Playwright.

Few and broad on purpose: one walk through the site, one attack, one phone screenshot
(kept in test-artifacts/ at the repository root).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from paperwire.conftest import needs_chromium
from paperwire.papers.models import Author, Paper, PaperAuthor

ARTIFACTS = Path(__file__).resolve().parents[4] / "test-artifacts"
XSS = "<script>alert(1)</script> <img src=x onerror=alert(1)>"

pytestmark = [
    needs_chromium,
    pytest.mark.timeout(180),
]

PAPERS = [
    # (id, day, upvotes, title, abstract)
    ("2401.10241", date(2024, 1, 16), 40, "Zero Bubble Pipeline Parallelism",
     "Pipeline parallelism is a key component of large-scale distributed training, yet "
     "its efficiency suffers from pipeline bubbles. We introduce a scheduling strategy "
     "that achieves zero pipeline bubbles under synchronous training semantics."),
    ("2401.10242", date(2024, 1, 16), 12, "Diffusion Models for Video Generation",
     "We train a latent video diffusion model that generates high-resolution videos "
     "from text prompts, with temporal attention layers for consistent motion."),
    ("2401.10243", date(2024, 1, 15), 30, "Scheduling Pipeline Stages across GPUs",
     "Training large models across many GPUs needs pipeline schedules that keep every "
     "device busy. We search pipeline parallel schedules that minimise idle bubbles."),
    ("2401.10244", date(2024, 1, 15), 8, "Speculative Decoding with Draft Models",
     "Large language model inference is slow. Speculative decoding drafts tokens with a "
     "small model and verifies them with the large one, speeding up generation."),
    ("2401.10245", date(2024, 1, 12), 5, "Text-to-Image Diffusion Guidance",
     "Classifier-free guidance steers image diffusion models toward the prompt; we study "
     "how guidance strength trades diversity for fidelity."),
]


@pytest.fixture
def papers(transactional_db) -> list[Paper]:
    rows = []
    for hour, (arxiv_id, day, upvotes, title, abstract) in enumerate(PAPERS):
        rows.append(Paper.objects.create(
            arxiv_id=arxiv_id, title=title, abstract=abstract, featured_on=day,
            upvotes=upvotes, author_names=["Ada Lovelace", "Alan Turing"],
            published_at=datetime(day.year, day.month, day.day - 1, hour, tzinfo=UTC),
            categories="cs.LG"))
    ada = Author.objects.create(name="Ada Lovelace")
    for paper in rows:
        PaperAuthor.objects.create(paper=paper, author=ada, position=0)
    return rows


def test_a_reader_walks_through_the_site(live_server, page: Page, papers):
    from paperwire.search.store import embed_papers

    embed_papers([p.pk for p in papers])  # the real model: similar papers by meaning

    # Home: the latest day, most upvoted first.
    page.goto(live_server.url + "/")
    expect(page.locator("h1")).to_contain_text("16 January 2024")
    expect(page.locator(".card-title").first).to_have_text("Zero Bubble Pipeline Parallelism")

    # Previous day (Monday), then next day again.
    page.get_by_role("link", name="← 15 January 2024").click()
    expect(page).to_have_url(live_server.url + "/papers?date=2024-01-15")
    expect(page.locator(".card-title").first).to_have_text(
        "Scheduling Pipeline Stages across GPUs")
    page.get_by_role("link", name="← 12 January 2024").click()  # the weekend is skipped
    expect(page.locator(".card-title")).to_have_text(["Text-to-Image Diffusion Guidance"])
    page.get_by_role("link", name="15 January 2024 →").click()
    page.get_by_role("link", name="16 January 2024 →").click()
    expect(page.locator("h1")).to_contain_text("16 January 2024")

    # Sorting is a labelled control; with htmx the list and the URL change in place.
    page.get_by_label("Sort by").select_option("time")
    expect(page).to_have_url(live_server.url + "/papers?date=2024-01-16&sort=time")
    expect(page.locator(".card-title").first).to_have_text(
        "Diffusion Models for Video Generation")

    # Search from the box in the header.
    page.get_by_role("searchbox", name="Search papers").first.fill("pipeline bubbles")
    page.get_by_role("searchbox", name="Search papers").first.press("Enter")
    expect(page).to_have_url(live_server.url + "/search?q=pipeline+bubbles")
    first = page.locator(".card-title").first
    expect(first).to_have_text("Zero Bubble Pipeline Parallelism")
    expect(first.locator("mark")).to_have_text(["Bubble", "Pipeline"])
    first.get_by_role("link").click()
    expect(page.locator("h1")).to_have_text("Zero Bubble Pipeline Parallelism")

    # A similar paper, by meaning: the other pipeline paper comes first.
    similar = page.locator(".similar li a").first
    expect(similar).to_have_text("Scheduling Pipeline Stages across GPUs")
    similar.click()
    expect(page.locator("h1")).to_have_text("Scheduling Pipeline Stages across GPUs")
    page.go_back()
    expect(page.locator("h1")).to_have_text("Zero Bubble Pipeline Parallelism")
    page.go_back()
    expect(page).to_have_url(live_server.url + "/search?q=pipeline+bubbles")
    assert page.problems == []


def test_an_attack_in_a_title_stays_text(live_server, page: Page, transactional_db):
    Paper.objects.create(arxiv_id="2401.06666", title=f"Attack {XSS}",
                         abstract=f"Abstract {XSS}", author_names=[f"Mallory {XSS}"],
                         featured_on=date(2024, 1, 18), upvotes=1)
    for path in ("/", "/trending", "/search?q=attack", "/papers/2401.06666"):
        page.goto(live_server.url + path)
        expect(page.get_by_text(f"Attack {XSS}").first).to_be_visible()
        assert page.locator("img[src='x']").count() == 0
        scripts = page.eval_on_selector_all("script", "els => els.map(e => e.src)")
        assert all(src.startswith(live_server.url + "/static/") for src in scripts), scripts
    assert page.problems == []


def test_it_fits_a_phone(live_server, browser: Browser, papers):
    context = browser.new_context(viewport={"width": 390, "height": 844},
                                  device_scale_factor=2, is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        ARTIFACTS.mkdir(exist_ok=True)
        for path, name in (("/", "home"), ("/papers/2401.10241", "paper"),
                           ("/search?q=diffusion", "search")):
            page.goto(live_server.url + path)
            # Nothing wider than the screen: no sideways scrolling.
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 390, f"{path} is {width}px wide"
            page.screenshot(path=ARTIFACTS / f"phone-{name}.png", full_page=True)
        assert (ARTIFACTS / "phone-home.png").stat().st_size > 10_000
    finally:
        context.close()
