import socket
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from paperwire.lib.http import USER_AGENT, FetchError, HttpClient


def make_client(sleeps: list[float], **options) -> HttpClient:
    """A client whose waits are written down instead of slept."""
    options = {"timeout": 5, "retries": 2, "backoff": 0.5, **options}
    return HttpClient(sleep=sleeps.append, **options)


def answers(*replies):
    """A `respond` that gives each reply in turn, then repeats the last."""
    replies = list(replies)

    def respond(path, query):
        return replies.pop(0) if len(replies) > 1 else replies[0]

    return respond


def test_it_returns_the_body_of_a_2xx_answer(local_server):
    seen = {}

    def respond(path, query):
        seen["path"], seen["query"] = path, query
        return 200, b"<feed/>"

    local_server.respond = respond
    assert make_client([]).get(local_server.url + "api/query", {"id_list": "2401.00001"}) \
        == b"<feed/>"
    assert seen == {"path": "/api/query", "query": {"id_list": "2401.00001"}}


def test_it_sends_its_user_agent(local_server):
    local_server.respond = answers((200, "ok"))
    make_client([]).get(local_server.url)
    assert local_server.headers[0]["user-agent"] == USER_AGENT


def test_it_gives_up_at_once_on_a_4xx_answer(local_server):
    local_server.respond = answers((404, b"no such page"))
    sleeps = []
    with pytest.raises(FetchError, match="HTTP 404") as caught:
        make_client(sleeps).get(local_server.url)
    assert caught.value.status == 404
    assert caught.value.body == b"no such page"
    assert len(local_server.requests) == 1
    assert sleeps == []


def test_it_retries_a_503_with_exponential_backoff(local_server):
    local_server.respond = answers((503, ""), (503, ""), (200, "finally"))
    sleeps = []
    assert make_client(sleeps, retries=4).get(local_server.url) == b"finally"
    assert sleeps == [0.5, 1.0]
    assert len(local_server.requests) == 3


def test_it_waits_as_a_429_asks(local_server):
    local_server.respond = answers((429, "", {"Retry-After": "7"}), (200, "ok"))
    sleeps = []
    assert make_client(sleeps).get(local_server.url) == b"ok"
    assert sleeps == [7.0]


def test_it_reads_retry_after_as_an_http_date(local_server):
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    local_server.respond = answers((503, "", {"Retry-After": later}), (200, "ok"))
    sleeps = []
    make_client(sleeps).get(local_server.url)
    assert 25 < sleeps[0] <= 30


def test_it_waits_at_most_ten_minutes(local_server):
    local_server.respond = answers((503, "", {"Retry-After": "86400"}), (200, "ok"))
    sleeps = []
    make_client(sleeps).get(local_server.url)
    assert sleeps == [600.0]


@pytest.mark.parametrize("value", ["soon", "-1", "1.5", "\u00b2", "Mon, 99 Foo 2024"])
def test_it_backs_off_normally_when_retry_after_is_junk(local_server, value):
    local_server.respond = answers((503, "", {"Retry-After": value}), (200, "ok"))
    sleeps = []
    assert make_client(sleeps).get(local_server.url) == b"ok"
    assert sleeps == [0.5]


def test_it_gives_up_after_its_retries(local_server):
    local_server.respond = answers((503, "busy"))
    sleeps = []
    with pytest.raises(FetchError, match="HTTP 503 .* after 3 tries") as caught:
        make_client(sleeps).get(local_server.url)
    assert caught.value.status == 503
    assert len(local_server.requests) == 3
    assert sleeps == [0.5, 1.0]


def test_it_retries_a_request_that_timed_out(local_server):
    def respond(path, query):
        if len(local_server.requests) == 1:
            local_server.pause(5)
        return 200, "late but here"

    local_server.respond = respond
    sleeps = []
    started = time.monotonic()
    assert make_client(sleeps, timeout=0.5).get(local_server.url) == b"late but here"
    assert time.monotonic() - started < 4  # it did not wait out the 5 s
    assert len(local_server.requests) == 2
    assert sleeps == [0.5]


def test_it_reports_a_timeout_that_persists(local_server):
    def respond(path, query):
        local_server.pause(5)
        return 200, ""

    local_server.respond = respond
    with pytest.raises(FetchError, match="timed out .* after 2 tries") as caught:
        make_client([], timeout=0.5, retries=1).get(local_server.url)
    assert caught.value.status is None


def test_it_reports_a_refused_connection():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    sleeps = []
    with pytest.raises(FetchError, match="connection failed"):
        make_client(sleeps, retries=1).get(f"http://127.0.0.1:{port}/")
    assert sleeps == [0.5]


def test_it_refuses_a_body_over_the_limit(local_server):
    local_server.respond = answers((200, b"x" * 10_000))
    with pytest.raises(FetchError, match="larger than 1000 bytes"):
        make_client([], max_body=1000).get(local_server.url)
    assert len(local_server.requests) == 1


def test_it_follows_redirects(local_server):
    def respond(path, query):
        if path == "/old":
            return 301, "", {"Location": local_server.url + "new"}
        return 200, path

    local_server.respond = respond
    assert make_client([]).get(local_server.url + "old") == b"/new"


def test_it_keeps_a_polite_delay_between_requests(local_server):
    local_server.respond = answers((200, "ok"))
    sleeps = []
    client = make_client(sleeps, delay=30)
    client.get(local_server.url)
    client.get(local_server.url)
    assert len(sleeps) == 1
    assert 20 < sleeps[0] <= 30


def test_fetch_sends_headers_and_answers_a_304_with_its_headers(local_server):
    local_server.respond = answers((200, b"{}", {"ETag": '"v1"'}),
                                   (304, b"", {"ETag": '"v1"', "X-RateLimit-Remaining": "59"}))
    client = make_client([])
    first = client.fetch(local_server.url + "repos/a/b")
    second = client.fetch(local_server.url + "repos/a/b", headers={"If-None-Match": '"v1"'})
    assert (first.status, first.body, first.headers["etag"]) == (200, b"{}", '"v1"')
    assert (second.status, second.body) == (304, b"")
    assert second.headers["x-ratelimit-remaining"] == "59"
    assert local_server.headers[1]["if-none-match"] == '"v1"'


def test_a_refusal_carries_the_answers_headers(local_server):
    local_server.respond = answers((403, b"limit", {"X-RateLimit-Remaining": "0"}))
    with pytest.raises(FetchError) as error:
        make_client([]).fetch(local_server.url + "repos/a/b")
    assert error.value.status == 403
    assert error.value.headers["x-ratelimit-remaining"] == "0"
