"""Passage vectors: a paper's title and its abstract in windows of about 90 words.

One vector per abstract blurs a paper that covers several things; a short query about
one of them matches its window better than the whole. Searching scores the candidate
papers (both retrievers' lists, at most a few hundred) exactly: the whole-abstract
cosine and the best passage's, averaged. The passages are stored beside the paper's
vector (PaperEmbedding.passages), so the HNSW index keeps one vector per paper.

PAPERWIRE_SEARCH_PASSAGES turns it on; it is off by default: embedding a paper's
passages costs another 1.2-2.1x the time of embedding the paper, for a gain within the
noise of the judged queries (`paperwire bench search-quality` measures both).
"""

from __future__ import annotations

import numpy as np
from django.conf import settings

WINDOW_WORDS = 90
PASSAGE_WEIGHT = 0.5  # the best passage's share of the score, the whole abstract the rest
MAX_PASSAGES = 12  # a title and 11 windows: about a 1,000-word abstract


def passage_texts(title: str, abstract: str) -> list[str]:
    """The title, then the abstract cut into near-equal windows of about 90 words."""
    words = abstract.split()
    count = max(1, min(MAX_PASSAGES - 1, round(len(words) / WINDOW_WORDS)))
    size = -(-len(words) // count) if words else 0
    windows = [" ".join(words[i:i + size]) for i in range(0, len(words), size)] if size else []
    return [" ".join(title.split()), *windows]


def to_bytes(vectors: np.ndarray) -> bytes:
    return np.ascontiguousarray(vectors, dtype=np.float32).tobytes()


def similarities(query: np.ndarray, ids: list[int]) -> dict[int, float]:
    """Each candidate paper's semantic score against `query`: the whole-abstract
    cosine, averaged with its best passage's when it has passages."""
    from paperwire.search.embeddings import model_key
    from paperwire.search.models import PaperEmbedding

    scores: dict[int, float] = {}
    weight = PASSAGE_WEIGHT if settings.SEARCH_PASSAGES else 0.0
    key = model_key()
    fields = ("paper_id", "model", "vector", *(("passages",) if weight else ()))
    # By primary key alone: with the model in the WHERE clause too, SQLite walks the
    # (model, updated_at) index through every vector of the model (0.5 s at 100k).
    for row in PaperEmbedding.objects.filter(paper_id__in=ids).values_list(*fields):
        if row[1] != key:
            continue
        whole = float(np.frombuffer(bytes(row[2]), dtype=np.float32) @ query)
        passages = bytes(row[3]) if weight else b""
        if passages and len(passages) % (4 * len(query)) == 0:
            best = float((np.frombuffer(passages, dtype=np.float32)
                          .reshape(-1, len(query)) @ query).max())
            scores[row[0]] = (1 - weight) * whole + weight * best
        else:
            scores[row[0]] = whole
    return scores
