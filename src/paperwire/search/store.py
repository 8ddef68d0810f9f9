"""Embedding papers into PaperEmbedding rows, for the ingest task and the backfill."""

from __future__ import annotations

import time
from collections.abc import Iterable

import numpy as np
from django.conf import settings
from django.db import connection
from django.utils import timezone

from paperwire.papers.models import Paper
from paperwire.search.embeddings import embed_texts, model_key, paper_text, text_hash
from paperwire.search.models import PaperEmbedding
from paperwire.search.passages import passage_texts, to_bytes


def embed_papers(paper_ids: Iterable[int], *, batch_size: int | None = None,
                 device: str | None = None, update_index: bool = True) -> int:
    """Embed the given papers whose vector is missing, from another model or stale.

    Returns how many were embedded.
    """
    paper_ids = list(paper_ids)
    key = model_key()
    done = dict(PaperEmbedding.objects.of_papers(paper_ids, key)
                .values_list("paper_id", "text_hash"))
    with_passages = settings.SEARCH_PASSAGES
    if with_passages:
        # A vector made while passages were off is re-embedded with them.
        without = set(PaperEmbedding.objects.of_papers(done, key)
                      .filter(passages=b"")
                      .values_list("paper_id", flat=True))
        done = {pk: digest for pk, digest in done.items() if pk not in without}
    todo: list[tuple[int, str, str, list[str]]] = []
    for pk, title, abstract in (Paper.objects.filter(pk__in=paper_ids)
                                .values_list("pk", "title", "abstract")):
        text = paper_text(title, abstract)
        digest = text_hash(text)
        if done.get(pk) != digest:
            todo.append((pk, text, digest,
                         passage_texts(title, abstract) if with_passages else []))
    if not todo:
        return 0
    vectors = embed_texts([t[1] for t in todo], batch_size=batch_size, device=device)
    passages = [b""] * len(todo)
    if with_passages:
        # One call for every passage of the batch: the model batches them by length.
        flat = embed_texts([p for t in todo for p in t[3]], batch_size=batch_size,
                           device=device)
        bounds = np.cumsum([0] + [len(t[3]) for t in todo])
        passages = [to_bytes(flat[lo:hi]) for lo, hi in zip(bounds, bounds[1:], strict=False)]
    now = timezone.now()
    PaperEmbedding.objects.bulk_create(
        [PaperEmbedding(paper_id=pk, model=key, dim=vectors.shape[1], vector=vec.tobytes(),
                        passages=blob, text_hash=digest, updated_at=now)
         for (pk, _, digest, _), vec, blob in zip(todo, vectors, passages, strict=True)],
        update_conflicts=True, unique_fields=["paper"],
        update_fields=["model", "dim", "vector", "passages", "text_hash", "updated_at"],
    )
    if update_index:
        from paperwire.search.vectors import vector_index

        index = vector_index()
        index.update()
        index.invalidate()
    return len(todo)


def papers_to_embed():
    """Papers with no vector from the configured model, oldest first."""
    return (Paper.objects.exclude(pk__in=PaperEmbedding.objects.for_model(model_key())
                                  .values("paper_id"))
            .order_by("pk"))


def embedded_count() -> int:
    return PaperEmbedding.objects.for_model(model_key()).count()


COVERAGE_SECONDS = 5.0  # how long one process reuses the counts behind the coverage
_coverage: tuple[float, int, int] | None = None


def semantic_coverage(*, fresh: bool = False) -> tuple[int, int]:
    """(papers with a vector from the configured model, papers): while the first is
    smaller, semantic search is incomplete. Two counts, kept COVERAGE_SECONDS per process
    so a busy search page or API does not count on every request."""
    global _coverage
    now = time.monotonic()
    if fresh or _coverage is None or now - _coverage[0] > COVERAGE_SECONDS:
        # Both counts in one round trip, each over an index of its own table.
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT (SELECT COUNT(*) FROM {PaperEmbedding._meta.db_table} "
                f"WHERE model = %s), (SELECT COUNT(*) FROM {Paper._meta.db_table})",
                [model_key()])
            indexed, papers = cursor.fetchone()
        _coverage = (now, indexed, papers)
    return _coverage[1], _coverage[2]


def coverage_text(indexed: int, papers: int) -> str:
    """"412 of 753 papers indexed by meaning"."""
    return f"{indexed:,} of {papers:,} paper{'s' if papers != 1 else ''} indexed by meaning"
