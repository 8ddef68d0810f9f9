"""A paper ingested and embedded by one process is found by semantic search in another
process that already holds the index, within FRESH_WITHIN seconds: each process looks at
the database for newer vectors at most every CHECK_EVERY seconds, in exact mode and
beside the memory-mapped HNSW file alike."""

from __future__ import annotations

import json
import time

import pytest
from django.test import override_settings

from paperwire.search.embeddings import embed_texts, model_key, paper_text
from paperwire.search.testing import subset
from paperwire.search.vectors import CHECK_EVERY, VectorIndex

pytestmark = pytest.mark.timeout(240)
FRESH_WITHIN = CHECK_EVERY + 2.0  # the look-up interval, plus a loaded machine's slack


def _new_record(shared_data) -> dict:
    """A real paper that the session's subset does not hold."""
    taken = {r["id"] for r in subset(shared_data)}
    lines = (shared_data / "hf-daily-papers-2023-12_2024-04.jsonl").read_text().splitlines()
    return next(r for r in map(json.loads, reversed(lines)) if r["id"] not in taken)


@pytest.mark.parametrize("threshold", [20_000, 10], ids=["exact", "hnsw-file"])
def test_it_finds_a_paper_embedded_by_another_process(cli, committed_papers, shared_data,
                                                      tmp_path, threshold):
    from paperwire.papers.models import Paper

    record = _new_record(shared_data)
    query = embed_texts([paper_text(record["title"], record["abstract"])])[0]
    cli.env.update({"PAPERWIRE_SEARCH_ANN_THRESHOLD": str(threshold),
                    "PAPERWIRE_EMBED_ON_INGEST": "false"})
    with override_settings(DATA_DIR=tmp_path / "data", SEARCH_ANN_THRESHOLD=threshold):
        index = VectorIndex(model_key())  # this process's, as a web worker holds it
        if threshold < len(committed_papers):
            index.rebuild()
        before = index.search(query, 5)
        assert index.uses_ann == (threshold < len(committed_papers))
        assert len(index) == len(committed_papers)

        # Another process ingests the paper and embeds it.
        source = tmp_path / "new.jsonl"
        source.write_text(json.dumps(record) + "\n")
        cli("ingest", "jsonl", str(source), "--quiet", check=True)
        cli("embed", check=True)
        embedded_at = time.monotonic()
        new = Paper.objects.get(arxiv_id=record["id"])
        assert new.pk not in [pk for pk, _ in before]

        while True:
            hits = index.search(query, 5)
            if hits and hits[0][0] == new.pk:
                break
            assert time.monotonic() - embedded_at < FRESH_WITHIN, "the new paper was not found"
            time.sleep(0.05)
        assert hits[0][1] > 0.99
        assert len(index) == len(committed_papers) + 1
