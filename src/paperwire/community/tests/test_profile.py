import pytest

from paperwire.community.models import ApiToken, hash_token
from paperwire.community.tests.conftest import logged_in

pytestmark = pytest.mark.django_db


def test_the_profile_shows_no_email_to_others(alice, bob):
    html = logged_in(bob).get(f"/users/{alice.pk}").content.decode()
    assert "<h1>Alice</h1>" in html
    assert "alice@example.org" not in html
    assert "API tokens" not in html


def test_the_owner_sees_the_account_section(alice):
    response = logged_in(alice).get("/account")
    assert response.url == f"/users/{alice.pk}"
    html = logged_in(alice).get(response.url).content.decode()
    assert "alice@example.org" in html and "API tokens" in html


def test_a_token_is_shown_once(alice):
    html = logged_in(alice).post("/account/tokens", {"name": "laptop"}).content.decode()
    token = ApiToken.objects.get()
    raw = next(w for w in html.replace("<", " ").replace(">", " ").split()
               if w.startswith("pw_"))
    assert hash_token(raw) == token.token_hash
    assert raw not in logged_in(alice).get(f"/users/{alice.pk}").content.decode()


def test_a_blocked_users_profile_is_gone(mallory, client):
    assert client.get(f"/users/{mallory.pk}").status_code == 404
