"""Fixtures for the search and API tests: a small real subset, embedded once a session."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from django.utils import timezone

SUBSET_OTHERS = 45  # papers besides the speculative-decoding ones


def subset(shared_data: Path) -> list[dict]:
    """Every paper mentioning speculative decoding, and the first others of the file."""
    lines = (shared_data / "hf-daily-papers-2023-12_2024-04.jsonl").read_text().splitlines()
    records = [json.loads(line) for line in lines if line.strip()]
    about = [r for r in records if "speculative" in (r["title"] + r["abstract"]).lower()]
    others = [r for r in records if r not in about][:SUBSET_OTHERS]
    return about + others


def embed_records(records: list[dict]) -> tuple[list[dict], dict[str, np.ndarray]]:
    """The records and their vectors, by arXiv id."""
    from paperwire.search.embeddings import embed_texts, paper_text

    vectors = embed_texts([paper_text(r["title"], r["abstract"]) for r in records])
    return records, {r["id"]: v for r, v in zip(records, vectors, strict=True)}


@pytest.fixture(scope="session")
def embedded_subset(shared_data, django_db_blocker) -> tuple[list[dict], dict[str, np.ndarray]]:
    """The subset's records and vectors; the model loads once for the session."""
    return embed_records(subset(shared_data))


@pytest.fixture(scope="session")
def embedded_all(shared_data, django_db_blocker) -> tuple[list[dict], dict[str, np.ndarray]]:
    """All 753 real papers and their vectors, embedded once for the session."""
    lines = (shared_data / "hf-daily-papers-2023-12_2024-04.jsonl").read_text().splitlines()
    return embed_records([json.loads(line) for line in lines if line.strip()])


def load_papers(records: list[dict], vectors: dict[str, np.ndarray]) -> dict:
    """Ingest the records as the jsonl source does, then store their vectors."""
    from paperwire.ingest.jsonl import jsonl_record
    from paperwire.papers.models import Paper
    from paperwire.search.embeddings import model_key, paper_text, text_hash
    from paperwire.search.models import PaperEmbedding
    from paperwire.search.vectors import vector_index

    Paper.objects.upsert_records([jsonl_record(r) for r in records])
    papers = Paper.objects.in_bulk([r["id"] for r in records], field_name="arxiv_id")
    now = timezone.now()
    PaperEmbedding.objects.bulk_create([
        PaperEmbedding(paper=papers[r["id"]], model=model_key(), dim=384,
                       vector=vectors[r["id"]].tobytes(), updated_at=now,
                       text_hash=text_hash(paper_text(r["title"], r["abstract"])))
        for r in records
    ])
    vector_index().invalidate()
    return papers


@pytest.fixture
def papers(db, embedded_subset) -> dict:
    """The subset stored and embedded, by arXiv id."""
    return load_papers(*embedded_subset)


@pytest.fixture
def all_papers(db, embedded_all) -> dict:
    """Every real paper stored and embedded, by arXiv id."""
    return load_papers(*embedded_all)


@pytest.fixture
def committed_papers(transactional_db, embedded_subset) -> dict:
    """As `papers`, committed, for tests with a live server or a subprocess."""
    return load_papers(*embedded_subset)


@pytest.fixture(autouse=True)
def _fresh_vector_index():
    # The process keeps one index per model; a test's rows vanish with its transaction.
    from paperwire.search.vectors import vector_index

    vector_index().invalidate()
    yield
    vector_index().invalidate()


def link_query_model(data_dir: Path) -> None:
    """The test session's ONNX model files (papers' and queries'), hard-linked into
    another data dir, so a CLI run or a server a test starts does not build its own
    (seconds each)."""
    from django.conf import settings

    from paperwire.search.embeddings import model_folder
    from paperwire.search.onnx_model import ensure_model_file, query_weights

    folder, max_tokens = model_folder(), settings.EMBEDDING_MAX_TOKENS
    for weights in dict.fromkeys(("float32", query_weights(folder, max_tokens))):
        built = ensure_model_file(folder, max_tokens, weights)
        target = Path(data_dir) / "models" / built.name
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            target.hardlink_to(built)
