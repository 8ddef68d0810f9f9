"""GitHub stars: conditional requests, the token, rate limits, failures on the row."""

import json
from datetime import UTC, date, datetime

import pytest
import time_machine

from paperwire.enrich.models import CodeRepo, StarCount
from paperwire.enrich.stars import refresh_stars, repo_full_name
from paperwire.papers.models import Paper

pytestmark = pytest.mark.django_db
NOW = datetime(2024, 1, 20, 9, 0, tzinfo=UTC)


def _repo_body(stars: int) -> str:
    # The fields of GET /repos/{owner}/{repo} around the one read (a real answer's shape).
    return json.dumps({
        "id": 744223451, "node_id": "R_kgDOLFw5Ww", "name": "zero-bubble",
        "full_name": "sail-sg/zero-bubble", "private": False,
        "owner": {"login": "sail-sg", "id": 61964545, "type": "Organization"},
        "html_url": "https://github.com/sail-sg/zero-bubble", "fork": False,
        "created_at": "2024-01-15T06:33:05Z", "pushed_at": "2024-01-19T02:10:11Z",
        "stargazers_count": stars, "watchers_count": stars, "forks_count": 12,
        "open_issues_count": 3, "license": {"key": "apache-2.0"}, "default_branch": "main",
    })


def _paper(arxiv_id: str = "2401.10241", code_url: str = "https://github.com/sail-sg/zero-bubble",
           **fields) -> Paper:
    return Paper.objects.create(arxiv_id=arxiv_id, title=f"Paper {arxiv_id}",
                                featured_on=date(2024, 1, 19), code_url=code_url, **fields)


@pytest.fixture
def github(local_server, settings):
    settings.GITHUB_API_URL = local_server.url
    settings.GITHUB_TOKEN = ""
    return local_server


def test_it_reads_owner_and_name_from_repository_urls():
    assert repo_full_name("https://github.com/sail-sg/zero-bubble") == "sail-sg/zero-bubble"
    assert repo_full_name("https://www.github.com/a/b.git") == "a/b"
    assert repo_full_name("https://github.com/a/b/tree/main/src") == "a/b"
    assert repo_full_name("http://GitHub.com/Owner/Repo.js/") == "Owner/Repo.js"
    assert repo_full_name("https://github.com/a") is None
    assert repo_full_name("https://gitlab.com/a/b") is None
    assert repo_full_name("https://github.com/a/..") is None
    assert repo_full_name("javascript:alert(1)//github.com/a/b") is None


@time_machine.travel(NOW, tick=False)
def test_it_stores_the_stars_and_a_count_for_the_day(github):
    paper = _paper()
    github.respond = lambda path, query: (200, _repo_body(321), {"ETag": 'W/"abc"'})

    summary = refresh_stars()

    assert summary.fetched == 1 and summary.failed == 0
    assert github.headers[0]["accept"] == "application/vnd.github+json"
    assert "authorization" not in github.headers[0]
    repo = CodeRepo.objects.get(paper=paper)
    assert (repo.full_name, repo.stars, repo.etag, repo.error) == (
        "sail-sg/zero-bubble", 321, 'W/"abc"', "")
    assert list(StarCount.objects.values_list("day", "stars")) == [(date(2024, 1, 20), 321)]


def test_it_asks_again_with_the_etag_and_keeps_the_count_on_a_304(github, settings):
    settings.GITHUB_TOKEN = "ghp_secret"
    paper = _paper()
    answers = [(200, _repo_body(321), {"ETag": '"v1"'}), (304, b"", {"ETag": '"v1"'})]
    paths = []

    def respond(path, query):
        paths.append(path)
        return answers.pop(0)

    github.respond = respond
    with time_machine.travel(NOW, tick=False):
        refresh_stars()
    with time_machine.travel(datetime(2024, 1, 21, 9, 0, tzinfo=UTC), tick=False):
        refresh_stars()

    assert paths == ["/repos/sail-sg/zero-bubble"] * 2
    assert "if-none-match" not in github.headers[0]
    assert github.headers[1]["if-none-match"] == '"v1"'
    assert github.headers[1]["authorization"] == "Bearer ghp_secret"
    assert CodeRepo.objects.get(paper=paper).stars == 321
    assert list(StarCount.objects.order_by("day").values_list("day", "stars")) == [
        (date(2024, 1, 20), 321), (date(2024, 1, 21), 321)]


