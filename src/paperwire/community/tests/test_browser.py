"""The community flows in a real browser (Debian's Chromium driven by Playwright), with a
real SMTP server (aiosmtpd) on loopback and a local arXiv API serving recorded answers."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from playwright.sync_api import Page, expect

from paperwire.community.models import Comment, Vote
from paperwire.community.tests.arxiv_fake import recorded_by_id, serve_arxiv
from paperwire.community.tests.conftest import PASSWORD
from paperwire.conftest import needs_chromium
from paperwire.papers.models import Paper

XSS = ("<script>alert('s')</script> <img src=x onerror=alert('i')> "
       "[click](javascript:alert('j')) <a href=\"javascript:alert('a')\">a</a>")

pytestmark = [
    needs_chromium,
    pytest.mark.timeout(180),
]


@pytest.fixture
def site(live_server, settings, smtp, local_server, shared_data, monkeypatch):
    settings.BASE_URL = live_server.url
    settings.ARXIV_API_URL = local_server.url + "api/query"
    serve_arxiv(local_server, recorded_by_id(shared_data))
    Paper.objects.create(
        arxiv_id="2401.10241", title="Zero Bubble Pipeline Parallelism",
        abstract="Pipeline parallelism without bubbles.", author_names=["Penghui Qi"],
        featured_on=date(2024, 1, 16), published_at=datetime(2024, 1, 15, tzinfo=UTC),
        upvotes=40)
    return live_server


def test_a_reader_signs_up_votes_comments_submits_and_logs_out(site, page: Page, smtp):
    url = site.url
    # Sign up.
    page.goto(url + "/")
    page.get_by_role("link", name="Sign up").click()
    page.get_by_label("Email").fill("dana@example.org")
    page.get_by_label("Name shown on your comments").fill("Dana")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    expect(page.locator("h1")).to_have_text("Check your email")

    # The confirmation mail, as the SMTP server received it: both parts carry the link.
    message = smtp.wait_for(1)[0]
    assert message["To"] == "dana@example.org"
    assert message["Subject"] == "Confirm your paperwire account"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    link = re.search(re.escape(url) + r"/account/verify/\S+", text).group(0)
    assert f'href="{link}"' in html
    page.goto(link)
    expect(page.locator("h1")).to_have_text("Confirm your email address")
    page.get_by_role("button", name="Confirm").click()
    expect(page.locator(".message")).to_contain_text("Your email address is confirmed")

    # Log in.
    page.get_by_label("Email").fill("dana@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()

    # Upvote on the card: the count changes in place, with no page load.
    page.evaluate("window.__notReloaded = true")
    button = page.locator(".card form.upvote button")
    expect(button).to_contain_text("40")
    button.click()
    expect(page.locator(".card form.upvote button")).to_contain_text("41")
    expect(page.locator(".card form.upvote button")).to_have_attribute("aria-pressed", "true")
    assert page.evaluate("window.__notReloaded") is True
    assert Vote.objects.filter(user__username="dana@example.org").count() == 1

    # Comment on the paper page, with an attack in it: it shows as text and runs nothing.
    page.locator(".card-title a").click()
    expect(page.locator("h1")).to_have_text("Zero Bubble Pipeline Parallelism")
    expect(page.locator("form.upvote button")).to_contain_text("41")
    page.get_by_label("Add a comment").fill(f"Great **paper**! {XSS}")
    page.get_by_role("button", name="Post comment").click()
    comment = page.locator(".comment").first
    expect(comment.locator("strong")).to_have_text("paper")
    expect(comment).to_contain_text("<script>alert('s')</script>")
    assert comment.locator("script, img, iframe").count() == 0
    # The javascript: links stay text: no link at all in the body.
    assert comment.locator(".comment-body a").count() == 0
    assert Comment.objects.get().body.startswith("Great **paper**!")

    # Submit a paper by id: metadata comes from the (local) arXiv API.
    page.get_by_role("link", name="Submit a paper").click()
    page.get_by_label("arXiv id or URL").fill("1605.08386")
    page.get_by_role("button", name="Submit").click()
    expect(page).to_have_url(url + "/papers/1605.08386")
    title = Paper.objects.get(arxiv_id="1605.08386").title
    expect(page.locator("h1")).to_have_text(title)

    # Log out.
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("link", name="Log in")).to_be_visible()
    assert page.problems == []
