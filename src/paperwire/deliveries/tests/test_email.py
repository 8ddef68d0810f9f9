"""Email as a destination kind, against the real SMTP server on loopback (aiosmtpd, the
digests' fixture): a collection or a follow mailed as one message to the owner's own
confirmed address, both parts escaped and saying why each paper came, the signed stop
link, the mail log when no server is set up, the retry and pause rules, and another
reader's access."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from paperwire.benchmarks.common import free_port
from paperwire.community.models import ApiToken
from paperwire.community.tests.conftest import make_user
from paperwire.deliveries.mail.transport import check_stop, stop_token
from paperwire.deliveries.mail.views import STOPPED
from paperwire.deliveries.models import Destination, DestinationError, Send
from paperwire.deliveries.outbox import collect_due, send_due
from paperwire.deliveries.tests.conftest import BASE_URL, DAY, make_destination, make_paper
from paperwire.digests.tests.conftest import parts
from paperwire.lib.mail import LOG_BACKEND

pytestmark = pytest.mark.django_db(transaction=True)
NASTY = "Attention <script>alert(1)</script> & “quotes”"


def _deliver():
    collect_due(force=True)
    return send_due()


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _mail_to(owner, feed: str = "daily", **fields) -> Destination:
    return make_destination(owner, "", kind="email", feed=feed, **fields)


def _collection_of(owner, *papers):
    from paperwire.library.models import Collection

    collection = Collection.objects.create_for(owner, "Reading group")
    destination = _mail_to(owner, "collection:reading-group")
    for paper in papers:
        collection.add(paper, owner)
    return destination


def test_it_mails_a_collection_as_one_message_with_both_parts(alice, smtp, frozen):
    first = make_paper("2410.00001", DAY, NASTY, upvotes=9)
    second = make_paper("2410.00002", DAY, "Second paper")
    destination = _collection_of(alice, first, second)

    report = _deliver()

    assert report.sent == 2
    message, = smtp.messages
    assert message["To"] == "alice@example.org"
    assert message["Subject"] == "Collection reading-group: 2 new papers"
    token = stop_token(destination)
    # (folded by the generator: the long URL goes on a line of its own)
    assert message["List-Unsubscribe"].strip() == f"<{BASE_URL}/deliveries/stop/{token}>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["Auto-Submitted"] == "auto-generated"
    text, html = parts(message)
    for part in (text, html):
        assert "Second paper" in part and "added to your collection “Reading group”" in part
        assert f"{BASE_URL}/papers/2410.00001" in part
        assert f"{BASE_URL}/deliveries/stop/{token}" in part
        assert f"{BASE_URL}/deliveries" in part
        assert "paperwire" in part and "alice@example.org" in part
    assert NASTY in text
    assert "<script>" not in html and "Attention &lt;script&gt;alert(1)&lt;/script&gt; " \
                                      "&amp; “quotes”" in html
    assert set(Send.objects.values_list("status", flat=True)) == {Send.SENT}
    destination.refresh_from_db()
    assert destination.last_sent_at is not None and destination.failures == 0

    assert _deliver().sent == 0  # read again: nothing new, nothing mailed twice
    assert len(smtp.messages) == 1


def test_it_mails_what_a_follow_brings(alice, smtp, frozen):
    from paperwire.reader.models import Follow

    make_paper("2410.00001", DAY, "By Grace", author_names=["Grace Hopper"])
    make_paper("2410.00002", DAY, "By someone else", author_names=["Someone Else"])
    follow, _ = Follow.objects.add(alice, "author", "Grace Hopper")
    _mail_to(alice, f"follow:{follow.pk}")

    assert _deliver().sent == 1
    message, = smtp.messages
    assert message["Subject"] == "Follow: author Grace Hopper: By Grace"
    text, html = parts(message)
    assert "Why: you follow Grace Hopper" in text and "you follow Grace Hopper" in html
    assert "By someone else" not in text


def test_it_is_made_only_for_an_owner_with_a_confirmed_address(alice, db):
    made = Destination.objects.create_for(alice, kind="email", url="https://x.example/",
                                          feed="daily")
    assert made.url == ""  # ignored: it mails the owner, never an address given
    unconfirmed = make_user("new@example.org", "New", verified=False)
    with pytest.raises(DestinationError, match="not confirmed yet"):
        Destination.objects.create_for(unconfirmed, kind="email", url="", feed="daily")
    from django.contrib.auth import get_user_model

    nameless = get_user_model().objects.create_user("cli-user", email="")
    with pytest.raises(DestinationError, match="no email address"):
        Destination.objects.create_for(nameless, kind="email", url="", feed="daily")
    assert Destination.objects.count() == 1


def test_an_owner_who_lost_the_address_is_paused_saying_why(alice, smtp, frozen):
    from paperwire.community.models import Profile

    make_paper("2410.00001", DAY)
    destination = _mail_to(alice)
    Profile.objects.filter(user=alice).update(email_verified_at=None)

    _deliver()

    assert smtp.messages == []
    destination.refresh_from_db()
    assert destination.is_paused and "no confirmed email address" in destination.paused_reason


def test_with_no_mail_server_set_up_the_mail_goes_to_the_log(alice, settings, frozen,
                                                             caplog):
    settings.EMAIL_BACKEND = LOG_BACKEND
    make_paper("2410.00001", DAY, "Breaking the Memory Barrier")
    destination = _mail_to(alice)

    with caplog.at_level(logging.WARNING, logger="paperwire.mail"):
        report = _deliver()

    assert report.skipped == 1 and report.sent == 0
    logged = caplog.text
    assert "To: alice@example.org" in logged and "Breaking the Memory Barrier" in logged
    row = Send.objects.get()
    assert row.status == Send.SKIPPED and "written to the server log" in row.last_error
    destination.refresh_from_db()
    assert "mail is not set up" in destination.last_error and destination.failures == 0
    page = _client(alice).get("/deliveries").content.decode()
    assert "its mails are written to the server log" in page


def test_a_deferral_is_tried_again_later(alice, smtp, frozen):
    make_paper("2410.00001", DAY)
    destination = _mail_to(alice)
    smtp.data_answers = ["451 4.3.0 try again later"]

    report = _deliver()

    assert report.deferred == 1 and smtp.messages == []
    row = Send.objects.get()
    assert row.status == Send.PENDING and row.attempts == 1 and "451" in row.last_error
    assert row.next_attempt_at == timezone.now() + timedelta(seconds=60)
    destination.refresh_from_db()
    assert destination.failures == 1 and not destination.is_paused
    frozen.shift(61)
    assert send_due().sent == 1 and len(smtp.messages) == 1
    destination.refresh_from_db()
    assert destination.failures == 0


def test_refusals_in_a_row_pause_the_destination(alice, smtp, frozen):
    make_paper("2410.00001", DAY)
    destination = _mail_to(alice, failures=2)  # DELIVERY_MAX_FAILURES is 3 here
    smtp.rcpt_answers["alice@example.org"] = ["550 5.1.1 no such mailbox"]

    report = _deliver()

    assert report.failed == 1 and smtp.messages == []
    assert Send.objects.get().status == Send.FAILED
    destination.refresh_from_db()
    assert destination.is_paused and "550 5.1.1 no such mailbox" in destination.paused_reason


def test_a_mail_server_that_is_down_is_not_held_against_the_destination(
        alice, smtp, settings, receiver, frozen):
    settings.EMAIL_PORT = free_port()  # nothing listens there
    make_paper("2410.00001", DAY)
    mailed = _mail_to(alice)
    hooked = make_destination(alice, receiver.url)

    report = _deliver()

    assert report.sent == 1 and len(receiver.requests) == 1  # the webhook still went
    row = Send.objects.get(destination=mailed)
    assert row.status == Send.PENDING and row.next_attempt_at > timezone.now()
    mailed.refresh_from_db()
    assert mailed.failures == 0 and not mailed.is_paused
    assert "mail server is unavailable" in mailed.last_error
    assert Send.objects.get(destination=hooked).status == Send.SENT


def test_the_stop_link_shows_a_page_then_pauses_on_post(alice, smtp, frozen):
    destination = _mail_to(alice, feed="trending")
    url = f"/deliveries/stop/{stop_token(destination)}"
    client = Client(enforce_csrf_checks=True)  # as a mail provider's one-click POST

    page = client.get(url)
    assert page.status_code == 200 and "Stop these mails?" in page.content.decode()
    destination.refresh_from_db()
    assert not destination.is_paused  # link scanners follow GET links

    done = client.post(url, "List-Unsubscribe=One-Click",
                       content_type="application/x-www-form-urlencoded")
    assert done.status_code == 200 and "These mails are stopped" in done.content.decode()
    destination.refresh_from_db()
    assert destination.is_paused and destination.paused_reason == STOPPED


def test_a_stop_link_opens_no_other_destination(alice, bob, db):
    destination = _mail_to(alice)
    hook = make_destination(bob, "http://127.0.0.1:9/")
    token = stop_token(destination)
    assert check_stop(token) == destination
    assert check_stop(token[:-1] + ("A" if token[-1] != "A" else "B")) is None
    assert check_stop(stop_token(hook)) is None  # not an email destination
    for bad in (token.replace(f"{destination.pk}.", f"{hook.pk}.", 1), "x", "\x00"):
        assert Client().post(f"/deliveries/stop/{bad}").status_code in (400, 404)
    destination.delete()
    assert Client().post(f"/deliveries/stop/{token}").status_code == 400
    hook.refresh_from_db()
    assert not hook.is_paused


def test_the_page_adds_an_email_destination_and_sends_a_test(alice, smtp):
    client = _client(alice)
    response = client.post("/deliveries", {"kind": "email", "url": "", "feed": "trending",
                                           "schedule": "daily"})
    assert response.status_code == 200
    destination = Destination.objects.get()
    page = response.content.decode()
    assert "its mails go to your own address, alice@example.org" in page
    assert destination.secret not in page  # no signing secret to show for email
    assert "To your address, alice@example.org" in page

    response = client.post(f"/deliveries/{destination.pk}/test", follow=True)
    assert "Test message: Delivered." in response.content.decode()
    message, = smtp.messages
    assert message["Subject"] == "Test message from paperwire: Trending"
    text, html = parts(message)
    assert "a test message for Trending" in text and "a test message for Trending" in html


def test_the_page_refuses_an_unconfirmed_address_saying_why(db):
    # An unconfirmed account cannot sign in; one whose address changed since can.
    user = make_user("later@example.org", "Later")
    from paperwire.community.models import Profile

    client = _client(user)
    Profile.objects.filter(user=user).update(email_verified_at=None)
    response = client.post("/deliveries", {"kind": "email", "feed": "daily",
                                           "schedule": "daily"})
    assert response.status_code == 422 and "not confirmed yet" in response.content.decode()
    assert not Destination.objects.exists()


def test_the_api_takes_the_email_kind_without_a_url(alice):
    token = ApiToken.objects.issue(alice, "tests")
    response = Client().post("/api/me/destinations", {"kind": "email", "feed": "daily"},
                             content_type="application/json",
                             headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 201
    listed = Client().get("/api/me/destinations",
                          headers={"Authorization": f"Bearer {token}"}).json()
    assert [(d["kind"], d["url"]) for d in listed] == [("email", "")]


def test_another_reader_cannot_see_or_touch_an_email_destination(alice, bob, smtp):
    destination = _mail_to(alice)
    client = _client(bob)
    assert "alice@example.org" not in client.get("/deliveries").content.decode()
    for action in ("delete", "pause", "test"):
        assert client.post(f"/deliveries/{destination.pk}/{action}").status_code == 404
    token = ApiToken.objects.issue(bob, "tests")
    headers = {"Authorization": f"Bearer {token}"}
    assert Client().get("/api/me/destinations", headers=headers).json() == []
    assert Client().delete(f"/api/me/destinations/{destination.pk}",
                           headers=headers).status_code == 404
    destination.refresh_from_db()
    assert not destination.is_paused and smtp.messages == []


def test_the_admin_lists_email_destinations(alice):
    admin = make_user("root@example.org", "Root", admin=True)
    _mail_to(alice)
    page = _client(admin).get("/admin/deliveries/destination/?kind=email").content.decode()
    assert "Email to your own address" in page
