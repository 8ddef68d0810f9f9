"""`paperwire worker` embeds newly ingested papers while a scheduled fetch waits on a
source that never answers: the two never share one lane."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time

import pytest
from django_tasks_db.models import DBTaskResult

from paperwire.ingest.jsonl import jsonl_record
from paperwire.ingest.tasks import ingest_source
from paperwire.papers.models import Paper
from paperwire.search.models import PaperEmbedding
from paperwire.search.tasks import embed_papers_task
from paperwire.search.testing import subset

pytestmark = pytest.mark.timeout(240)


def _wait_for(condition, what: str, worker: subprocess.Popen, log, timeout: float = 180):
    deadline = time.monotonic() + timeout
    while not condition():
        assert worker.poll() is None, f"the worker exited:\n{log.read_text()}"
        assert time.monotonic() < deadline, f"{what} did not happen:\n{log.read_text()}"
        time.sleep(0.2)


def test_it_embeds_while_a_fetch_waits_on_a_silent_source(cli, shared_data, tmp_path):
    # A port that takes connections (the kernel completes the handshake into the
    # backlog) and never says a word.
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(16)
    env = {**cli.env, "PAPERWIRE_DAILY_URL": f"http://127.0.0.1:{silent.getsockname()[1]}/",
           "PAPERWIRE_HTTP_TIMEOUT": "600", "PAPERWIRE_HTTP_RETRIES": "0"}
    log = tmp_path / "worker.log"
    with log.open("w") as out:
        worker = subprocess.Popen([sys.executable, "-m", "paperwire", "worker",
                                   "--no-schedule", "--interval", "0.2"], env=env,
                                  stdout=out, stderr=subprocess.STDOUT)
    try:
        fetch = ingest_source.enqueue("daily")
        _wait_for(lambda: DBTaskResult.objects.get(pk=fetch.id).status == "RUNNING",
                  "the fetch starting", worker, log)

        Paper.objects.upsert_records([jsonl_record(r) for r in subset(shared_data)[:20]])
        ids = list(Paper.objects.values_list("pk", flat=True))
        embedding = embed_papers_task.enqueue(ids)
        _wait_for(lambda: DBTaskResult.objects.get(pk=embedding.id).status
                  in ("SUCCESSFUL", "FAILED"), "the embedding", worker, log)

        assert DBTaskResult.objects.get(pk=embedding.id).status == "SUCCESSFUL", log.read_text()
        assert PaperEmbedding.objects.count() == 20
        assert DBTaskResult.objects.get(pk=fetch.id).status == "RUNNING"  # still waiting
    finally:
        # The fetch waits on its socket: the second signal stops the worker at once.
        worker.send_signal(signal.SIGTERM)
        time.sleep(0.5)
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
        silent.close()
