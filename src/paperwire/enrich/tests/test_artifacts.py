"""Models, datasets and Spaces citing a paper, read from the Hub's listings (recorded
answers in the shapes huggingface_hub parses), on the paper page and in the API."""

import json
from datetime import UTC, date, datetime

import pytest
import time_machine

from paperwire.enrich.artifacts import MAX_PAGES, PAGE_SIZE, clean_entry, refresh_artifacts
from paperwire.enrich.models import ARTIFACTS_KEPT, LinkedArtifacts
from paperwire.papers.models import Paper

NOW = datetime(2024, 1, 20, 9, 0, tzinfo=UTC)
# What GET /api/models?filter=arxiv:… answers (huggingface_hub's ModelInfo reads these).
MODELS = [
    {"_id": "65b0e0c6e1a4b2a1f0c3d4e5", "id": "sail-sg/zb-llama-7b", "likes": 42,
     "trendingScore": 3, "private": False, "downloads": 1234,
     "tags": ["transformers", "safetensors", "llama", "arxiv:2401.10241"],
     "pipeline_tag": "text-generation", "library_name": "transformers",
     "createdAt": "2024-01-21T08:00:00.000Z", "modelId": "sail-sg/zb-llama-7b"},
    {"_id": "65b0e0c6e1a4b2a1f0c3d4e6", "id": "someone/zb-tiny", "likes": 1,
     "trendingScore": 0, "private": False, "downloads": 10, "tags": ["arxiv:2401.10241"],
     "createdAt": "2024-01-22T08:00:00.000Z", "modelId": "someone/zb-tiny"},
]
DATASETS = [
    {"_id": "65b0e0c6e1a4b2a1f0c3d4f0", "id": "sail-sg/zb-traces", "author": "sail-sg",
     "disabled": False, "gated": False, "lastModified": "2024-01-23T10:00:00.000Z",
     "likes": 5, "trendingScore": 0, "private": False, "sha": "0123abcd", "downloads": 77,
     "tags": ["arxiv:2401.10241"], "createdAt": "2024-01-21T09:00:00.000Z",
     "key": ""},
]
SPACES = [
    {"_id": "65b0e0c6e1a4b2a1f0c3d500", "id": "sail-sg/zb-demo", "likes": 9,
     "trendingScore": 1, "private": False, "sdk": "gradio", "tags": ["gradio"],
     "createdAt": "2024-01-24T10:00:00.000Z"},
]


def _paper(arxiv_id: str = "2401.10241") -> Paper:
    return Paper.objects.create(arxiv_id=arxiv_id, title="Zero Bubble Pipeline Parallelism",
                                featured_on=date(2024, 1, 19))


def _hub_answers(path, query):
    listings = {"/api/models": MODELS, "/api/datasets": DATASETS, "/api/spaces": SPACES}
    if query.get("filter") != "arxiv:2401.10241":
        return 200, "[]"
    return 200, json.dumps(listings[path])


@pytest.fixture
def hub_api(local_server, settings):
    settings.HUB_API_URL = local_server.url + "api"
    local_server.respond = _hub_answers
    return local_server


