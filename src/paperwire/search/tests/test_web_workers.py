"""`paperwire serve --workers 3`: a paper embedded while every gunicorn worker already
holds the semantic index (the memory-mapped HNSW file, PAPERWIRE_SEARCH_ANN_THRESHOLD
below the corpus) is found by /api/papers/search in each of the three worker processes
within FRESH_WITHIN seconds.

The paper's row is there from the start, so the lexical retriever finds it all along;
the server runs with PAPERWIRE_SEARCH_LEXICAL_WEIGHT=0 so that only a fresh vector puts
it first. Each answer names its process (PAPERWIRE_PROCESS_HEADER); every request opens
its own connection, and requests go several at a time, because gunicorn hands a
connection to whichever worker accepts it first.
"""

from __future__ import annotations

import json
import logging
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from django.test import override_settings
from django.utils import timezone

from paperwire.benchmarks.soak import Server
from paperwire.ingest.jsonl import jsonl_record
from paperwire.papers.models import Paper
from paperwire.search.embeddings import embed_texts, model_key, paper_text, text_hash
from paperwire.search.models import PaperEmbedding
from paperwire.search.testing import subset
from paperwire.search.vectors import CHECK_EVERY, VectorIndex

pytestmark = pytest.mark.timeout(180)
WORKERS = 3
FRESH_WITHIN = CHECK_EVERY + 2.0  # the look-up interval, plus a loaded machine's slack
ANN_THRESHOLD = 10  # the subset holds about 60 papers: the HNSW file is used


def _new_record(shared_data) -> dict:
    """A real paper that the session's subset does not hold."""
    taken = {r["id"] for r in subset(shared_data)}
    lines = (shared_data / "hf-daily-papers-2023-12_2024-04.jsonl").read_text().splitlines()
    return next(r for r in map(json.loads, reversed(lines)) if r["id"] not in taken)


def ask(server: Server, query: str) -> tuple[float, int, str | None]:
    """(when the request started, which process answered, the first hit's id).
    httpx.get opens a new connection each time: no keep-alive pins a worker."""
    started = time.monotonic()
    response = httpx.get(f"{server.base_url}/api/papers/search",
                         params={"q": query, "limit": 5}, timeout=60)
    assert response.status_code == 200, response.text
    hits = response.json()
    pid = int(response.headers["X-Paperwire-Process"])
    return started, pid, hits[0]["paper"]["id"] if hits else None


def test_it_finds_a_new_paper_in_every_web_worker(cli, committed_papers, shared_data,
                                                 tmp_path, caplog):
    caplog.set_level(logging.WARNING, logger="httpx")  # hundreds of long request lines
    record = _new_record(shared_data)
    text = paper_text(record["title"], record["abstract"])
    # The paper is stored, not embedded: lexical search finds it, semantic cannot.
    Paper.objects.upsert_records([jsonl_record(record)])
    new = Paper.objects.get(arxiv_id=record["id"])
    # The HNSW file over the subset, in the data dir the server reads.
    with override_settings(DATA_DIR=tmp_path / "data", SEARCH_ANN_THRESHOLD=ANN_THRESHOLD):
        index = VectorIndex(model_key())
        assert index.rebuild() == len(committed_papers) > ANN_THRESHOLD
        assert index.uses_ann

    env = {**cli.env, "PAPERWIRE_SEARCH_ANN_THRESHOLD": str(ANN_THRESHOLD),
           "PAPERWIRE_SEARCH_LEXICAL_WEIGHT": "0", "PAPERWIRE_PROCESS_HEADER": "true",
           "PAPERWIRE_EMBED_ON_INGEST": "false"}
    log_path = tmp_path / "server.log"
    server = Server(env, log_path, "--workers", str(WORKERS), "--no-worker")
    pool = ThreadPoolExecutor(2 * WORKERS)

    def ask_round() -> list[tuple[float, int, str | None]]:
        return list(pool.map(lambda query: ask(server, query), [text] * (2 * WORKERS)))

    try:
        server.wait_ready(timeout=60)
        # 1. Warm: every worker loads the model and opens the index, and answers
        #    without the new paper first.
        warm: set[int] = set()
        deadline = time.monotonic() + 90
        while len(warm) < WORKERS:
            for _, pid, first in ask_round():
                # First before its vector exists: that process answered with no
                # semantic results at all (an index it had not loaded yet).
                assert first != new.arxiv_id, f"process {pid} searched without its index"
                warm.add(pid)
            assert time.monotonic() < deadline, f"only {len(warm)} workers answered"

        # 2. Another process (this one) stores the paper's vector.
        vector = embed_texts([text])[0]
        PaperEmbedding.objects.create(paper=new, model=model_key(), dim=384,
                                      vector=vector.tobytes(), updated_at=timezone.now(),
                                      text_hash=text_hash(text))
        embedded_at = time.monotonic()

        # 3. Ask until each of the warm workers has put the new paper first; any answer
        #    to a request made FRESH_WITHIN after the vector was stored must have it.
        fresh_after: dict[int, float] = {}
        deadline = embedded_at + FRESH_WITHIN + 60
        while set(fresh_after) != warm:
            for started, pid, first in ask_round():
                late = started - embedded_at
                if first == new.arxiv_id:
                    fresh_after.setdefault(pid, late)
                else:
                    assert late < FRESH_WITHIN, (
                        f"process {pid} still misses the paper {late:.1f} s after it was "
                        f"embedded")
            assert time.monotonic() < deadline, (
                f"not every worker answered again: fresh in {sorted(fresh_after)}, "
                f"warm {sorted(warm)}")
    finally:
        pool.shutdown()
        server.stop()
    log = log_path.read_text()
    assert "Traceback" not in log and "WORKER TIMEOUT" not in log, log
    print("fresh after (s, from the request's start):",
          {pid: round(s, 2) for pid, s in sorted(fresh_after.items())})
