"""API tokens die with the password (reset, change, or an admin setting it), may expire,
and show their last use on the account page."""

import json
import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.test import Client

from paperwire.community.models import ApiToken
from paperwire.community.tests.conftest import PASSWORD, logged_in

pytestmark = pytest.mark.django_db
NOW = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)
NEW_PASSWORD = "a brand new passphrase"


def _upvote(token: str):
    return Client().post("/api/papers/2401.10241/upvote", json.dumps({}),
                         content_type="application/json",
                         headers={"Authorization": f"Bearer {token}"})


def test_a_password_reset_revokes_the_old_token(client, alice, paper):
    token = ApiToken.objects.issue(alice, "laptop")
    assert _upvote(token).status_code == 200

    client.post("/account/reset", {"email": "alice@example.org"})
    path = re.search(r"http://localhost:8000(/account/reset/\S+)", mail.outbox[0].body).group(1)
    form = client.get(path, follow=True)
    response = client.post(form.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD,
                                                        "new_password2": NEW_PASSWORD},
                           follow=True)
    assert "Your API token is revoked with the old password" in response.content.decode()

    assert _upvote(token).status_code == 401
    assert not ApiToken.objects.filter(user=alice).exists()


def test_a_password_change_revokes_the_tokens_and_keeps_the_session(alice, bob, paper):
    alices = [ApiToken.objects.issue(alice, "one"), ApiToken.objects.issue(alice, "two")]
    bobs = ApiToken.objects.issue(bob, "bob's")
    client = logged_in(alice)
    assert client.get("/account/password").status_code == 200
    response = client.post("/account/password", {
        "old_password": PASSWORD, "new_password1": NEW_PASSWORD,
        "new_password2": NEW_PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == f"/users/{alice.pk}"
    assert "Your API tokens are revoked" in response.content.decode()
    assert [_upvote(t).status_code for t in alices] == [401, 401]
    assert _upvote(bobs).status_code == 200  # another user's tokens are untouched
    assert client.get("/account").status_code == 302  # still logged in
    assert client.get("/account").url == f"/users/{alice.pk}"


def test_a_wrong_old_password_changes_nothing(alice, paper):
    token = ApiToken.objects.issue(alice)
    response = logged_in(alice).post("/account/password", {
        "old_password": "not it at all", "new_password1": NEW_PASSWORD,
        "new_password2": NEW_PASSWORD})
    assert response.status_code == 200
    assert _upvote(token).status_code == 200


def test_an_admin_setting_a_password_revokes_the_tokens(alice, charlie, paper):
    token = ApiToken.objects.issue(alice)
    response = logged_in(charlie).post(f"/admin/auth/user/{alice.pk}/password/", {
        "password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"})
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.check_password(NEW_PASSWORD)
    assert _upvote(token).status_code == 401


def test_a_token_stops_working_when_it_expires(alice, paper):
    with time_machine.travel(NOW, tick=False):
        response = logged_in(alice).post("/account/tokens", {"name": "ci",
                                                             "expires_in_days": "30"})
        raw = re.search(r"pw_[\w-]+", response.content.decode()).group(0)
        assert "It works until 9 April 2025, 12:00" in response.content.decode()
        assert ApiToken.objects.get().expires_at == NOW + timedelta(days=30)
    with time_machine.travel(NOW + timedelta(days=30) - timedelta(seconds=1), tick=False):
        assert _upvote(raw).status_code == 200
    with time_machine.travel(NOW + timedelta(days=30), tick=False):
        assert _upvote(raw).status_code == 401
        html = logged_in(alice).get(f"/users/{alice.pk}").content.decode()
        assert "<strong>expired</strong> 9 Apr 2025" in html


def test_a_token_may_never_expire(alice):
    logged_in(alice).post("/account/tokens", {"name": "ci", "expires_in_days": ""})
    assert ApiToken.objects.get().expires_at is None
    assert "no expiry" in logged_in(alice).get(f"/users/{alice.pk}").content.decode()


def test_it_refuses_an_expiry_not_on_the_list(alice):
    response = logged_in(alice).post("/account/tokens", {"name": "ci",
                                                         "expires_in_days": "100000"})
    assert response.status_code == 302
    assert not ApiToken.objects.exists()


def test_last_use_is_written_at_most_once_a_minute(alice, paper, django_assert_num_queries):
    raw = ApiToken.objects.issue(alice)
    with time_machine.travel(NOW, tick=False):
        _upvote(raw)
        assert ApiToken.objects.get().last_used_at == NOW
    with time_machine.travel(NOW + timedelta(seconds=59), tick=False):
        _upvote(raw)
        assert ApiToken.objects.get().last_used_at == NOW  # no write for this call
        # A call within the minute costs the lookup alone.
        with django_assert_num_queries(1):
            assert ApiToken.objects.user_for(raw) == alice
    with time_machine.travel(NOW + timedelta(minutes=1), tick=False):
        _upvote(raw)
        assert ApiToken.objects.get().last_used_at == NOW + timedelta(minutes=1)


def test_the_account_page_shows_each_tokens_last_use_and_expiry(alice, bob, paper):
    with time_machine.travel(NOW, tick=False):
        used = ApiToken.objects.issue(alice, "used", NOW + timedelta(days=90))
        ApiToken.objects.issue(alice, "idle")
        ApiToken.objects.issue(bob, "bobs-token")
        _upvote(used)
        html = logged_in(alice).get(f"/users/{alice.pk}").content.decode()
    assert 'last used <time datetime="2025-03-10T12:00:00+00:00">10 Mar 2025, 12:00</time>' \
        in html
    assert "expires 8 Jun 2025" in html
    assert "never used" in html and "no expiry" in html
    assert "bobs-token" not in html
    assert "bobs-token" not in logged_in(bob).get(f"/users/{alice.pk}").content.decode()
