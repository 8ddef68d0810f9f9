"""What the Hub's API has and ours now has too (issue 16, item 6): the Daily Papers
submitter apart from arXiv's uploader, cursor pages, linked repos, a paper's
discussion, 400 answers with a reason, CORS on reads, compression, the OpenAPI."""

import gzip
import json
from datetime import UTC, date, datetime

import pytest
import time_machine
from django.contrib.auth import get_user_model
from huggingface_hub.errors import HfHubHTTPError
from huggingface_hub.utils._pagination import paginate

from paperwire.community.models import Comment, Profile
from paperwire.community.submit import submit_paper
from paperwire.ingest.daily import daily_record
from paperwire.ingest.snapshot import snapshot_record
from paperwire.papers.models import Organisation, Paper


def _paper(arxiv_id: str, day: date | None = None, **fields) -> Paper:
    fields.setdefault("title", f"Paper {arxiv_id}")
    return Paper.objects.create(arxiv_id=arxiv_id, featured_on=day, **fields)


def _user(name: str):
    user = get_user_model().objects.create_user(username=f"{name}@example.org",
                                                email=f"{name}@example.org")
    Profile.objects.create(user=user, display_name=name)
    return user


DAILY_ENTRY = {
    "paper": {"id": "2410.17243", "title": "Breaking the Memory Barrier",
              "publishedAt": "2024-10-22T17:59:30.000Z", "authors": [{"name": "Zesen Cheng"}],
              "organization": {"name": "DAMO-NLP-SG", "fullname": "DAMO Academy",
                               "avatar": "https://cdn.example.org/damo.png"}},
    "publishedAt": "2024-10-25T00:57:09.392Z",
    "submittedBy": {"name": "ClownRat", "fullname": "Zesen Cheng",
                    "avatarUrl": "/avatars/1b09e2742aecce1bbdc57f0c4504cf38.svg"},
}
SNAPSHOT_LINE = {"id": "2410.17243", "title": "Breaking the Memory Barrier",
                 "submitter": "Zesen Cheng (arXiv uploader)", "categories": "cs.CV",
                 "versions": [{"version": "v1", "created": "Tue, 22 Oct 2024 17:59:30 GMT"}]}


# -- submittedBy is the Daily Papers submitter, never arXiv's uploader ------------------

@pytest.mark.django_db
def test_a_snapshot_ingest_keeps_the_daily_papers_submitter(client):
    Paper.objects.upsert_records([daily_record(DAILY_ENTRY)])
    Paper.objects.upsert_records([snapshot_record(SNAPSHOT_LINE)])

    paper = Paper.objects.get(arxiv_id="2410.17243")
    assert paper.submitter == "Zesen Cheng (arXiv uploader)"
    assert paper.daily_submitter == "ClownRat"
    (entry,) = client.get("/api/daily_papers?submitter=clownrat").json()
    assert entry["submittedBy"] == {
        "name": "ClownRat", "user": "ClownRat", "fullname": "Zesen Cheng", "type": "user",
        # The Hub's own avatars are paths on the Hub the entries came from.
        "avatarUrl": "https://huggingface.co/avatars/1b09e2742aecce1bbdc57f0c4504cf38.svg"}
    assert entry["publishedAt"] == "2024-10-25T00:57:09.392Z"  # with the time of day
    assert entry["paper"]["submittedOnDailyAt"] == "2024-10-25T00:57:09.392Z"
    assert entry["organization"] == {
        "name": "damo-academy", "fullname": "DAMO Academy",
        "avatar": "https://cdn.example.org/damo.png",
        "avatarUrl": "https://cdn.example.org/damo.png"}
    assert client.get("/api/daily_papers?submitter=Zesen+Cheng").json() == []


@pytest.mark.django_db
def test_a_daily_ingest_after_a_snapshot_adds_the_submitter(client):
    Paper.objects.upsert_records([snapshot_record(SNAPSHOT_LINE)])
    Paper.objects.upsert_records([daily_record(DAILY_ENTRY)])
    paper = Paper.objects.get(arxiv_id="2410.17243")
    assert (paper.submitter, paper.daily_submitter) == \
        ("Zesen Cheng (arXiv uploader)", "ClownRat")
    assert paper.submitted_on_daily_at == datetime(2024, 10, 25, 0, 57, 9, 392_000, tzinfo=UTC)
    assert paper.organisation.avatar_url == "https://cdn.example.org/damo.png"


@pytest.mark.django_db
def test_a_second_daily_source_does_not_change_who_submitted(client):
    Paper.objects.upsert_records([daily_record(DAILY_ENTRY)])
    later = json.loads(json.dumps(DAILY_ENTRY))
    later["submittedBy"] = {"name": "someone-else", "fullname": "Someone"}
    later["publishedAt"] = "2024-10-26T08:00:00.000Z"
    Paper.objects.upsert_records([daily_record(later)])
    paper = Paper.objects.get(arxiv_id="2410.17243")
    assert paper.daily_submitter == "ClownRat"
    assert paper.submitted_on_daily_at == datetime(2024, 10, 25, 0, 57, 9, 392_000, tzinfo=UTC)


