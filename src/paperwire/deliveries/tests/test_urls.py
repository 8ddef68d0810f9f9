"""Destination URLs are checked as submissions are: only public addresses, unless
PAPERWIRE_WEBHOOK_ALLOW_PRIVATE, when they are given and again at each send."""

from __future__ import annotations

import socket

import pytest

from paperwire.deliveries.models import Destination, DestinationError, Send
from paperwire.deliveries.outbox import collect_due, send_due
from paperwire.deliveries.tests.conftest import DAY, make_destination, make_paper
from paperwire.lib.http import UnsafeUrl, check_post_url

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("url,why", [
    ("http://127.0.0.1:8000/hook", "loopback"),
    ("http://localhost/hook", "loopback"),
    ("http://[::1]/hook", "loopback"),
    ("http://10.1.2.3/hook", "private"),
    ("http://192.168.0.10/hook", "private"),
    ("http://169.254.169.254/latest/meta-data", "link-local"),
    ("http://[fe80::1]/hook", "link-local"),
    ("http://[::ffff:127.0.0.1]/hook", "loopback"),
    ("http://0.0.0.0/hook", "private or reserved"),
    ("http://100.64.0.1/hook", "private or reserved"),
])
def test_it_refuses_non_public_addresses(url, why):
    with pytest.raises(UnsafeUrl, match=why):
        check_post_url(url, allow_private=False)


@pytest.mark.parametrize("url,why", [
    ("ftp://example.org/x", "https://"),
    ("file:///etc/passwd", "https://"),
    ("https://user:pw@example.org/", "user name"),
    ("https://exa mple.org/", "spaces"),
    ("https://example.org/\x00", "control"),
    ("https://" + "a" * 2000 + ".org/", "1 to 2000"),
    ("", "1 to 2000"),
    ("https://:80/", "name a host"),
])
def test_it_refuses_what_is_not_an_http_url(url, why):
    with pytest.raises(UnsafeUrl, match=why):
        check_post_url(url, allow_private=True)


def test_it_accepts_a_public_address():
    host, port, addresses = check_post_url("https://93.184.215.14/hook", allow_private=False)
    assert (host, port, addresses) == ("93.184.215.14", 443, ["93.184.215.14"])


def test_a_new_destination_is_refused_on_a_private_address(alice, settings):
    settings.WEBHOOK_ALLOW_PRIVATE = False
    with pytest.raises(DestinationError, match="loopback"):
        Destination.objects.create_for(alice, kind="webhook", url="http://127.0.0.1/x",
                                       feed="daily")
    assert not Destination.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_name_that_now_resolves_to_a_private_address_is_refused_at_send(
        alice, receiver, frozen, settings, monkeypatch):
    """DNS rebinding: the name was public when given; at send time it is checked again,
    and the post goes nowhere."""
    make_paper("2410.00001", DAY)
    port = int(receiver.url.rsplit(":", 1)[1].strip("/"))
    destination = make_destination(alice, f"http://hooks.example.org:{port}/")
    settings.WEBHOOK_ALLOW_PRIVATE = False
    real = socket.getaddrinfo

    def rebound(host, *args, **kwargs):
        if host == "hooks.example.org":
            return real("127.0.0.1", *args, **kwargs)
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebound)
    collect_due(force=True)
    assert send_due().failed == 1
    assert receiver.requests == []
    destination.refresh_from_db()
    assert destination.is_paused and "loopback" in destination.paused_reason
    assert Send.objects.get().status == Send.FAILED
