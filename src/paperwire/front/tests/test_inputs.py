"""No input holding a NUL or a lone surrogate reaches a view or the database: a 400,
the same on SQLite (which would store it) and PostgreSQL (which would refuse it with a 500).
"""

import json

import pytest

from paperwire.community.models import ApiToken, Comment
from paperwire.community.tests.conftest import make_user
from paperwire.papers.models import Paper

pytestmark = pytest.mark.django_db


def _paper() -> Paper:
    return Paper.objects.create(arxiv_id="2401.10241", title="Zero Bubble")


def test_it_refuses_a_nul_in_an_api_comment(client):
    _paper()
    token = ApiToken.objects.issue(make_user("alice@example.org", "Alice"))
    response = client.post("/api/papers/2401.10241/comments", {"body": "a\u0000"},
                           content_type="application/json",
                           headers={"authorization": f"Bearer {token}"})
    assert response.status_code == 400
    assert "NUL" in response.json()["error"]
    assert not Comment.objects.exists()


def test_it_refuses_a_lone_surrogate_in_a_json_body(client):
    _paper()
    token = ApiToken.objects.issue(make_user("alice@example.org", "Alice"))
    body = json.dumps({"body": "ok", "nested": [{"\ud800": 1}]})  # ensure_ascii: "\\ud800"
    response = client.post("/api/papers/2401.10241/comments", body,
                           content_type="application/json",
                           headers={"authorization": f"Bearer {token}"})
    assert response.status_code == 400
    assert "lone surrogate" in response.json()["error"]
    assert not Comment.objects.exists()


def test_it_still_takes_a_comment_with_an_escaped_backslash_u0000(client):
    _paper()
    token = ApiToken.objects.issue(make_user("alice@example.org", "Alice"))
    response = client.post("/api/papers/2401.10241/comments", {"body": "write \\u0000"},
                           content_type="application/json",
                           headers={"authorization": f"Bearer {token}"})
    assert response.status_code == 201
    assert Comment.objects.get().body == "write \\u0000"


def test_it_refuses_a_nul_in_the_query_string_unauthenticated(client):
    response = client.get("/api/daily_papers?submitter=%00")
    assert response.status_code == 400
    assert "query string" in response.json()["error"]
    assert client.get("/papers?q%00=1").status_code == 400  # in a name too


def test_it_refuses_a_nul_in_the_path(client):
    response = client.get("/digests/preview/a%00b")
    assert response.status_code == 400
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert "Content-Security-Policy" in response.headers


def test_it_refuses_a_nul_in_a_form_field(client):
    _paper()
    user = make_user("alice@example.org", "Alice")
    client.force_login(user)
    response = client.post("/papers/2401.10241/comments", {"body": "a\x00b"})
    assert response.status_code == 400
    assert not Comment.objects.exists()
    response = client.post("/login", {"email": "x\x00@example.org", "password": "p"})
    assert response.status_code == 400


def test_it_refuses_a_nul_in_a_header_or_cookie(client):
    assert client.get("/api/daily_papers",
                      headers={"authorization": "Bearer pw_\x00"}).status_code == 400
    assert client.get("/", HTTP_COOKIE="sessionid=abc\x00").status_code == 400


def test_ordinary_unicode_passes(client):
    _paper()
    token = ApiToken.objects.issue(make_user("alice@example.org", "Alice"))
    response = client.post("/api/papers/2401.10241/comments", {"body": "Schön 😀 ∑"},
                           content_type="application/json",
                           headers={"authorization": f"Bearer {token}"})
    assert response.status_code == 201
    assert client.get("/api/daily_papers?submitter=Schön").status_code == 200