@pytest.mark.django_db
def test_a_local_submission_is_the_submitter(client):
    alice = _user("Alice")
    _paper("2401.10241", published_at=datetime(2024, 1, 16, tzinfo=UTC),
           submitter="Penghui Qi")
    with time_machine.travel(datetime(2024, 1, 18, 10, 30, tzinfo=UTC), tick=False):
        submit_paper(alice, "2401.10241")
    (entry,) = client.get("/api/daily_papers?submitter=alice").json()
    assert entry["submittedBy"]["fullname"] == "Alice"
    assert entry["publishedAt"] == "2024-01-18T10:30:00.000Z"
    assert Paper.objects.get(arxiv_id="2401.10241").submitter == "Penghui Qi"


# -- GET /api/papers?cursor=&limit= ------------------------------------------------------

@pytest.mark.django_db
def test_the_cursor_walks_every_paper_once(client, settings):
    settings.BASE_URL = "https://papers.example.org"
    for n in range(23):
        _paper(f"2401.{n:05d}", is_hidden=(n == 5))
    seen, url, pages = [], "/api/papers?limit=5", 0
    while url:
        response = client.get(url)
        assert response.status_code == 200
        seen += [item["paper"]["id"] for item in response.json()]
        link = response.headers.get("Link")
        url = None
        if link:
            assert link.startswith("<https://papers.example.org/api/papers?cursor=")
            assert link.endswith('>; rel="next"')
            url = link[1:link.index(">")].removeprefix("https://papers.example.org")
        pages += 1
    expected = [f"2401.{n:05d}" for n in reversed(range(23)) if n != 5]
    assert seen == expected  # newest first, no duplicate, no gap, nothing hidden
    assert pages == 5


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["cursor=!!", "cursor=Zm9vOjE", "cursor=YmVmb3JlOi0x",
                                   "limit=0", "limit=101", "cursor=" + "A" * 101])
def test_a_bad_cursor_or_limit_is_a_400(client, query):
    response = client.get(f"/api/papers?{query}")
    assert response.status_code == 400
    assert response.json()["error"].split(":")[0] in ("cursor", "limit")


def test_huggingface_hubs_paginate_follows_the_next_links(live_server, transactional_db,
                                                          settings):
    settings.BASE_URL = live_server.url
    for n in range(7):
        _paper(f"2401.{n:05d}")
    items = list(paginate(f"{live_server.url}/api/papers", params={"limit": 3}, headers={}))
    assert [i["paper"]["id"] for i in items] == [f"2401.{n:05d}" for n in range(6, -1, -1)]


# -- GET /api/arxiv/{id}/repos and ?field=comments --------------------------------------

@pytest.mark.django_db
def test_it_lists_the_linked_repos_in_the_hubs_shape(client):
    _paper("2401.10241", code_url="https://github.com/sail-sg/zero-bubble")
    response = client.get("/api/arxiv/2401.10241/repos")
    assert response.status_code == 200
    assert response.json() == {"models": [], "datasets": [], "spaces": []}
    assert client.get("/api/arxiv/2401.99999/repos").status_code == 404


@pytest.mark.django_db
def test_field_comments_gives_the_discussion(client):
    paper = _paper("2401.10241")
    alice, bob = _user("Alice"), _user("Bob")
    first = Comment.post(alice, paper, "Nice **result**")
    Comment.post(bob, paper, "Agreed", parent=first)
    Comment.post(bob, paper, "spam <script>").hide()
    Comment.post(alice, paper, "oops").delete_by_author()

    data = client.get("/api/papers/2401.10241?field=comments").json()
    comments = data["comments"]
    assert [c["raw"] for c in comments] == ["Nice **result**", "Agreed", ""]
    assert comments[0]["author"]["name"] == "Alice"
    assert "<strong>result</strong>" in comments[0]["html"]
    assert comments[1]["parentId"] == comments[0]["id"]
    assert comments[2]["deleted"] is True and "author" not in comments[2]
    assert data["discussionId"] == "2401.10241"
    assert "comments" not in client.get("/api/papers/2401.10241").json()
    assert client.get("/api/papers/2401.10241?field=upvoters").status_code == 400


# -- errors, CORS, compression, the OpenAPI description ---------------------------------

@pytest.mark.django_db
def test_errors_answer_with_a_reason_in_error(client):
    response = client.get("/api/daily_papers?date=2024-02-30")
    assert response.status_code == 400
    assert response.json() == {"error": response.json()["error"]}
    assert response.json()["error"].startswith("date: ")
    response = client.post("/api/papers/2401.10241/upvote")
    assert response.status_code == 401
    assert "error" in response.json()