@time_machine.travel(NOW, tick=False)
def test_it_reads_each_repository_once_within_the_refresh_interval(github):
    _paper()
    github.respond = lambda path, query: (200, _repo_body(5))
    refresh_stars()
    assert refresh_stars().fetched == 0
    assert len(github.requests) == 1


@time_machine.travel(NOW, tick=False)
def test_it_stops_when_the_rate_limit_is_spent(github):
    for n in range(3):
        _paper(f"2401.0000{n}", code_url=f"https://github.com/o/r{n}")
    reset = str(int(datetime(2024, 1, 20, 10, 0, tzinfo=UTC).timestamp()))
    github.respond = lambda path, query: (
        200, _repo_body(7), {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset})

    summary = refresh_stars()

    assert len(github.requests) == 1  # not one more request after "0 remaining"
    assert summary.fetched == 1 and summary.failed == 0
    assert summary.stopped == "GitHub rate limit spent until 2024-01-20T10:00:00+00:00"
    assert CodeRepo.objects.get().stars == 7  # the answer that said so is still kept


@time_machine.travel(NOW, tick=False)
def test_a_403_for_the_rate_limit_stops_without_blaming_the_paper(github):
    _paper()
    _paper("2401.00002", code_url="https://github.com/o/other")
    github.respond = lambda path, query: (
        403, '{"message": "API rate limit exceeded"}',
        {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1705744800"})

    summary = refresh_stars()

    assert len(github.requests) == 1
    assert summary.stopped.startswith("GitHub rate limit spent")
    assert not CodeRepo.objects.exists()  # both still due next run


@time_machine.travel(NOW, tick=False)
def test_a_failing_repository_is_recorded_and_the_run_goes_on(github):
    gone = _paper("2401.00001", code_url="https://github.com/o/gone")
    odd = _paper("2401.00002", code_url="https://github.com/o/odd")
    fine = _paper("2401.00003", code_url="https://github.com/o/fine")
    bodies = {"/repos/o/gone": (404, '{"message": "Not Found"}'),
              "/repos/o/odd": (200, '{"stargazers_count": true}'),
              "/repos/o/fine": (200, _repo_body(9))}
    github.respond = lambda path, query: bodies[path]

    summary = refresh_stars()

    assert (summary.fetched, summary.failed) == (1, 2)
    assert CodeRepo.objects.get(paper=gone).error == "GitHub has no repository o/gone"
    assert CodeRepo.objects.get(paper=odd).error == "GitHub's answer has no star count"
    assert CodeRepo.objects.get(paper=fine).stars == 9


@time_machine.travel(NOW, tick=False)
def test_it_reads_only_recent_papers_with_code_on_github(github, settings):
    settings.ENRICH_DAYS = 7
    _paper("2401.00001", code_url="https://gitlab.com/o/r")
    _paper("2401.00002", code_url="")
    Paper.objects.create(arxiv_id="2401.00003", title="Old", featured_on=date(2024, 1, 1),
                         code_url="https://github.com/o/old")
    _paper("2401.00004", code_url="https://github.com/o/new")
    github.respond = lambda path, query: (200, _repo_body(1))

    refresh_stars()

    assert [h for h in github.requests] == [{}]
    assert list(CodeRepo.objects.values_list("full_name", flat=True)) == ["o/new"]


@time_machine.travel(NOW, tick=False)
def test_an_unreachable_github_is_recorded_on_the_paper(settings):
    settings.GITHUB_API_URL = "http://127.0.0.1:9/"
    settings.HTTP_RETRIES = 0
    paper = _paper()
    summary = refresh_stars()
    assert summary.failed == 1
    assert CodeRepo.objects.get(paper=paper).error.startswith("connection failed")
