import subprocess
import sys
import time
from datetime import date

import httpx

from paperwire.conftest import free_port
from paperwire.ingest.models import IngestRun
from paperwire.papers.models import Paper


def test_it_serves_the_latest_day_with_a_production_server(cli):
    Paper.objects.create(arxiv_id="2401.00001", title="An older paper",
                         featured_on=date(2024, 1, 1))
    Paper.objects.create(arxiv_id="2401.00002", title="Zero Bubble Pipeline Parallelism",
                         featured_on=date(2024, 1, 2), upvotes=3)
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "paperwire", "serve", "--port", str(port), "--workers", "1"],
        env=cli.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/", timeout=5)
                break
            except httpx.TransportError:
                assert server.poll() is None, server.stdout.read().decode()
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.2)
        assert response.status_code == 200
        assert "Zero Bubble Pipeline Parallelism" in response.text
        assert "An older paper" not in response.text
        assert "gunicorn" in response.headers.get("server", "").lower()
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_it_reports_health(client, db):
    IngestRun.objects.create(source="daily", status=IngestRun.FAILED, error="HTTP 503")
    response = client.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["sources"]["daily"]["status"] == "failed"
    assert body["sources"]["daily"]["error"] == "HTTP 503"


def test_health_counts_nothing(client, db):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    IngestRun.objects.create(source="daily", status=IngestRun.FINISHED)
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/health").status_code == 200
    assert queries.captured_queries
    assert not [q for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]


def test_it_builds_templates_and_freezes_objects_before_forking(settings):
    import gc

    from django.template import engines

    from paperwire.cli.server import PREFORK_TEMPLATES, prepare_for_fork

    settings.DEBUG = False
    loader = engines["django"].engine.template_loaders[0]
    loader.reset()
    try:
        prepare_for_fork()
        assert gc.get_freeze_count() > 0
        assert set(PREFORK_TEMPLATES) <= set(loader.get_template_cache)
    finally:
        gc.unfreeze()
