import json

import pytest
from django.test import Client

from paperwire.community.models import ApiToken, Comment, Vote, hash_token
from paperwire.community.tests.arxiv_fake import recorded_by_id, serve_arxiv
from paperwire.papers.models import Paper

pytestmark = pytest.mark.django_db


@pytest.fixture
def token(alice) -> str:
    return ApiToken.objects.issue(alice, "tests")


def _post(path, data=None, token=None, raw=None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    body = raw if raw is not None else json.dumps(data or {})
    return Client().post(f"/api{path}", body, content_type="application/json",
                         headers=headers)


def test_it_keeps_only_a_hash_of_the_token(alice, token):
    stored = ApiToken.objects.get()
    assert token.startswith("pw_") and len(token) > 40
    assert stored.token_hash == hash_token(token) != token
    assert token not in json.dumps(list(ApiToken.objects.values()), default=str)


def test_it_toggles_an_upvote(alice, paper, token):
    response = _post("/papers/2401.10241/upvote", token=token)
    assert response.status_code == 200
    assert response.json() == {"id": "2401.10241", "upvoted": True, "upvotes": 41}
    assert _post("/papers/2401.10241/upvote", token=token).json()["upvotes"] == 40
    assert not Vote.objects.exists()


def test_it_upvotes_an_old_style_id(alice, token):
    Paper.objects.create(arxiv_id="hep-th/9901001", title="Old", upvotes=1)
    response = _post("/papers/hep-th/9901001/upvote", token=token)
    assert response.json()["upvotes"] == 2


def test_it_comments(alice, paper, token):
    response = _post("/papers/2401.10241/comments", {"body": "Hello <script>x</script>"},
                     token=token)
    assert response.status_code == 201
    data = response.json()
    comment = Comment.objects.get()
    assert data["id"] == comment.pk and comment.user == alice
    assert data["html"] == "<p>Hello &lt;script&gt;x&lt;/script&gt;</p>\n"
    reply = _post("/papers/2401.10241/comments", {"body": "Re", "parent": comment.pk},
                  token=token)
    assert reply.json()["parent"] == comment.pk


@pytest.mark.parametrize("data", [{}, {"body": ""}, {"body": "   "}, {"body": 5},
                                  {"body": "x" * 10_001}, {"body": "ok", "parent": 999}])
def test_it_answers_400_for_a_bad_comment(alice, paper, token, data):
    response = _post("/papers/2401.10241/comments", data, token=token)
    assert response.status_code == 400
    assert response.json()["error"]
    assert not Comment.objects.exists()


def test_it_answers_400_for_a_body_that_is_not_json(alice, paper, token):
    response = _post("/papers/2401.10241/comments", raw="{not json", token=token)
    assert response.status_code == 400


def test_it_answers_404_for_an_unknown_paper(alice, token):
    assert _post("/papers/2401.99999/upvote", token=token).status_code == 404


@pytest.mark.parametrize("path,data", [
    ("/papers/2401.10241/upvote", None),
    ("/papers/2401.10241/comments", {"body": "x"}),
    ("/papers/submit", {"id": "2401.10241"}),
])
@pytest.mark.parametrize("token", [None, "pw_not-a-real-token", "Basic abc", ""])
def test_every_write_needs_a_valid_token(alice, paper, path, data, token):
    response = _post(path, data, token=token)
    assert response.status_code == 401
    paper.refresh_from_db()
    assert paper.upvotes == 40 and not Comment.objects.exists()


def test_a_session_is_not_enough_for_the_api(alice, paper):
    client = Client()
    client.force_login(alice)
    response = client.post("/api/papers/2401.10241/upvote")
    assert response.status_code == 401


def test_a_blocked_users_token_stops_working(alice, paper, token):
    alice.is_active = False
    alice.save()
    assert _post("/papers/2401.10241/upvote", token=token).status_code == 401


def test_a_revoked_token_stops_working(alice, paper, token):
    client = Client()
    client.force_login(alice)
    client.post(f"/account/tokens/{ApiToken.objects.get().pk}/revoke")
    assert _post("/papers/2401.10241/upvote", token=token).status_code == 401


def test_it_submits_a_paper(alice, token, local_server, shared_data, settings):
    settings.ARXIV_API_URL = local_server.url + "api/query"
    serve_arxiv(local_server, recorded_by_id(shared_data))
    response = _post("/papers/submit", {"id": "https://arxiv.org/abs/1605.08386"}, token=token)
    assert response.status_code == 201
    data = response.json()
    assert data["id"] == "1605.08386" and data["created"] is True
    assert data["url"] == "http://testserver/papers/1605.08386"
    again = _post("/papers/submit", {"id": "1605.08386"}, token=token)
    assert again.status_code == 200 and again.json()["created"] is False
    assert len(local_server.requests) == 1


@pytest.mark.parametrize("text", ["http://127.0.0.1:1/abs/2401.10241", "file:///etc/passwd",
                                  "https://evil.example/abs/2401.10241", ""])
def test_it_refuses_a_submission_that_is_not_an_arxiv_id(alice, token, local_server, settings,
                                                          text):
    settings.ARXIV_API_URL = local_server.url + "api/query"
    assert _post("/papers/submit", {"id": text}, token=token).status_code == 400
    assert local_server.requests == []
