"""Run a benchmark in a child process on a fresh SQLite database in a temporary data dir.

The child gets PAPERWIRE_BENCH_CACHE, a folder kept between runs (in the caller's data
dir) where embeddings of the real papers are cached, so a second run skips the model.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

CHILD = "PAPERWIRE_BENCH_CHILD"


def in_child() -> bool:
    return os.environ.get(CHILD) == "1"


def rerun_in_fresh_database(args: list[str]) -> None:
    from django.conf import settings

    cache = Path(settings.DATA_DIR) / "bench-cache"
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="paperwire-bench-") as tmp:
        env = {**os.environ, CHILD: "1", "PAPERWIRE_DATA_DIR": tmp,
               "PAPERWIRE_DATABASE_URL": "", "PAPERWIRE_BENCH_CACHE": str(cache),
               "PAPERWIRE_EMBED_ON_INGEST": "false", "PAPERWIRE_LOG_LEVEL": "WARNING"}
        result = subprocess.run([sys.executable, "-m", "paperwire", *args], env=env)
    if result.returncode:
        raise SystemExit(result.returncode)


def load_real_papers() -> list[dict]:
    """Migrate the fresh database and ingest the 753 real papers; returns the records."""
    import json

    from django.core.management import call_command

    from paperwire.benchmarks.common import shared_data_dir
    from paperwire.ingest.jsonl import JsonlSource
    from paperwire.ingest.runner import run_ingest

    call_command("migrate", interactive=False, verbosity=0)
    path = shared_data_dir() / "hf-daily-papers-2023-12_2024-04.jsonl"
    run_ingest(JsonlSource(path), resume=False)
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def cached_embeddings(texts: list[str], name: str, **encode) -> np.ndarray:
    """embed_texts(texts), cached on disk by model, name and a hash of the texts."""
    import hashlib

    from paperwire.search.embeddings import embed_texts, model_key

    digest = hashlib.sha1("\n".join([model_key(), repr(sorted(encode.items())), *texts])
                          .encode()).hexdigest()[:16]
    path = Path(os.environ.get("PAPERWIRE_BENCH_CACHE", tempfile.gettempdir())) / (
        f"{name}-{digest}.npy")
    if path.exists():
        return np.load(path)
    vectors = embed_texts(texts, **encode)
    np.save(path, vectors)
    return vectors


def store_embeddings(vectors_by_id: dict[str, np.ndarray]) -> None:
    from django.utils import timezone

    from paperwire.papers.models import Paper
    from paperwire.search.embeddings import model_key, paper_text, text_hash
    from paperwire.search.models import PaperEmbedding

    now = timezone.now()
    rows = []
    for pk, arxiv_id, title, abstract in Paper.objects.values_list(
            "pk", "arxiv_id", "title", "abstract"):
        vector = vectors_by_id[arxiv_id]
        rows.append(PaperEmbedding(paper_id=pk, model=model_key(), dim=len(vector),
                                   vector=vector.astype(np.float32).tobytes(),
                                   text_hash=text_hash(paper_text(title, abstract)),
                                   updated_at=now))
    PaperEmbedding.objects.bulk_create(rows, batch_size=2_000)