def test_it_keeps_only_the_fields_it_knows_with_their_types():
    assert clean_entry({"id": "a/b", "likes": True, "downloads": "9", "sdk": "gradio",
                        "cardData": {"x": 1}}) == {
        "id": "a/b", "sdk": "gradio", "author": "a", "private": False}
    assert clean_entry({"id": "../../etc"}) is None
    assert clean_entry({"id": "a/<script>"}) is None
    assert clean_entry("a/b") is None


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
def test_it_reads_the_three_listings_of_a_paper(hub_api):
    paper = _paper()

    summary = refresh_artifacts()

    assert summary.fetched == 1
    assert {q["filter"] for q in hub_api.requests} == {"arxiv:2401.10241"}
    assert hub_api.requests[0] == {"filter": "arxiv:2401.10241", "sort": "likes",
                                   "direction": "-1", "limit": str(PAGE_SIZE)}
    row = LinkedArtifacts.objects.get(paper=paper)
    assert (row.num_models, row.num_datasets, row.num_spaces) == (2, 1, 1)
    assert row.models_found[0] == {
        "id": "sail-sg/zb-llama-7b", "author": "sail-sg", "likes": 42, "downloads": 1234,
        "trendingScore": 3, "pipeline_tag": "text-generation",
        "library_name": "transformers", "createdAt": "2024-01-21T08:00:00.000Z",
        "private": False}
    assert row.spaces_found[0]["sdk"] == "gradio"


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
def test_it_counts_past_the_first_page_and_keeps_the_first_few(local_server, settings):
    settings.HUB_API_URL = local_server.url + "api"
    _paper()
    pages = {}

    def respond(path, query):
        if path != "/api/models":
            return 200, "[]"
        page = int(query.get("page", 0))
        pages[page] = True
        entries = [{"id": f"o/m{page}-{n}", "likes": 0} for n in range(PAGE_SIZE)]
        link = {"Link": f'<{local_server.url}api/models?page={page + 1}>; rel="next"'}
        return 200, json.dumps(entries), link

    local_server.respond = respond
    refresh_artifacts()

    row = LinkedArtifacts.objects.get()
    assert sorted(pages) == list(range(MAX_PAGES))  # bounded, though the Hub had more
    assert row.num_models == MAX_PAGES * PAGE_SIZE
    assert len(row.models_found) == ARTIFACTS_KEPT


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
def test_it_follows_no_next_link_away_from_the_hub(local_server, settings):
    settings.HUB_API_URL = local_server.url + "api"
    _paper()
    local_server.respond = lambda path, query: (
        200, '[{"id": "o/m"}]', {"Link": '<http://elsewhere.example/x>; rel="next"'})
    refresh_artifacts()
    assert len(local_server.requests) == 3
    assert LinkedArtifacts.objects.get().num_models == 1


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
def test_a_bad_listing_is_recorded_and_what_was_read_before_stays(hub_api):
    _paper()
    refresh_artifacts()
    hub_api.respond = lambda path, query: (200, '{"error": "not a list"}')
    with time_machine.travel(datetime(2024, 1, 21, 9, 0, tzinfo=UTC), tick=False):
        summary = refresh_artifacts()
    assert summary.failed == 1
    row = LinkedArtifacts.objects.get()
    assert row.error == "the Hub's models listing is not a list"
    assert row.num_models == 2


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
def test_the_paper_page_shows_them_with_counts(hub_api, client):
    _paper()
    refresh_artifacts()

    html = client.get("/papers/2401.10241").content.decode()

    assert "Models citing this paper: 2" in html
    assert "Datasets citing this paper: 1" in html
    assert "Spaces citing this paper: 1" in html
    web = hub_api.url.rstrip("/")
    assert f'<a href="{web}/sail-sg/zb-llama-7b" rel="nofollow noopener">' in html
    assert f'<a href="{web}/datasets/sail-sg/zb-traces"' in html
    assert f'<a href="{web}/spaces/sail-sg/zb-demo"' in html
    assert "42 likes" in html


@pytest.mark.django_db
def test_a_paper_with_nothing_read_has_no_section(client):
    _paper()
    assert "citing this paper" not in client.get("/papers/2401.10241").content.decode()
    assert client.get("/api/arxiv/2401.10241/repos").json() == {
        "models": [], "datasets": [], "spaces": []}


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
def test_the_repos_endpoint_lists_them(hub_api, client):
    _paper()
    refresh_artifacts()
    repos = client.get("/api/arxiv/2401.10241/repos").json()
    assert [m["id"] for m in repos["models"]] == ["sail-sg/zb-llama-7b", "someone/zb-tiny"]
    assert [d["id"] for d in repos["datasets"]] == ["sail-sg/zb-traces"]
    assert [s["id"] for s in repos["spaces"]] == ["sail-sg/zb-demo"]


def test_huggingface_hubs_paper_info_fills_them(hub, transactional_db, local_server,
                                                settings):
    settings.HUB_API_URL = local_server.url + "api"
    local_server.respond = _hub_answers
    _paper()
    with time_machine.travel(NOW, tick=False):
        refresh_artifacts()

    info = hub.paper_info("2401.10241")

    assert [m.id for m in info.linked_models] == ["sail-sg/zb-llama-7b", "someone/zb-tiny"]
    assert info.linked_models[0].likes == 42
    assert info.linked_models[0].downloads == 1234
    assert info.linked_models[0].pipeline_tag == "text-generation"
    assert info.num_total_models == 2
    assert [d.id for d in info.linked_datasets] == ["sail-sg/zb-traces"]
    assert info.num_total_datasets == 1
    assert [s.id for s in info.linked_spaces] == ["sail-sg/zb-demo"]
    assert info.linked_spaces[0].sdk == "gradio"
