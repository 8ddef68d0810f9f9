import json

import bibtexparser
import pytest
from django.test import Client

from paperwire.community.models import ApiToken
from paperwire.library.models import Collection
from paperwire.library.tests.arxiv_many import serve_arxiv_ids
from paperwire.papers.models import Paper

pytestmark = pytest.mark.django_db


@pytest.fixture
def token(alice) -> str:
    return ApiToken.objects.issue(alice, "tests")


def _call(method, path, token=None, data=None, raw=None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if method == "get":
        return Client().get(f"/api{path}", headers=headers)
    body = raw if raw is not None else json.dumps(data or {})
    return Client().post(f"/api{path}", body, content_type="application/json",
                         headers=headers)


def test_it_toggles_a_save(alice, paper, token):
    response = _call("post", "/papers/2401.10241/save", token)
    assert response.status_code == 200
    assert response.json() == {"id": "2401.10241", "saved": True}
    assert Collection.objects.saved_paper_ids(alice) == {paper.pk}
    assert _call("post", "/papers/2401.10241v2/save", token).json()["saved"] is False
    assert _call("post", "/papers/2401.99999/save", token).status_code == 404


def test_it_saves_an_old_style_id(alice, token):
    Paper.objects.create(arxiv_id="hep-th/9901001", title="Old")
    assert _call("post", "/papers/hep-th/9901001/save", token).json()["saved"] is True


def test_it_makes_and_lists_collections(alice, paper, token):
    response = _call("post", "/me/collections", token,
                     {"name": "Reading group", "visibility": "shared"})
    assert response.status_code == 201
    made = response.json()
    assert made["slug"] == "reading-group" and made["visibility"] == "shared"
    assert made["papers"] == 0 and made["url"].endswith("-reading-group")
    _call("post", "/papers/2401.10241/save", token)
    listed = _call("get", "/me/collections", token).json()
    assert [(c["slug"], c["papers"]) for c in listed] == [("reading-group", 0), ("saved", 1)]


@pytest.mark.parametrize("data", [{}, {"name": ""}, {"name": "x" * 101},
                                  {"name": "a\x00b"}, {"name": "   "},
                                  {"name": "ok", "visibility": "everyone"}, {"name": 5}])
def test_it_answers_400_for_a_bad_collection(alice, token, data):
    assert _call("post", "/me/collections", token, data).status_code == 400
    assert not Collection.objects.exists()


def test_it_adds_papers_and_exports_them(alice, paper, other_paper, token):
    _call("post", "/me/collections", token, {"name": "Reading"})
    response = _call("post", "/me/collections/reading/papers", token, {"id": "2401.10241"})
    assert response.status_code == 201
    assert response.json() == {"collection": "reading", "id": "2401.10241", "added": True}
    again = _call("post", "/me/collections/reading/papers", token,
                  {"id": "https://arxiv.org/abs/2401.10241v1"})
    assert again.status_code == 200 and again.json()["added"] is False
    _call("post", "/me/collections/reading/papers", token, {"id": "2401.04088"})

    bib = _call("get", "/me/collections/reading/export?format=bibtex", token)
    assert bib["Content-Type"].startswith("application/x-bibtex")
    entries = bibtexparser.loads(bib.content.decode()).entries
    assert {e["eprint"] for e in entries} == {"2401.10241", "2401.04088"}
    ris = _call("get", "/me/collections/reading/export?format=ris", token).content.decode()
    assert ris.count("TY  - UNPB") == 2 and ris.count("ER  - ") == 2
    csl = json.loads(_call("get", "/me/collections/reading/export?format=csl-json",
                           token).content)
    assert {i["number"] for i in csl} == {"arXiv:2401.10241", "arXiv:2401.04088"}
    assert _call("get", "/me/collections/reading/export?format=word", token
                 ).status_code == 400


def test_it_fetches_a_paper_from_arxiv_to_add_it(alice, token, settings, local_server,
                                                 shared_data):
    settings.ARXIV_API_URL = local_server.url + "api/query"
    serve_arxiv_ids(local_server, shared_data)
    _call("post", "/me/collections", token, {"name": "Reading"})
    response = _call("post", "/me/collections/reading/papers", token, {"id": "1605.08386"})
    assert response.status_code == 201
    assert Paper.objects.filter(arxiv_id="1605.08386").exists()
    missing = _call("post", "/me/collections/reading/papers", token, {"id": "2401.99999"})
    assert missing.status_code == 404
    bad = _call("post", "/me/collections/reading/papers", token, {"id": "javascript:x"})
    assert bad.status_code == 400


def test_it_answers_404_for_an_unknown_collection(alice, token):
    assert _call("get", "/me/collections/nope/export", token).status_code == 404
    assert _call("post", "/me/collections/nope/papers", token,
                 {"id": "2401.10241"}).status_code == 404


@pytest.mark.parametrize("method,path,data", [
    ("post", "/papers/2401.10241/save", None),
    ("get", "/me/collections", None),
    ("post", "/me/collections", {"name": "x"}),
    ("post", "/me/collections/saved/papers", {"id": "2401.10241"}),
    ("get", "/me/collections/saved/export", None),
])
@pytest.mark.parametrize("token", [None, "pw_not-a-real-token", ""])
def test_it_answers_401_without_a_token(paper, method, path, data, token):
    assert _call(method, path, token, data).status_code == 401


def test_the_routes_are_in_the_openapi_description(db):
    paths = Client().get("/api/openapi.json").json()["paths"]
    assert "post" in paths["/api/papers/{paper_id}/save"]
    assert {"get", "post"} <= set(paths["/api/me/collections"])
    assert "post" in paths["/api/me/collections/{slug}/papers"]
    export = paths["/api/me/collections/{slug}/export"]["get"]
    assert [p["schema"].get("enum") for p in export["parameters"] if p["name"] == "format"
            ] == [["bibtex", "ris", "csl-json"]]
