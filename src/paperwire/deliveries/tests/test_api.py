"""POST/GET/DELETE /api/me/destinations: made with every input checked, the secret shown
once, and another reader's destination invisible and untouchable by id."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from paperwire.community.models import ApiToken
from paperwire.deliveries.models import MAX_DESTINATIONS, Destination
from paperwire.deliveries.tests.conftest import make_destination

pytestmark = pytest.mark.django_db


@pytest.fixture
def token(alice) -> str:
    return ApiToken.objects.issue(alice, "tests")


@pytest.fixture
def bob_token(bob) -> str:
    return ApiToken.objects.issue(bob, "tests")


def _call(method, path, token=None, data=None, raw=None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    client = Client()
    if method == "get":
        return client.get(f"/api{path}", headers=headers)
    if method == "delete":
        return client.delete(f"/api{path}", headers=headers)
    body = raw if raw is not None else json.dumps(data or {})
    return client.post(f"/api{path}", body, content_type="application/json", headers=headers)


HOOK = {"kind": "webhook", "url": "http://127.0.0.1:9/hook", "feed": "daily",
        "schedule": "immediate"}


def test_it_makes_lists_and_deletes_a_destination(alice, token):
    response = _call("post", "/me/destinations", token, HOOK)
    assert response.status_code == 201
    made = response.json()
    destination = Destination.objects.get()
    assert made == {"id": destination.pk, "secret": destination.secret}
    assert len(made["secret"]) == 64 and destination.owner == alice

    listed = _call("get", "/me/destinations", token).json()
    assert [d["id"] for d in listed] == [destination.pk]
    assert listed[0]["feed"] == "daily" and listed[0]["kind"] == "webhook"
    assert listed[0]["paused"] is False
    assert "secret" not in listed[0] and made["secret"] not in json.dumps(listed)
    assert listed[0]["url"] == "http://127.0.0.1:9/…"  # the token-bearing path is cut

    assert _call("delete", f"/me/destinations/{destination.pk}", token).status_code == 204
    assert not Destination.objects.exists()


@pytest.mark.parametrize("feed,stored", [("trending", "trending"),
                                         ("topic:  graph   neural nets ",
                                          "topic:graph neural nets")])
def test_it_takes_each_feed_kind(alice, token, feed, stored):
    response = _call("post", "/me/destinations", token, {**HOOK, "feed": feed,
                                                         "kind": "slack",
                                                         "schedule": "weekly"})
    assert response.status_code == 201
    destination = Destination.objects.get()
    assert (destination.feed, destination.kind, destination.schedule) == (
        stored, "slack", "weekly")


def test_it_takes_a_collection_of_the_owner_only(alice, bob, token):
    from paperwire.library.models import Collection

    Collection.objects.create_for(alice, "Reading group")
    Collection.objects.create_for(bob, "Bob's picks")
    ok = _call("post", "/me/destinations", token, {**HOOK, "feed": "collection:reading-group"})
    assert ok.status_code == 201
    refused = _call("post", "/me/destinations", token, {**HOOK, "feed": "collection:bobs-picks"})
    assert refused.status_code == 400 and "no collection" in refused.json()["error"]


@pytest.mark.parametrize("data,why", [
    ({**HOOK, "kind": "pager"}, None),
    ({**HOOK, "url": ""}, "Give the URL"),
    ({**HOOK, "schedule": "hourly"}, None),
    ({**HOOK, "feed": "yesterday"}, "The feed is"),
    ({**HOOK, "feed": "topic:"}, "A topic is"),
    ({**HOOK, "feed": "topic:" + "x" * 201}, "A topic is"),
    ({**HOOK, "url": "file:///etc/passwd"}, "https://"),
    ({**HOOK, "url": "http://127.0.0.1/\x00"}, None),
    ({**HOOK, "feed": "daily\x00"}, None),
    ({**HOOK, "url": "x" * 2001}, None),
])
def test_it_refuses_bad_input(token, data, why):
    response = _call("post", "/me/destinations", token, data)
    assert response.status_code == 400
    if why:
        assert why in response.json()["error"]
    assert not Destination.objects.exists()


def test_it_refuses_a_private_address_unless_allowed(token, settings):
    settings.WEBHOOK_ALLOW_PRIVATE = False
    response = _call("post", "/me/destinations", token, HOOK)
    assert response.status_code == 400 and "loopback" in response.json()["error"]


def test_it_bounds_destinations_per_reader(alice, token):
    for _ in range(MAX_DESTINATIONS):
        make_destination(alice, "http://127.0.0.1:9/")
    response = _call("post", "/me/destinations", token, HOOK)
    assert response.status_code == 400 and "most one reader" in response.json()["error"]


def test_it_needs_a_token(alice):
    assert _call("get", "/me/destinations").status_code == 401
    assert _call("post", "/me/destinations", None, HOOK).status_code == 401
    assert _call("get", "/me/destinations", "not-a-token").status_code == 401


def test_another_reader_cannot_see_or_delete_a_destination(alice, bob, bob_token):
    destination = make_destination(alice, "http://127.0.0.1:9/")
    assert _call("get", "/me/destinations", bob_token).json() == []
    assert _call("delete", f"/me/destinations/{destination.pk}", bob_token).status_code == 404
    assert Destination.objects.filter(pk=destination.pk).exists()
