"""Every page of the site in a real browser (Debian's Chromium driven by Playwright):
axe-core finds no WCAG 2.1 AA or best-practice violation on any of them, in light and
dark mode, on a desktop and on a phone; each is screenshotted at 1280 and 390 px under
the test's tmp dir for a person to look at.

axe-core comes from npm (`npm install axe-core@4` into .cache/npm, done by scripts/test
and .ci/run); PAPERWIRE_AXE points elsewhere. To check a new page, add it to PAGES.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from django.test import Client
from playwright.sync_api import Browser

from paperwire.community.models import Comment
from paperwire.community.tests.conftest import make_user
from paperwire.conftest import needs_chromium
from paperwire.digests import tokens
from paperwire.digests.models import SavedSearch, Subscriber
from paperwire.library.models import Collection
from paperwire.papers.models import Author, Organisation, Paper, PaperAuthor
from paperwire.search.notes import note_papers
from paperwire.search.store import embed_papers

REPOSITORY = Path(__file__).resolve().parents[4]
AXE = Path(os.environ.get("PAPERWIRE_AXE")
           or REPOSITORY / ".cache/npm/node_modules/axe-core/axe.min.js")
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]

pytestmark = [
    needs_chromium,
    pytest.mark.skipif(not AXE.exists(), reason=f"needs axe-core at {AXE} (npm install)"),
    pytest.mark.timeout(600),
]

# (name, path, logged in). Paths may name the objects `site` makes: {preferences},
# {collection}, {author}.
PAGES = [
    ("home", "/", False),
    ("day", "/papers?date=2024-01-15", False),
    ("week", "/papers?week=2024-W03", False),
    ("month", "/papers?month=2024-01", False),
    ("trending", "/trending", False),
    ("search", "/search?q=pipeline", False),
    ("search-filters", "/search?q=diffusion&has_code=yes&sort=date", False),
    ("search-empty", "/search", False),
    ("paper", "/papers/2401.10241", False),
    ("paper-logged-in", "/papers/2401.10241", True),
    ("author", "/authors/{author}", False),
    ("organisation", "/organisations/acme-lab", False),
    ("category", "/categories/cs.LG", False),
    ("signup", "/signup", False),
    ("login", "/login", False),
    ("reset", "/account/reset", False),
    ("subscribe", "/digests/subscribe", False),
    ("preferences", "{preferences}", False),
    ("submit", "/submit", True),
    ("account", "/account", True),
    ("library", "/library/", True),
    ("collection", "{collection}", True),
    ("home-logged-in", "/", True),
    ("for-you", "/for-you", True),
    ("following", "/following", True),
    ("deliveries", "/deliveries", True),
    ("trending-code", "/trending/code", False),
]
SCREENSHOTS = {"home", "day", "search", "paper", "paper-logged-in", "preferences", "for-you"}

PAPERS = [
    # (id, day, upvotes, title)
    ("2401.10241", date(2024, 1, 16), 40, "Zero Bubble Pipeline Parallelism"),
    ("2401.10242", date(2024, 1, 16), 12, "Diffusion Models for Video Generation"),
    ("2401.10243", date(2024, 1, 15), 30, "Scheduling Pipeline Stages across GPUs"),
    ("2401.10244", date(2024, 1, 15), 8, "Speculative Decoding with Draft Models"),
]
ABSTRACT = ("Pipeline parallelism is a key component of large-scale distributed training. "
            "We introduce a scheduling strategy that achieves zero pipeline bubbles. "
            "Experiments show up to 23% higher throughput than 1F1B.")


@pytest.fixture
def site(live_server, settings, transactional_db) -> dict:
    settings.BASE_URL = live_server.url
    lab = Organisation.objects.create(name="Acme Lab", slug="acme-lab")
    ada = Author.objects.create(name="Ada Lovelace")
    papers = []
    for hour, (arxiv_id, day, upvotes, title) in enumerate(PAPERS):
        paper = Paper.objects.create(
            arxiv_id=arxiv_id, title=title, abstract=ABSTRACT, featured_on=day,
            upvotes=upvotes, author_names=["Ada Lovelace", "Alan Turing"],
            published_at=datetime(2024, 1, 14, hour, tzinfo=UTC), categories="cs.LG",
            primary_category="cs.LG", organisation=lab if hour % 2 == 0 else None,
            daily_submitter="akhaliq", daily_submitter_fullname="AK",
            code_url="https://github.com/sail-sg/zero-bubble-pipeline-parallelism"
            if hour == 0 else "")
        PaperAuthor.objects.create(paper=paper, author=ada, position=0)
        papers.append(paper)
    # Vectors (similar papers by meaning) and keywords, with the real model, before any
    # page asks: a page would otherwise embed on a thread of its own.
    embed_papers([p.pk for p in papers])
    note_papers([p.pk for p in papers])
    alice = make_user("alice@example.org", "Alice")
    bob = make_user("bob@example.org", "Bob")
    Comment.post(bob, papers[0], "> Zero bubbles under synchronous semantics\n\n"
                                 "Is this the **same** schedule as in `ZB-H1`?")
    mine = Comment.post(alice, papers[0], "A quote:\n\n> It works.\n\nAnd a reply.")
    Comment.post(bob, papers[0], "Thanks!", parent=mine)
    collection = Collection.objects.create_for(alice, "Reading group")
    collection.add(papers[0], alice)
    reader = Subscriber.objects.create(email="alice@example.org", user=alice,
                                       confirmed_at=datetime(2024, 1, 1, tzinfo=UTC))
    SavedSearch.objects.create(subscriber=reader, query="speculative decoding",
                               filters={}, confirmed_at=datetime(2024, 1, 1, tzinfo=UTC))
    client = Client()
    client.force_login(alice)
    return {
        "url": live_server.url,
        "session": client.cookies[settings.SESSION_COOKIE_NAME].value,
        "preferences": tokens.path("pw-digest-preferences", reader, tokens.PREFERENCES_SALT),
        "collection": collection.get_absolute_url(),
        "author": ada.pk,
    }


def _violations(page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})"
        ".then(r => JSON.stringify(r.violations))", AXE_TAGS)
    lines = []
    for violation in json.loads(result):
        for node in violation["nodes"]:
            lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}\n"
                         f"    at {' '.join(node['target'])}\n"
                         f"    {node['failureSummary'].replace(chr(10), ' ')}")
    return lines


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_it_has_no_accessibility_violation_on_any_page(site, browser: Browser, scheme,
                                                       tmp_path):
    problems = []
    for width in (1280, 390):
        # bypass_csp: axe is injected as an inline script, which the site's CSP forbids.
        context = browser.new_context(viewport={"width": width, "height": 900},
                                      color_scheme=scheme, bypass_csp=True)
        context.add_cookies([{"name": "sessionid", "value": site["session"],
                              "url": site["url"]}])
        anonymous = browser.new_context(viewport={"width": width, "height": 900},
                                        color_scheme=scheme, bypass_csp=True)
        try:
            for name, path, logged_in in PAGES:
                page = (context if logged_in else anonymous).new_page()
                page.set_default_timeout(60_000)  # a loaded machine; no timed assertion
                response = page.goto(site["url"] + path.format(**site))
                assert response is not None and response.status == 200, (name, path)
                for line in _violations(page):
                    problems.append(f"{name} {width}px {scheme}: {line}")
                width_now = page.evaluate("document.documentElement.scrollWidth")
                if width_now > width:
                    problems.append(f"{name} {width}px {scheme}: {width_now}px wide")
                if name in SCREENSHOTS:
                    page.screenshot(path=tmp_path / f"{name}-{width}-{scheme}.png",
                                    full_page=True)
                page.close()
        finally:
            context.close()
            anonymous.close()
    assert not problems, "\n".join(problems)
    print(f"screenshots in {tmp_path}")


def test_the_checker_finds_a_violation(browser: Browser):
    # The test above can fail: a page with an unlabelled image and field fails axe here.
    context = browser.new_context(bypass_csp=True)
    try:
        page = context.new_page()
        page.set_content('<!doctype html><html lang="en"><head><title>t</title></head><body>'
                         '<main><h1>t</h1><img src="data:,"><input type="text"></main>'
                         '</body></html>')
        found = "\n".join(_violations(page))
        assert "image-alt" in found and "label" in found, found
    finally:
        context.close()


def test_its_controls_act_where_a_reader_expects(site, browser: Browser):
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_cookies([{"name": "sessionid", "value": site["session"], "url": site["url"]}])
    page = context.new_page()
    page.set_default_timeout(60_000)
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    url = site["url"]
    try:
        # The sort applies on change; the Apply button is only for readers without JS.
        page.goto(url + "/papers?date=2024-01-16")
        expect(page.get_by_role("button", name="Apply")).to_be_hidden()
        page.get_by_label("Sort by").select_option("time")
        expect(page).to_have_url(url + "/papers?date=2024-01-16&sort=time")
        expect(page.locator(".card-title").first).to_have_text(
            "Diffusion Models for Video Generation")
        page.get_by_label("Sort by").select_option("upvotes")  # again, after htmx's swap
        expect(page.locator(".card-title").first).to_have_text(
            "Zero Bubble Pipeline Parallelism")

        # The calendar goes to the day picked; the tabs to the week and the month.
        page.get_by_label("Go to day").fill("2024-01-15")
        expect(page).to_have_url(url + "/papers?date=2024-01-15")
        expect(page.locator("h1")).to_contain_text("15 January 2024")
        tabs = page.get_by_role("navigation", name="Period")
        tabs.get_by_role("link", name="Weekly").click()
        expect(page.locator("h1")).to_contain_text("Week 3 of 2024")
        expect(tabs.get_by_role("link", name="Weekly")).to_have_attribute("aria-current", "page")
        tabs.get_by_role("link", name="Monthly").click()
        expect(page.locator("h1")).to_contain_text("January 2024")
        tabs.get_by_role("link", name="Daily").click()
        expect(page.locator("h1")).to_contain_text("16 January 2024")

        # Digest preferences: each radio and checkbox sits on its label's line, before it;
        # "Unsubscribe from every digest" does not look like the page's main action.
        page.goto(url + site["preferences"])
        for label in page.locator("form.stacked .choices label, form.stacked .check").all():
            box = label.locator("input").bounding_box()
            text = label.bounding_box()
            assert box["height"] < 30 and abs((box["y"] + box["height"] / 2)
                                              - (text["y"] + text["height"] / 2)) < 8, text
        save = page.get_by_role("button", name="Save")
        unsubscribe = page.get_by_role("button", name="Unsubscribe from every digest")
        background = "e => getComputedStyle(e).backgroundColor"
        assert save.evaluate(background) != unsubscribe.evaluate(background)

        # Quotes in comments are styled; deleting a comment asks first.
        page.goto(url + "/papers/2401.10241")
        quote = page.locator(".comment-body blockquote").first
        assert quote.evaluate("e => getComputedStyle(e).borderLeftWidth") == "3px"
        mine = page.locator(".comment").filter(has_text="A quote").first
        page.once("dialog", lambda d: d.dismiss())
        mine.get_by_role("button", name="Delete").click()
        expect(page.get_by_text("And a reply.")).to_be_visible()
        page.once("dialog", lambda d: (errors.append(d.message) if "Delete this comment"
                                       not in d.message else None, d.accept()))
        mine.get_by_role("button", name="Delete").click()
        expect(page.get_by_text("Comment deleted by its author.")).to_be_visible()

        # The API docs fit a phone and lead back to the site.
        page.goto(url + "/api/docs")
        assert page.locator('meta[name="viewport"]').count() == 1
        page.get_by_role("link", name="← Back to paperwire").click()
        expect(page.locator("h1")).to_contain_text("Daily Papers")
        assert errors == []
    finally:
        context.close()
