"""A digest as received over SMTP, opened in a real browser (Debian's Chromium driven by
Playwright), in light and dark mode and on a phone. Screenshots go to test-artifacts/."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from paperwire.community.models import Vote
from paperwire.conftest import needs_chromium
from paperwire.digests.build import build_digests
from paperwire.digests.models import SavedSearch
from paperwire.digests.outbox import send_due
from paperwire.digests.tests.conftest import DAY, NOW, make_subscriber, parts
from paperwire.papers.models import Organisation, Paper

ARTIFACTS = Path(__file__).resolve().parents[4] / "test-artifacts"
THURSDAY = ["2402.08644", "2402.11131", "2402.13720", "2403.09919"]

pytestmark = [
    pytest.mark.django_db,
    needs_chromium,
    pytest.mark.timeout(180),
]


@pytest.fixture
def received(papers, smtp, frozen, alice) -> str:
    """The HTML part of alice's digest, as the SMTP server received it."""
    lab = Organisation.objects.create(name="Apple", slug="apple")
    others = sorted(set(papers) - set(THURSDAY))
    for n, arxiv_id in enumerate(others):
        Paper.objects.filter(pk=papers[arxiv_id].pk).update(
            featured_on=DAY if n % 3 == 0 else DAY - timedelta(days=5), upvotes=40 + n)
    Paper.objects.filter(arxiv_id__in=THURSDAY).update(featured_on=DAY, upvotes=9,
                                                       organisation=lab)
    Paper.objects.filter(arxiv_id="2402.11131").update(
        code_url="https://github.com/apple/ml-speculative-streaming")
    Vote.objects.set_vote(alice, papers["2401.10774"], True)  # Medusa
    reader = make_subscriber("alice@example.org", user=alice, trending_count=3)
    SavedSearch.objects.create(subscriber=reader, query="speculative decoding",
                               filters={"has_code": "yes"}, confirmed_at=NOW)
    build_digests("daily")
    assert send_due().sent == 1
    text, html = parts(smtp.messages[0])
    assert "Picked for you" in text and "New for your alert" in text
    return html


def test_a_digest_reads_well_in_chromium_light_and_dark(received, browser):
    ARTIFACTS.mkdir(exist_ok=True)
    backgrounds = {}
    for scheme in ("light", "dark"):
        context = browser.new_context(viewport={"width": 720, "height": 900},
                                      color_scheme=scheme)
        page = context.new_page()
        try:
            page.set_content(received, wait_until="load")
            card = page.locator(".pw-card").first
            backgrounds[scheme] = card.evaluate("e => getComputedStyle(e).backgroundColor")
            title = page.locator("h1").evaluate("e => getComputedStyle(e).color")
            # Text stays readable: dark text on the light card, light text on the dark one.
            assert (title == "rgb(29, 31, 36)") == (scheme == "light")
            page.screenshot(path=ARTIFACTS / f"digest-{scheme}.png", full_page=True)
        finally:
            context.close()
    assert backgrounds == {"light": "rgb(255, 255, 255)", "dark": "rgb(29, 32, 38)"}
    assert (ARTIFACTS / "digest-light.png").stat().st_size > 20_000


def test_a_digest_fits_a_phone(received, browser):
    context = browser.new_context(viewport={"width": 375, "height": 800}, is_mobile=True,
                                  device_scale_factor=2)
    page = context.new_page()
    try:
        page.set_content(received, wait_until="load")
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        page.screenshot(path=ARTIFACTS / "digest-phone.png", full_page=True)
    finally:
        context.close()
