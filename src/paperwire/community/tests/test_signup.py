import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail

from paperwire.community.models import Profile
from paperwire.community.tests.conftest import PASSWORD

User = get_user_model()
pytestmark = pytest.mark.django_db


def _signup(client, email="dana@example.org", password=PASSWORD, name="Dana"):
    return client.post("/signup", {"email": email, "display_name": name,
                                   "password": password})


def _link(message) -> str:
    return re.search(r"http://\S+/account/verify/\S+", message.body).group(0)


def test_it_creates_an_unconfirmed_account_and_mails_the_link(client, settings):
    settings.BASE_URL = "https://papers.example.org"
    response = _signup(client, email="Dana@Example.org")
    assert response.status_code == 302
    assert response.url == "/signup/sent"

    user = User.objects.get(username="dana@example.org")
    assert user.email == "dana@example.org"
    assert user.check_password(PASSWORD)
    assert Profile.objects.get(user=user).email_verified_at is None

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["dana@example.org"]
    assert message.subject == "Confirm your paperwire account"
    # Nothing the form took but the address: it is not proven yet.
    assert "Hello," in message.body
    assert "Dana" not in message.body
    assert "Dana" not in message.alternatives[0].content
    link = re.search(r"https://papers\.example\.org/account/verify/\S+", message.body).group(0)
    html = message.alternatives[0].content
    assert message.alternatives[0].mimetype == "text/html"
    assert f'href="{link}"' in html
    assert "Confirm my address" in html


def test_the_link_opens_a_page_and_only_its_button_confirms(client):
    _signup(client)
    link = _link(mail.outbox[0]).replace("http://localhost:8000", "")
    response = client.get(link)  # as a mail scanner would
    assert response.status_code == 200
    html = response.content.decode()
    assert '<form method="post"' in html
    assert ">Confirm</button>" in html
    assert Profile.objects.get(user__username="dana@example.org").email_verified_at is None

    response = client.post(link)
    assert response.status_code == 302
    assert response.url == "/login"
    assert Profile.objects.get(user__username="dana@example.org").email_verified_at


def test_it_refuses_a_forged_or_altered_link(client):
    _signup(client)
    link = _link(mail.outbox[0]).replace("http://localhost:8000", "")
    assert client.get(link[:-3] + "xyz").status_code == 400
    assert client.post(link[:-3] + "xyz").status_code == 400
    assert client.get("/account/verify/eyJ1Ijo1fQ:abc:def").status_code == 400
    assert client.post("/account/verify/eyJ1Ijo1fQ:abc:def").status_code == 400
    assert Profile.objects.get(user__username="dana@example.org").email_verified_at is None


def test_it_answers_the_same_for_a_known_address(client, alice):
    response = _signup(client, email="alice@example.org", password="another long password")
    assert response.status_code == 302
    assert response.url == "/signup/sent"
    # The account is untouched; its owner hears about the attempt.
    alice.refresh_from_db()
    assert alice.check_password(PASSWORD)
    assert Profile.objects.get(user=alice).display_name == "Alice"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.subject == "Your paperwire account"
    assert "already has an account" in message.body
    assert "http://localhost:8000/login" in message.body
    assert "http://localhost:8000/account/reset" in message.alternatives[0].content


def test_it_asks_for_a_long_enough_password(client):
    response = _signup(client, password="short")
    assert response.status_code == 200
    assert b"too short" in response.content
    assert not User.objects.filter(username="dana@example.org").exists()
    assert mail.outbox == []


def test_it_throttles_sign_up_per_address(client):
    for _ in range(3):
        assert _signup(client).status_code == 302
    response = _signup(client)
    assert response.status_code == 429
    assert b"Too many attempts" in response.content
    assert len(mail.outbox) == 3


def test_it_throttles_sign_up_per_client(client):
    for n in range(10):
        assert _signup(client, email=f"user{n}@example.org").status_code == 302
    assert _signup(client, email="user99@example.org").status_code == 429
    other = client.__class__(REMOTE_ADDR="192.0.2.7")
    assert _signup(other, email="user99@example.org").status_code == 302