def test_huggingface_hub_shows_the_reason(hub, transactional_db):
    with pytest.raises(HfHubHTTPError) as error:
        list(hub.list_daily_papers(date="2024-02-30"))
    assert error.value.response.status_code == 400
    assert "date: " in str(error.value)


@pytest.mark.django_db
def test_reads_are_open_to_any_origin_and_writes_are_not(client):
    _paper("2401.10241")
    origin = {"origin": "https://elsewhere.example"}
    for url in ("/api/daily_papers", "/api/papers/2401.10241", "/api/papers?limit=1",
                "/api/papers/2401.99999"):
        response = client.get(url, headers=origin)
        assert response.headers["Access-Control-Allow-Origin"] == "*", url
        assert "Access-Control-Allow-Credentials" not in response.headers
    preflight = client.options("/api/daily_papers", headers={
        **origin, "access-control-request-method": "GET"})
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" not in preflight.headers["Access-Control-Allow-Methods"]

    write = client.options("/api/papers/2401.10241/upvote", headers={
        **origin, "access-control-request-method": "POST"})
    assert "Access-Control-Allow-Origin" not in write.headers
    posted = client.post("/api/papers/2401.10241/upvote", headers=origin)
    assert "Access-Control-Allow-Origin" not in posted.headers
    # Pages are not part of the API.
    assert "Access-Control-Allow-Origin" not in client.get("/trending", headers=origin).headers


@pytest.mark.django_db
def test_json_is_compressed(client):
    for n in range(30):
        _paper(f"2401.{n:05d}", date(2024, 1, 18), abstract="Pipeline parallelism. " * 20)
    response = client.get("/api/daily_papers", headers={"accept-encoding": "gzip"})
    assert response.headers["Content-Encoding"] == "gzip"
    assert len(json.loads(gzip.decompress(response.content))) == 30
    # Pages carry a CSRF token: never compressed (BREACH).
    page = client.get("/papers?date=2024-01-18", headers={"accept-encoding": "gzip"})
    assert "Content-Encoding" not in page.headers


@pytest.mark.django_db
def test_the_openapi_names_every_status_and_bound(client):
    schema = client.get("/api/openapi.json").json()
    paths = schema["paths"]
    for path in ("/api/daily_papers", "/api/papers", "/api/papers/search",
                 "/api/papers/{paper_id}"):
        assert "400" in paths[path]["get"]["responses"], path
    for path in ("/api/papers/{paper_id}", "/api/arxiv/{paper_id}/repos"):
        assert "404" in paths[path]["get"]["responses"], path
    assert "304" in paths["/api/daily_papers"]["get"]["responses"]
    for path in ("/api/papers/submit", "/api/papers/{paper_id}/upvote",
                 "/api/papers/{paper_id}/comments"):
        assert {"400", "401", "404"} <= set(paths[path]["post"]["responses"]), path
    assert "429" in paths["/api/papers/submit"]["post"]["responses"]

    def param(path, name):
        (found,) = [p for p in paths[path]["get"]["parameters"] if p["name"] == name]
        return found["schema"]

    assert param("/api/papers/search", "limit")["maximum"] == 120
    assert param("/api/daily_papers", "limit")["maximum"] == 100
    assert param("/api/daily_papers", "p")["maximum"] == 10_000
    assert param("/api/papers", "limit") | {} and param("/api/papers", "limit")["minimum"] == 1
    error = schema["components"]["schemas"]["ErrorOut"]
    assert error["required"] == ["error"]


# -- huggingface_hub as the client ------------------------------------------------------

def test_huggingface_hub_gets_every_field_filled(hub, transactional_db):
    org = Organisation.objects.create(name="Sea AI Lab", slug="sea-ai-lab",
                                      avatar_url="https://cdn.example.org/sail.png")
    _paper("2401.10241", date(2024, 1, 18), organisation=org, upvotes=3,
           published_at=datetime(2024, 1, 16, 9, 30, 5, tzinfo=UTC),
           daily_submitter="akhaliq", daily_submitter_fullname="AK",
           daily_submitter_avatar="https://cdn.example.org/ak.png",
           submitted_on_daily_at=datetime(2024, 1, 18, 6, 7, 8, tzinfo=UTC))
    for info in (hub.paper_info("2401.10241"),
                 next(iter(hub.list_daily_papers(submitter="akhaliq")))):
        assert info.submitted_at == datetime(2024, 1, 18, 6, 7, 8, tzinfo=UTC)
        assert info.published_at == datetime(2024, 1, 16, 9, 30, 5, tzinfo=UTC)
        assert (info.submitted_by.username, info.submitted_by.fullname) == ("akhaliq", "AK")
        assert info.submitted_by.avatar_url == "https://cdn.example.org/ak.png"
        assert (info.organization.name, info.organization.fullname) == \
            ("sea-ai-lab", "Sea AI Lab")
        assert info.organization.avatar_url == "https://cdn.example.org/sail.png"
        assert info.discussion_id == "2401.10241"
