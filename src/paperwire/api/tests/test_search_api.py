import pytest


def test_huggingface_hub_reads_the_search(hub, committed_papers):
    results = list(hub.list_papers(query="speculative decoding", limit=5))
    assert len(results) == 5
    first = results[0]
    paper = committed_papers[first.id]
    assert first.title == paper.title
    assert [a.name for a in first.authors] == paper.author_names
    assert first.summary == paper.abstract
    assert first.upvotes == paper.upvotes or (paper.upvotes == 0 and first.upvotes is None)
    assert first.published_at == paper.published_at
    assert {r.id for r in results} <= {"2401.10774", "2401.13660", "2401.15077", "2402.08644",
                                       "2402.11131", "2402.13720", "2403.09919"}


def test_it_answers_in_the_hub_shape(client, papers):
    items = client.get("/api/papers/search", {"q": "speculative decoding", "limit": 2}).json()
    assert len(items) == 2
    item = items[0]
    assert set(item) >= {"paper", "title", "summary", "publishedAt", "numComments"}
    assert set(item["paper"]) >= {"id", "title", "summary", "authors", "publishedAt",
                                  "upvotes"}
    assert item["paper"]["authors"][0]["name"]
    assert item["paper"]["publishedAt"].endswith("Z")


@pytest.mark.parametrize("params", [{"q": "x", "limit": 0}, {"q": "x", "limit": 121},
                                    {"q": "x", "limit": "ten"}, {"q": "x", "limit": ""},
                                    {"q": "x" * 10_001}])
def test_it_answers_400_to_bad_parameters(client, db, params):
    response = client.get("/api/papers/search", params)
    assert response.status_code == 400
    assert response.json()["error"].startswith(("limit: ", "q: "))


def test_it_answers_up_to_120_results(client, db):
    assert client.get("/api/papers/search", {"q": "x", "limit": 120}).status_code == 200


@pytest.mark.parametrize("q", ['"unbalanced', "NEAR(a b)", "*", "🚀", "推测解码",
                               "AND OR NOT", "x" * 10_000])
def test_it_never_fails_on_malformed_queries(client, papers, q):
    response = client.get("/api/papers/search", {"q": q})
    assert response.status_code == 200
    assert isinstance(response.json(), list)


def test_it_describes_itself(client, db):
    schema = client.get("/api/openapi.json").json()
    assert "/api/papers/search" in schema["paths"]
    assert client.get("/api/docs").status_code == 200
