import json
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django_tasks_db.models import DBTaskResult

from paperwire.ingest.models import IngestRun
from paperwire.ingest.tasks import ingest_source
from paperwire.lib.cron import Cron
from paperwire.papers.models import Paper
from paperwire.schedule.jobs import Job, tick
from paperwire.schedule.models import ScheduledRun

NOW = datetime(2024, 10, 25, 7, 30, tzinfo=UTC)


def _entry(arxiv_id: str, title: str) -> dict:
    return {"paper": {"id": arxiv_id, "title": title, "summary": "An abstract.",
                      "authors": [{"name": "Ada Lovelace"}],
                      "publishedAt": "2024-10-22T17:59:30.000Z", "upvotes": 3},
            "publishedAt": "2024-10-25T00:57:09.392Z", "numComments": 0}


class DailyServer:
    """Daily Papers by ?date=, or 503 for every request while `down`."""

    def __init__(self) -> None:
        self.down = False
        self.requests: list[str] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                outer.requests.append(self.path)
                if outer.down:
                    self.send_response(503)
                    self.end_headers()
                    return
                day = parse_qs(urlsplit(self.path).query).get("date", [""])[0]
                body = [_entry("2410.17243", "Breaking the Memory Barrier")] \
                    if day == "2024-10-25" else []
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/api/daily_papers"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def daily(settings):
    server = DailyServer()
    settings.DAILY_URL = server.url
    settings.INGEST_SOURCES = ["daily"]
    settings.INGEST_SCHEDULE = "15 */6 * * *"
    yield server
    server.server.shutdown()


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
def test_it_enqueues_a_due_job_once(daily):
    assert tick() == ["ingest daily"]
    assert tick() == []
    run = ScheduledRun.objects.get()
    assert run.due_at == datetime(2024, 10, 25, 6, 15, tzinfo=UTC)
    assert DBTaskResult.objects.count() == 1


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
def test_it_enqueues_once_when_two_workers_tick_at_once():
    calls = []
    job = Job("ingest daily", Cron.parse("15 */6 * * *"), lambda: calls.append(1))
    assert tick(jobs=[job]) == ["ingest daily"]
    assert tick(jobs=[job]) == []  # the second worker loses the claim
    assert calls == [1]


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
def test_it_ingests_the_scheduled_source(daily):
    summary = ingest_source.call("daily")
    assert summary["status"] == IngestRun.FINISHED
    paper = Paper.objects.get()
    assert paper.title == "Breaking the Memory Barrier"
    assert str(paper.featured_on) == "2024-10-25"
    assert len(daily.requests) == 3  # the last two days and today


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
def test_it_retries_a_source_that_cannot_be_reached(daily, settings):
    daily.down = True
    settings.HTTP_RETRIES = 0
    summary = ingest_source.call("daily")
    assert summary["status"] == IngestRun.FAILED
    assert "503" in summary["error"]
    assert summary["retry_in_seconds"] == settings.INGEST_RETRY
    retry = DBTaskResult.objects.get()
    assert retry.args_kwargs["args"] == ["daily", 1]
    assert retry.run_after > NOW


def test_it_runs_due_work_with_worker_once(cli, daily):
    cli.env.update({"PAPERWIRE_DAILY_URL": daily.url, "PAPERWIRE_INGEST_SOURCES": "daily",
                    "PAPERWIRE_INGEST_SCHEDULE": "* * * * *"})
    result = cli("worker", "--once", check=True)
    assert "ingest daily" in result.stderr + result.stdout
    # The worker ingests the last few days; only today (real clock) may have papers, so
    # check the requests went out and the run finished, whatever the date.
    assert daily.requests
    assert IngestRun.objects.get().status == IngestRun.FINISHED
