"""The Deliveries page in a real browser (Debian's Chromium driven by Playwright): sign
in, add a webhook destination pointing at a real receiver on loopback, see its secret
once, send a test message (the receiver gets a POST signed with that secret, and the
page shows the result), pause, resume and delete it."""

from __future__ import annotations

import hashlib
import hmac

import pytest
from playwright.sync_api import Page, expect

from paperwire.benchmarks.webhook_receiver import Receiver
from paperwire.community.tests.conftest import PASSWORD
from paperwire.conftest import needs_chromium
from paperwire.deliveries.models import Destination

pytestmark = [needs_chromium, pytest.mark.timeout(180),
              pytest.mark.django_db(transaction=True)]


@pytest.fixture
def open_receiver():
    """A receiver that checks no signature itself: the test checks it with the secret
    the page showed."""
    with Receiver() as server:
        yield server


def _log_in(page: Page, url: str) -> None:
    page.goto(url + "/login")
    page.get_by_label("Email").fill("alice@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def test_a_webhook_from_the_deliveries_page(live_server, settings, alice, open_receiver,
                                            page: Page):
    settings.BASE_URL = live_server.url
    _log_in(page, live_server.url)

    page.goto(live_server.url + "/deliveries")
    expect(page.get_by_text("No destinations yet.")).to_be_visible()
    page.get_by_label("Kind").select_option("webhook")
    page.get_by_label("URL").fill(open_receiver.url + "hook")
    page.get_by_label("Feed").fill("daily")
    page.get_by_label("Schedule").select_option("immediate")
    page.get_by_role("button", name="Add the destination").click()

    # The signing secret, this once.
    secret = page.locator("code.secret").inner_text().strip()
    destination = Destination.objects.get()
    assert secret == destination.secret and len(secret) == 64
    card = page.locator(f"#destination-{destination.pk}")
    expect(card).to_contain_text("Webhook (signed JSON) · Daily Papers · As soon as they "
                                 "appear")
    page.goto(live_server.url + "/deliveries")
    expect(page.locator("code.secret")).to_have_count(0)
    assert secret not in page.content()

    card.get_by_role("button", name="Send a test message").click()
    expect(card).to_contain_text("Delivered.")
    request, = open_receiver.requests
    assert request["path"] == "/hook" and request["json"]["event"] == "test"
    expected = "sha256=" + hmac.new(secret.encode(), request["body"],
                                    hashlib.sha256).hexdigest()
    assert request["headers"]["x-paperwire-signature-256"] == expected

    open_receiver.answers = [(503, "down for maintenance", {})]
    card.get_by_role("button", name="Send a test message").click()
    expect(card).to_contain_text("Not delivered: HTTP 503")

    card.get_by_role("button", name="Pause").click()
    expect(card.locator(".paused-reason")).to_have_text("Paused by you.")
    destination.refresh_from_db()
    assert destination.is_paused
    card.get_by_role("button", name="Resume").click()
    expect(card.get_by_role("button", name="Pause")).to_be_visible()
    destination.refresh_from_db()
    assert not destination.is_paused

    card.get_by_role("button", name="Delete").click()
    expect(page.get_by_text("No destinations yet.")).to_be_visible()
    assert not Destination.objects.exists()
    assert len(open_receiver.requests) == 2 and page.problems == []
