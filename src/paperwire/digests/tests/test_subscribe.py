"""Subscribing, confirming, the digest as received, and one-click unsubscribe, over a
real SMTP server."""

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.test import Client

from paperwire.digests import tokens
from paperwire.digests.build import build_digests
from paperwire.digests.models import Delivery, Subscriber
from paperwire.digests.outbox import send_due
from paperwire.digests.tests.conftest import (
    BASE_URL,
    DAY,
    make_paper,
    make_subscriber,
    parts,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]
LINK = re.compile(re.escape(BASE_URL) + r"(/digests/[a-z]+/[^\s\"<>]+)")


def _links(message) -> dict[str, str]:
    """The site paths a mail links to, by their first segment after /digests/."""
    text, html = parts(message)
    found = {}
    for path in LINK.findall(text):
        found.setdefault(path.split("/")[2], path)
    for path in LINK.findall(html):  # the HTML part links the same places
        assert path.replace("&amp;", "&") in text
    return found


def test_subscribe_confirm_receive_and_unsubscribe_in_one_click(client, smtp, frozen):
    # 1. Subscribe from the form on any page.
    response = client.post("/digests/subscribe", {"email": "Reader@Example.org"})
    assert response.status_code == 302 and response.url == "/digests/subscribe/sent"
    [confirmation] = smtp.wait_for(1)
    assert confirmation["To"] == "reader@example.org"
    assert confirmation["Subject"] == "Confirm your paperwire digest subscription"
    confirm_path = _links(confirmation)["confirm"]
    assert "lasts three days" in parts(confirmation)[0]
    reader = Subscriber.objects.get()
    assert reader.status == "pending"

    # 2. Opening the link (as a link scanner would) confirms nothing; the button does.
    page = client.get(confirm_path)
    assert page.status_code == 200 and b"Confirm your subscription" in page.content
    assert Subscriber.objects.get().status == "pending"
    response = client.post(confirm_path)
    assert response.status_code == 302 and "/digests/preferences/" in response.url
    assert Subscriber.objects.get().status == "active"

    # 3. The next run sends a digest of the latest featured day.
    make_paper("2410.17243", DAY, "Breaking the Memory Barrier", upvotes=30,
               abstract="Contrastive loss with near-infinite batch size.")
    make_paper("2410.18072", DAY, "WorldSimBench", upvotes=12)
    build_digests("daily")
    assert send_due().sent == 1
    digest = smtp.wait_for(2)[1]
    text, html = parts(digest)
    assert digest["To"] == "reader@example.org"
    assert digest["Subject"] == "paperwire digest for 24 October 2024: 2 papers"
    assert digest["Message-ID"] == Delivery.objects.get().message_id
    assert "Breaking the Memory Barrier" in text and "Breaking the Memory Barrier" in html
    assert text.index("Breaking the Memory Barrier") < text.index("WorldSimBench")
    assert f"{BASE_URL}/papers/2410.17243" in text and f"{BASE_URL}/papers/2410.17243" in html
    assert "<style>" in html and 'style="' in html  # inlined, plus the dark-mode block
    assert "prefers-color-scheme: dark" in html
    links = _links(digest)
    assert {"preferences", "unsubscribe"} <= links.keys()
    # RFC 8058: an https URL on the site, and the one-click POST marker.
    header = digest["List-Unsubscribe"].strip()  # folded: the URL is long
    assert header == f"<{BASE_URL}{links['unsubscribe']}>"
    assert urlsplit(header.strip("<>")).scheme == "https"
    assert digest["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    # 4. The mail provider's one-click POST: no session, no CSRF token.
    provider = Client(enforce_csrf_checks=True)
    response = provider.post(links["unsubscribe"], "List-Unsubscribe=One-Click",
                             content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    assert Subscriber.objects.get().status == "unsubscribed"

    # 5. The next run sends nothing to that address.
    make_paper("2410.20000", DAY + timedelta(days=1), "Friday's paper")
    frozen.shift(3 * 86_400)  # Monday
    assert build_digests("daily").considered == 0
    assert send_due().handled == 0
    assert len(smtp.messages) == 2


def test_opening_the_unsubscribe_link_only_asks(client, db):
    reader = make_subscriber("reader@example.org")
    path = tokens.path("pw-digest-unsubscribe", reader, tokens.UNSUBSCRIBE_SALT)
    page = client.get(path)
    assert page.status_code == 200 and b'<button type="submit">Unsubscribe</button>' in \
        page.content
    assert Subscriber.objects.get().status == "active"
    client.post(path)
    assert Subscriber.objects.get().status == "unsubscribed"
    assert b"You are unsubscribed" in client.get(path).content  # idempotent


def test_forged_expired_and_stale_links_are_refused(client, db, frozen):
    reader = make_subscriber("reader@example.org", confirmed_at=None)
    confirm = tokens.path("pw-digest-confirm", reader, tokens.CONFIRM_SALT)
    assert client.get(confirm + "x").status_code == 400
    # A token of one kind does not open another.
    other = tokens.make(reader, tokens.UNSUBSCRIBE_SALT)
    assert client.get(f"/digests/preferences/{other}").status_code == 400
    frozen.shift(3 * 86_400 + 1)
    assert client.get(confirm).status_code == 400  # three days are over


def test_a_confirmation_link_dies_with_an_unsubscribe(client, db, frozen):
    reader = make_subscriber("reader@example.org")
    confirm = tokens.path("pw-digest-confirm", reader, tokens.CONFIRM_SALT)
    reader.unsubscribe()
    assert client.post(confirm).status_code == 400
    # Subscribing again needs a new confirmation; the old link stays dead.
    frozen.shift(60)
    Subscriber.objects.request("reader@example.org")
    assert client.post(confirm).status_code == 400
    assert Subscriber.objects.get().status == "pending"


def test_it_never_says_whether_an_address_was_subscribed(client, smtp):
    make_subscriber("known@example.org")
    for address in ("known@example.org", "new@example.org"):
        response = client.post("/digests/subscribe", {"email": address})
        assert response.status_code == 302 and response.url == "/digests/subscribe/sent"
    assert sorted(m["To"] for m in smtp.wait_for(2)) == ["known@example.org",
                                                          "new@example.org"]


def test_it_limits_requests_for_one_address(client, smtp):
    for _ in range(3):
        assert client.post("/digests/subscribe", {"email": "a@example.org"}).status_code == 302
    response = client.post("/digests/subscribe", {"email": "a@example.org"})
    assert response.status_code == 429
    assert len(smtp.wait_for(3)) == 3


def test_a_bad_address_is_explained(client, db):
    response = client.post("/digests/subscribe", {"email": "not an address"})
    assert response.status_code == 400
    assert b"Enter a valid email address." in response.content
    assert not Subscriber.objects.exists()


def test_the_subscribe_form_is_on_every_page_without_a_csrf_token(client, db):
    make_paper("2410.00001", DAY)
    for url in ("/", "/trending", "/search", "/papers?date=2024-10-24"):
        html = client.get(url).content.decode()
        assert '<form class="subscribe" method="post" action="/digests/subscribe">' in html
        assert '<label for="subscribe-email">' in html
    assert "csrfmiddlewaretoken" not in client.get("/").content.decode()


def test_preferences_change_what_the_digest_holds(client, db):
    reader = make_subscriber("reader@example.org")
    path = tokens.path("pw-digest-preferences", reader, tokens.PREFERENCES_SALT)
    page = client.get(path)
    assert page.status_code == 200 and b"reader@example.org" in page.content

    response = client.post(path, {"action": "save", "frequency": "weekly",
                                  "trending_count": "3", "alerts": "on"})
    assert response.status_code == 302
    reader.refresh_from_db()
    assert (reader.frequency, reader.trending_count, reader.alerts, reader.picks) == \
        ("weekly", 3, True, False)
    assert client.post(path, {"action": "save", "frequency": "hourly",
                              "trending_count": "99"}).status_code == 400

    client.post(path, {"action": "unsubscribe"})
    assert Subscriber.objects.get().status == "unsubscribed"
    client.post(path, {"action": "resubscribe"})
    assert Subscriber.objects.get().status == "active"
