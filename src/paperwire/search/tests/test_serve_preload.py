"""`paperwire serve`: the query model is loaded before any worker accepts a request, and
no web worker holds torch."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from paperwire.benchmarks.runtime import _children
from paperwire.benchmarks.soak import Server

pytestmark = pytest.mark.timeout(180)


def _mapped_libraries(pid: int) -> set[str]:
    return {Path(line.split()[-1]).name for line in
            Path(f"/proc/{pid}/maps").read_text().splitlines() if ".so" in line}


def test_workers_start_with_the_query_model_and_without_torch(cli, committed_papers,
                                                              tmp_path):
    env = {**cli.env, "PAPERWIRE_PROCESS_HEADER": "true", "PAPERWIRE_EMBED_ON_INGEST": "false"}
    with Server(env, tmp_path / "server.log", "--workers", "2", "--no-worker") as server:
        server.wait_ready()
        output = server.output()
        # Loaded in the master, before gunicorn forks the workers.
        loaded = output.index("query model loaded")
        assert loaded < output.index("Booting worker")
        # Each worker runs a search before accepting: the first reader's opens nothing.
        # (The other worker may still be warming when the first answers /health.)
        for _ in range(600):
            if output.count("search path warm") == 2:
                break
            time.sleep(0.1)
            output = server.output()
        assert output.count("search path warm") == 2
        assert "warming the search path failed" not in output
        workers = _children(server.process.pid)
        assert len(workers) == 2
        for pid in workers:
            libraries = _mapped_libraries(pid)
            assert any(name.startswith("libonnxruntime") or "onnxruntime_pybind" in name
                       for name in libraries), sorted(libraries)
            assert not any(name.startswith(("libtorch", "libc10")) for name in libraries)

        response = httpx.get(f"{server.base_url}/api/papers/search",
                             params={"q": "speculative decoding", "limit": 3}, timeout=60)
        assert response.status_code == 200
        assert response.json()[0]["paper"]["title"]
        pid = int(response.headers["X-Paperwire-Process"])
        assert pid in workers
        assert not any(name.startswith(("libtorch", "libc10"))
                       for name in _mapped_libraries(pid))
        # The first search did not load the model again in the worker.
        assert server.output().count("query model loaded") == 1


def test_workers_stop_cleanly_with_the_preloaded_model(cli, committed_papers, tmp_path):
    env = {**cli.env, "PAPERWIRE_EMBED_ON_INGEST": "false"}
    with Server(env, tmp_path / "server.log", "--workers", "2", "--no-worker") as server:
        server.wait_ready()
        response = httpx.get(f"{server.base_url}/search", params={"q": "decoding"},
                             timeout=60)
        assert response.status_code == 200
        workers = _children(server.process.pid)
        server.stop()
    output = server.log_path.read_text(errors="replace")
    assert server.process.returncode == 0
    # Before: the ONNX Runtime session made in the master aborted each worker at exit.
    assert "terminate called" not in output
    assert "SIGABRT" not in output and "was sent" not in output
    assert output.count("Worker exiting") == len(workers) == 2
