"""`/metrics`: off without a token, 401 without the right one, and with it the request,
search, ingest, embedding, outbox and task-queue figures, parsed with prometheus_client's
own parser."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from django.urls import resolve
from prometheus_client.parser import text_string_to_metric_families

from paperwire.digests.models import Delivery, Subscriber
from paperwire.ingest.models import IngestRun
from paperwire.papers.models import Paper
from paperwire.search.query import search
from paperwire.search.tasks import embed_papers_task

pytestmark = pytest.mark.django_db
TOKEN = "scrape-me-0123456789"


@pytest.fixture
def scrape(client, settings):
    settings.METRICS_TOKEN = TOKEN

    def scrape() -> dict[tuple[str, tuple], float]:
        response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
        assert response.status_code == 200, response.content
        assert response["Content-Type"].startswith("text/plain; version=")
        return {(s.name, tuple(sorted(s.labels.items()))): s.value
                for family in text_string_to_metric_families(response.content.decode())
                for s in family.samples}

    return scrape


def _value(samples, name: str, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_it_is_a_404_without_a_token_setting(client, settings):
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", headers={"Authorization": "Bearer "}).status_code == 404


@pytest.mark.parametrize("header", [None, "Bearer wrong", f"Basic {TOKEN}", f"{TOKEN}",
                                    "Bearer " + TOKEN[:-1]])
def test_it_wants_the_token(client, settings, header):
    settings.METRICS_TOKEN = TOKEN
    headers = {"Authorization": header} if header else {}
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert b"paperwire_" not in response.content


def test_it_counts_and_times_requests_by_url_pattern(client, scrape):
    Paper.objects.create(arxiv_id="2401.00001", title="A paper", featured_on=date(2024, 1, 2))
    before = scrape()
    for arxiv_id in ("2401.00001", "2401.00001", "2401.99999"):
        client.get(f"/papers/{arxiv_id}")
    client.get("/no/such/page/42")
    client.get("/api/daily_papers")
    after = scrape()

    def delta(name, **labels):
        return _value(after, name, **labels) - _value(before, name, **labels)

    route = resolve("/papers/2401.00001").route
    assert "arxiv_id" in route and "2401" not in route  # the pattern, never the raw path
    assert delta("paperwire_http_requests_total", route=route, method="GET", status="200") == 2
    assert delta("paperwire_http_requests_total", route=route, method="GET", status="404") == 1
    assert delta("paperwire_http_requests_total", route="(unmatched)", method="GET",
                 status="404") == 1
    assert delta("paperwire_http_requests_total", route="api/daily_papers", method="GET",
                 status="200") == 1
    assert delta("paperwire_http_request_duration_seconds_count", route=route,
                 method="GET") == 3
    assert delta("paperwire_http_request_duration_seconds_sum", route=route, method="GET") > 0
    assert not [labels for (name, labels) in after if any(
        k == "route" and ("42" in v or "99999" in v) for k, v in labels)]


def test_it_bounds_the_method_label(client, scrape):
    before = scrape()
    client.generic("BREW", "/health")
    after = scrape()
    key = ("paperwire_http_requests_total",
           (("method", "other"), ("route", "health"), ("status", "405")))
    assert after.get(key, 0) - before.get(key, 0) == 1
    assert not [labels for (name, labels) in after if ("method", "BREW") in labels]


def test_it_times_search_by_mode(scrape):
    before = scrape()
    search("pipeline parallelism", mode="lexical")
    search("pipeline parallelism", mode="lexical")
    after = scrape()
    count = "paperwire_search_duration_seconds_count"
    assert _value(after, count, mode="lexical") - _value(before, count, mode="lexical") == 2
    assert _value(after, count, mode="hybrid") == _value(before, count, mode="hybrid")


def test_it_reads_ingest_outbox_queue_and_backlog_from_the_database(scrape):
    for n in range(3):
        Paper.objects.create(arxiv_id=f"2401.0000{n}", title=f"Paper {n}")
    finished = datetime(2024, 10, 25, 6, 15, tzinfo=UTC)
    IngestRun.objects.create(source="daily", status=IngestRun.FINISHED, new=3, updated=1,
                             skipped=2, finished_at=finished)
    IngestRun.objects.create(source="daily", status=IngestRun.FAILED, error="HTTP 503")
    IngestRun.objects.create(source="oai", status=IngestRun.FINISHED, unchanged=7,
                             finished_at=finished)
    reader = Subscriber.objects.create(email="reader@example.org")
    for n, status in enumerate(["pending", "pending", "sent", "failed"]):
        Delivery.objects.create(subscriber=reader, period=f"daily:2024-10-2{n}",
                                first_day=date(2024, 10, 20), last_day=date(2024, 10, 20),
                                status=status)
    embed_papers_task.enqueue([1])
    embed_papers_task.enqueue([2])

    m = scrape()
    assert _value(m, "paperwire_database_up") == 1
    assert _value(m, "paperwire_papers") == 3
    assert _value(m, "paperwire_embedding_backlog") == 3
    assert _value(m, "paperwire_ingest_runs", source="daily", status="finished") == 1
    assert _value(m, "paperwire_ingest_runs", source="daily", status="failed") == 1
    assert _value(m, "paperwire_ingest_records_total", source="daily", outcome="new") == 3
    assert _value(m, "paperwire_ingest_records_total", source="daily", outcome="skipped") == 2
    assert _value(m, "paperwire_ingest_records_total", source="oai", outcome="unchanged") == 7
    assert _value(m, "paperwire_ingest_last_finished_timestamp_seconds", source="oai") == \
        finished.timestamp()
    assert _value(m, "paperwire_outbox_digests", status="pending") == 2
    assert _value(m, "paperwire_outbox_digests", status="sent") == 1
    assert _value(m, "paperwire_outbox_digests", status="failed") == 1
    assert ("paperwire_outbox_digests", (("status", "unknown"),)) in m  # 0, but there
    # Embedding has a queue of its own (beside fetches, never behind them).
    assert _value(m, "paperwire_task_queue_depth", queue="embedding") == 2
    assert _value(m, "paperwire_tasks_running", queue="embedding") == 0
