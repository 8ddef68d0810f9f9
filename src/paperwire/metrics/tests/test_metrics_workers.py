"""`paperwire serve --workers 2`: requests answered by either gunicorn worker are all
counted in one scrape (prometheus_client's multiprocess files in the data dir)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from paperwire.benchmarks.soak import Server

pytestmark = pytest.mark.timeout(180)
TOKEN = "scrape-me-0123456789"


def test_every_workers_requests_are_counted(cli, tmp_path):
    env = {**cli.env, "PAPERWIRE_METRICS_TOKEN": TOKEN, "PAPERWIRE_PROCESS_HEADER": "true"}
    with Server(env, tmp_path / "server.log", "--no-worker", "--workers", "2") as server:
        server.wait_ready()

        def get(_):
            response = httpx.get(f"{server.base_url}/api/daily_papers", timeout=30)
            assert response.status_code == 200
            return response.headers["X-Paperwire-Process"]

        pids: list[str] = []
        with ThreadPoolExecutor(8) as pool:
            while len(set(pids)) < 2 and len(pids) < 800:
                pids += pool.map(get, range(40))
        assert len(set(pids)) == 2, "one worker answered everything"

        response = httpx.get(f"{server.base_url}/metrics",
                             headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30)
        assert response.status_code == 200, server.output()
    samples = {(s.name, tuple(sorted(s.labels.items()))): s.value
               for family in text_string_to_metric_families(response.text)
               for s in family.samples}
    route = (("method", "GET"), ("route", "api/daily_papers"))
    assert samples[("paperwire_http_requests_total", (*route, ("status", "200")))] == len(pids)
    assert samples[("paperwire_http_request_duration_seconds_count", route)] == len(pids)
    # One file per worker that answered, in the data dir's private metrics folder.
    files = {p.name for p in (tmp_path / "data" / "metrics").glob("*.db")}
    assert {f"counter_{pid}.db" for pid in set(pids)} <= files
