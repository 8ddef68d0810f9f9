"""No mail dead ends: with no SMTP host the message goes to the server log and the page
says so; when the server refuses or cannot be reached, the page says the message could
not be sent, the admin lists it and sends it again, and logging in sends a new link."""

from __future__ import annotations

import logging
import re
import socket

import pytest
from django.contrib.auth import get_user_model

from paperwire.community.models import Profile
from paperwire.community.tests.conftest import PASSWORD
from paperwire.digests.models import MailFailure, Subscriber
from paperwire.digests.tests.conftest import BASE_URL, parts
from paperwire.lib import mail as mail_lib

User = get_user_model()
pytestmark = pytest.mark.django_db
SIGNUP = {"email": "dana@example.org", "display_name": "Dana", "password": PASSWORD}


@pytest.fixture
def log_mode(settings):
    settings.EMAIL_BACKEND = mail_lib.LOG_BACKEND
    settings.BASE_URL = BASE_URL


@pytest.fixture(autouse=True)
def _no_pauses(monkeypatch):
    monkeypatch.setattr(mail_lib.time, "sleep", lambda seconds: None)


@pytest.fixture
def closed_port(settings):
    """Django's mail points at a loopback port where nothing listens."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    return port


def _logged_link(caplog, path: str) -> str:
    text = "\n".join(r.getMessage() for r in caplog.records if r.name == "paperwire.mail")
    return re.search(re.escape(BASE_URL) + re.escape(path) + r"\S+", text).group(0)


# -- mail is not set up: the server log --------------------------------------------------

def test_without_a_host_sign_up_writes_the_link_to_the_log_and_says_so(client, log_mode,
                                                                        caplog):
    caplog.set_level(logging.WARNING, logger="paperwire.mail")
    response = client.post("/signup", SIGNUP)
    assert response.url == "/signup/sent?mail=logged"

    html = client.get(response.url).content.decode()
    assert "Mail is not set up on this server, so nothing was sent" in html
    assert "We have sent a message" not in html
    record = next(r for r in caplog.records if r.name == "paperwire.mail")
    assert record.levelno == logging.WARNING
    assert "To: dana@example.org\nSubject: Confirm your paperwire account" in record.getMessage()
    link = _logged_link(caplog, "/account/verify/")

    # The logged link works as it is: it opens the page whose button confirms.
    assert client.get(link.removeprefix(BASE_URL)).status_code == 200
    client.post(link.removeprefix(BASE_URL))
    assert Profile.objects.get(user__username="dana@example.org").email_verified_at


def test_without_a_host_subscribe_and_alert_say_the_link_is_in_the_log(client, log_mode,
                                                                        caplog):
    caplog.set_level(logging.WARNING, logger="paperwire.mail")
    response = client.post("/digests/subscribe", {"email": "erin@example.org",
                                                  "frequency": "daily"})
    assert response.url == "/digests/subscribe/sent?mail=logged"
    assert "the message, with its link, was written to the server log" in (
        client.get(response.url).content.decode())
    link = _logged_link(caplog, "/digests/confirm/")
    client.post(link.removeprefix(BASE_URL))
    assert Subscriber.objects.get(email="erin@example.org").is_confirmed

    response = client.post("/digests/alerts", {"q": "speculative decoding",
                                              "email": "finn@example.org"})
    assert response.url == "/digests/subscribe/sent?mail=logged"


def test_the_welcome_page_and_the_admin_say_mail_is_not_set_up(client, log_mode, charlie):
    assert "Mail is not set up." in client.get("/").content.decode()
    client.force_login(charlie)
    assert "Mail is not set up." in client.get("/admin/").content.decode()


def test_no_banner_once_mail_is_set_up(client, smtp, charlie):
    assert "Mail is not set up" not in client.get("/").content.decode()
    client.force_login(charlie)
    html = client.get("/admin/").content.decode()
    assert "Mail is not set up" not in html and "could not be sent" not in html


# -- sending fails: the reader, the operator, and a way to send again --------------------

def test_a_closed_port_is_a_failed_sign_up_mail_and_logging_in_sends_again(
        client, closed_port, smtp, settings, caplog):
    settings.EMAIL_PORT = closed_port  # the server is down for the sign-up
    caplog.set_level(logging.ERROR, logger="paperwire.mail")
    response = client.post("/signup", SIGNUP)
    assert response.url == "/signup/sent?mail=failed"
    html = client.get(response.url).content.decode()
    assert "We could not send the message: the mail server did not take it." in html
    assert "log in with your address and password" in html
    assert "We have sent a message" not in html
    failure = MailFailure.objects.get()
    assert (failure.to, failure.kind) == ("dana@example.org", MailFailure.ACCOUNT)
    assert f"cannot reach the mail server 127.0.0.1:{closed_port}" in failure.error
    assert any("could not be sent" in r.getMessage() for r in caplog.records)

    settings.EMAIL_PORT = smtp.port  # back up: logging in sends a new link
    response = client.post("/login", {"email": "dana@example.org", "password": PASSWORD})
    assert "we have sent you a new link" in response.content.decode()
    [message] = smtp.wait_for(1)
    text, html = parts(message)
    assert "/account/verify/" in text and "/account/verify/" in html
    assert not MailFailure.objects.exists()  # it reached the address at last


def test_logging_in_says_when_the_new_link_could_not_be_sent(client, closed_port):
    client.post("/signup", SIGNUP)
    response = client.post("/login", {"email": "dana@example.org", "password": PASSWORD})
    assert ("We tried to send you a new link, but the mail server did not take it"
            in response.content.decode())


def test_a_refused_subscription_is_listed_in_the_admin_and_sent_again(client, smtp,
                                                                      charlie):
    smtp.rcpt_answers["erin@example.org"] = ["550 5.1.1 no such mailbox"]
    response = client.post("/digests/subscribe", {"email": "erin@example.org",
                                                  "frequency": "weekly"})
    assert response.url == "/digests/subscribe/sent?mail=failed"
    html = client.get(response.url).content.decode()
    assert "your subscription waits for its confirmation" in html
    assert not smtp.messages
    failure = MailFailure.objects.get()
    assert failure.kind == MailFailure.SUBSCRIPTION and failure.error.startswith("550")

    client.force_login(charlie)
    assert "1 message could not be sent" in client.get("/admin/").content.decode()
    listing = client.get("/admin/digests/mailfailure/").content.decode()
    assert "erin@example.org" in listing and "550 5.1.1 no such mailbox" in listing

    response = client.post("/admin/digests/mailfailure/", {
        "action": "send_again", "_selected_action": [failure.pk]}, follow=True)
    assert "Subscription confirmation to erin@example.org: sent" in (
        response.content.decode())
    [message] = smtp.wait_for(1)
    text, html = parts(message)
    assert "/digests/confirm/" in text and "/digests/confirm/" in html
    assert not MailFailure.objects.exists()
    assert not Subscriber.objects.get(email="erin@example.org").is_confirmed  # still asks


def test_a_deferral_is_tried_again_before_it_counts_as_failed(client, smtp):
    smtp.rcpt_answers["erin@example.org"] = ["451 4.3.0 try later"] * 3
    response = client.post("/digests/subscribe", {"email": "erin@example.org",
                                                  "frequency": "daily"})
    assert response.url == "/digests/subscribe/sent?mail=failed"
    assert MailFailure.objects.get().error.startswith("451")

    smtp.rcpt_answers["gail@example.org"] = ["451 4.3.0 try later"] * 2
    response = client.post("/digests/subscribe", {"email": "gail@example.org",
                                                  "frequency": "daily"})
    assert response.url == "/digests/subscribe/sent"  # the third try went through
    assert len(smtp.to("gail@example.org")) == 1


def test_the_failures_are_for_staff_only(client, alice):
    MailFailure.objects.record("erin@example.org", MailFailure.SUBSCRIPTION, "550 no")
    client.force_login(alice)
    response = client.get("/admin/digests/mailfailure/")
    assert response.status_code == 302 and "/admin/login/" in response.url


@pytest.mark.usefixtures("frozen")
def test_without_a_host_digests_are_skipped_with_the_reason(log_mode, caplog):
    from paperwire.digests.build import build_digests
    from paperwire.digests.models import Delivery
    from paperwire.digests.outbox import send_due
    from paperwire.digests.tests.conftest import DAY, make_paper, make_subscriber

    make_paper("2410.00001", DAY, "Breaking the Memory Barrier", upvotes=12)
    make_subscriber("alice@example.org")
    build_digests("daily")

    report = send_due()

    assert report.skipped == 1 and report.sent == 0
    row = Delivery.objects.get()
    assert row.status == Delivery.SKIPPED
    assert row.last_error.startswith("mail is not set up (PAPERWIRE_SMTP_HOST is empty)")
    assert "not sent: mail is not set up" in caplog.text
