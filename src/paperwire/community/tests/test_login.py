import re
import subprocess
import sys

import pytest
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.test import Client

from paperwire.community.tests.conftest import PASSWORD, make_user

pytestmark = pytest.mark.django_db


def _login(client, email="alice@example.org", password=PASSWORD, next=None, **headers):
    data = {"email": email, "password": password}
    if next is not None:
        data["next"] = next
    return client.post("/login", data, **headers)


def test_it_logs_in_and_sets_a_safe_session_cookie(client, alice):
    response = _login(client, email="ALICE@example.org")
    assert response.status_code == 302
    assert response.url == "/"
    assert client.session[SESSION_KEY] == str(alice.pk)
    cookie = response.cookies["sessionid"]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"


def test_the_session_cookie_is_secure_behind_https():
    code = "import paperwire.settings as s; print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE)"
    for base, expected in (("https://papers.example.org", "True True"),
                           ("http://localhost:8000", "False False")):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             env={"PAPERWIRE_BASE_URL": base, "PAPERWIRE_SECRET_KEY": "x" * 50,
                                  "PATH": "/usr/bin:/bin"}, check=True, cwd="/tmp")
        assert out.stdout.strip() == expected


def test_it_goes_to_a_local_next_page_only(client, alice):
    response = _login(client, next="/papers/2401.10241")
    assert response.url == "/papers/2401.10241"
    client.post("/logout")
    for evil in ("https://evil.example/", "//evil.example/x", "javascript:alert(1)"):
        response = _login(client, next=evil)
        assert response.url == "/"
        client.post("/logout")


def test_it_gives_one_answer_for_a_wrong_password_and_an_unknown_address(client, alice):
    wrong = _login(client, password="not the password")
    unknown = _login(client, email="nobody@example.org")
    assert wrong.status_code == unknown.status_code == 400
    # The same page but for the address typed and the CSRF token (masked per render).
    def normal(response, email):
        html = response.content.decode().replace(email, "X")
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    assert normal(wrong, "alice@example.org") == normal(unknown, "nobody@example.org")
    for response in (wrong, unknown):
        assert b"That email and password do not match an account." in response.content
    assert SESSION_KEY not in client.session


def test_it_refuses_a_blocked_user(client, mallory):
    response = _login(client, email="mallory@example.org")
    assert response.status_code == 400
    assert b"do not match an account" in response.content
    assert SESSION_KEY not in client.session


def test_a_blocked_user_loses_the_session_they_had(alice):
    client = Client()
    client.force_login(alice)
    assert client.get("/account").status_code == 302  # to the profile
    alice.is_active = False
    alice.save()
    response = client.get("/account")
    assert response.url.startswith("/login")


def test_it_asks_an_unconfirmed_user_to_confirm_first(client, db):
    make_user("dana@example.org", "Dana", verified=False)
    response = _login(client, email="dana@example.org")
    assert response.status_code == 400
    assert b"Confirm your email address first" in response.content
    assert SESSION_KEY not in client.session
    assert len(mail.outbox) == 1
    assert "/account/verify/" in mail.outbox[0].body
    assert "/account/verify/" in mail.outbox[0].alternatives[0].content


def test_it_throttles_login_per_address(client, alice):
    for _ in range(10):
        assert _login(client, password="wrong password").status_code == 400
    response = _login(client)  # even the right password waits now
    assert response.status_code == 429
    assert SESSION_KEY not in client.session
    # Another address from another client is not held up.
    assert _login(Client(REMOTE_ADDR="192.0.2.9"), email="bob@example.org").status_code == 400


def test_it_throttles_login_per_client(client, alice):
    for n in range(40):
        _login(client, email=f"guess{n}@example.org")
    assert _login(client).status_code == 429
    # The same account from elsewhere still logs in.
    assert _login(Client(REMOTE_ADDR="192.0.2.10")).status_code == 302


def test_it_counts_an_ipv6_client_by_its_network(client, alice):
    for n in range(40):
        _login(Client(REMOTE_ADDR=f"2001:db8::{n:x}"), email=f"guess{n}@example.org")
    assert _login(Client(REMOTE_ADDR="2001:db8::ffff")).status_code == 429


def test_it_trusts_x_forwarded_for_only_when_told(client, alice, settings):
    for n in range(40):
        _login(client, email=f"guess{n}@example.org", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
    # Not trusted: every attempt came from 127.0.0.1, whatever the header said.
    assert _login(client, HTTP_X_FORWARDED_FOR="192.0.2.200").status_code == 429
    settings.TRUST_X_FORWARDED_FOR = True
    assert _login(client, HTTP_X_FORWARDED_FOR="10.0.0.1, 192.0.2.200").status_code == 302


def test_logout_needs_a_post(client, alice):
    client.force_login(alice)
    assert client.get("/logout").status_code == 405
    assert SESSION_KEY in client.session
    response = client.post("/logout")
    assert response.url == "/"
    assert SESSION_KEY not in client.session
