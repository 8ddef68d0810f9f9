"""The reader's API: follows, not interested, For you; the owner's alone."""

from __future__ import annotations

import json

from django.test import Client

from paperwire.community.models import ApiToken
from paperwire.reader.models import Follow, NotInterested


def _client(user) -> tuple[Client, dict]:
    return Client(), {"HTTP_AUTHORIZATION": f"Bearer {ApiToken.objects.issue(user)}"}


def _post(client, path, data, auth):
    return client.post(path, json.dumps(data), content_type="application/json", **auth)


def test_it_adds_lists_and_deletes_follows(alice, db):
    client, auth = _client(alice)
    response = _post(client, "/api/me/follows", {"kind": "category", "value": "cs.CL"}, auth)
    assert response.status_code == 201
    follow = response.json()
    assert (follow["kind"], follow["value"]) == ("category", "cs.CL")
    assert _post(client, "/api/me/follows", {"kind": "category", "value": "cs.CL"},
                 auth).status_code == 200
    listed = client.get("/api/me/follows", **auth).json()
    assert [f["id"] for f in listed] == [follow["id"]]
    assert client.delete(f"/api/me/follows/{follow['id']}", **auth).status_code == 204
    assert client.get("/api/me/follows", **auth).json() == []


def test_it_refuses_bad_follows_with_422(alice, db):
    client, auth = _client(alice)
    for data in ({"kind": "planet", "value": "Mars"}, {"kind": "author", "value": "a\x00"},
                 {"kind": "author", "value": "x" * 301}, {"kind": "category", "value": "!"}):
        assert _post(client, "/api/me/follows", data, auth).status_code == 422, data
    assert not Follow.objects.exists()


def test_it_needs_a_token(db):
    client = Client()
    assert client.get("/api/me/follows").status_code == 401
    assert client.get("/api/me/for-you").status_code == 401
    assert client.post("/api/papers/2401.10241/not-interested").status_code == 401


def test_no_one_else_reads_or_deletes_a_follow(alice, bob, db):
    follow, _ = Follow.objects.add(alice, "author", "Diyi Yang")
    client, auth = _client(bob)
    assert client.get("/api/me/follows", **auth).json() == []
    assert client.delete(f"/api/me/follows/{follow.pk}", **auth).status_code == 404
    assert Follow.objects.filter(pk=follow.pk).exists()


def test_not_interested_toggles(alice, featured):
    paper = next(iter(featured.values()))
    client, auth = _client(alice)
    response = client.post(f"/api/papers/{paper.arxiv_id}/not-interested", **auth)
    assert response.json() == {"id": paper.arxiv_id, "notInterested": True}
    response = client.post(f"/api/papers/{paper.arxiv_id}/not-interested", **auth)
    assert response.json() == {"id": paper.arxiv_id, "notInterested": False}
    assert not NotInterested.objects.exists()
    assert client.post("/api/papers/2401.00000/not-interested", **auth).status_code == 404


def test_for_you_answers_papers_with_reasons(alice, featured):
    paper = min(featured.values(), key=lambda p: p.upvotes)
    Follow.objects.add(alice, "author", paper.author_names[0])
    client, auth = _client(alice)
    items = client.get("/api/me/for-you?days=7&limit=3", **auth).json()
    assert len(items) == 3
    assert set(items[0]) == {"paper", "reasons"}
    assert items[0]["reasons"] == [f"you follow {paper.author_names[0]}"]
    assert {"id", "title", "authors", "summary", "upvotes"} <= set(items[0]["paper"])
    assert client.get("/api/me/for-you?days=2", **auth).status_code == 422
    assert client.get("/api/me/for-you?limit=0", **auth).status_code == 422


def test_the_openapi_description_lists_the_routes(db):
    paths = Client().get("/api/openapi.json").json()["paths"]
    assert {"/api/me/follows", "/api/me/follows/{follow_id}", "/api/me/for-you",
            "/api/papers/{paper_id}/not-interested"} <= set(paths)
