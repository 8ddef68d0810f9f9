"""Keywords and an extractive summary for each paper, from the embedding model.

KeyBERT's method: the abstract's candidate phrases (lib/keyphrases.py) are embedded
with the model that embeds the papers, and the few closest to the paper's own vector
are kept, picked by maximal marginal relevance so they don't repeat one idea. The
summary is the abstract sentence closest to that vector: extracted, never written.

Run after embedding (search/tasks.py) and by `paperwire keywords` for papers already
stored; a paper whose text has not changed is never noted twice.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from django.db.models import QuerySet

from paperwire.lib import keyphrases
from paperwire.papers.models import Paper
from paperwire.search.embeddings import embed_texts, model_key, paper_text, text_hash
from paperwire.search.models import PaperEmbedding, PaperNotes

KEYWORDS = 5
DIVERSITY = 0.5


def note_papers(paper_ids: Iterable[int], *, batch_size: int | None = None,
                device: str | None = None) -> int:
    """Note the given papers whose notes are missing, from another model or stale.
    Returns how many were noted."""
    paper_ids = list(paper_ids)
    key = model_key()
    done = dict(PaperNotes.objects.filter(paper_id__in=paper_ids, model=key)
                .values_list("paper_id", "text_hash"))
    vectors = {e.paper_id: e for e in PaperEmbedding.objects.of_papers(
        paper_ids, key).only("paper_id", "vector", "text_hash")}
    todo = []
    for pk, title, abstract in (Paper.objects.filter(pk__in=paper_ids)
                                .values_list("pk", "title", "abstract")):
        text = paper_text(title, abstract)
        digest = text_hash(text)
        if done.get(pk) != digest:
            todo.append((pk, text, abstract, digest))
    if not todo:
        return 0

    # One model call for every text of the batch: each paper's candidates and
    # sentences, and the paper's own text where its stored vector is missing or stale.
    texts: list[str] = []
    spans = []
    for pk, text, abstract, digest in todo:
        stored = vectors.get(pk)
        own = None if stored is not None and stored.text_hash == digest else len(texts)
        if own is not None:
            texts.append(text)
        phrases = keyphrases.candidates(abstract)
        sentences = keyphrases.sentences(abstract)
        spans.append((own, len(texts), phrases, sentences))
        texts.extend(phrases)
        texts.extend(sentences)
    embedded = embed_texts(texts, batch_size=batch_size, device=device)

    rows = []
    for (pk, _, _, digest), (own, at, phrases, sentences) in zip(todo, spans, strict=True):
        document = embedded[own] if own is not None else vectors[pk].array
        phrase_vectors = embedded[at:at + len(phrases)]
        sentence_vectors = embedded[at + len(phrases):at + len(phrases) + len(sentences)]
        keywords = pick_keywords(document, phrases, phrase_vectors)
        central = keyphrases.most_central(document, sentence_vectors)
        summary = keyphrases.short(sentences[central]) if central >= 0 else ""
        rows.append(PaperNotes(paper_id=pk, keywords=keywords,
                               keyword_index=PaperNotes.index_of(keywords), summary=summary,
                               model=model_key(), text_hash=digest))
    PaperNotes.objects.bulk_create(
        rows, update_conflicts=True, unique_fields=["paper"],
        update_fields=["keywords", "keyword_index", "summary", "model", "text_hash",
                       "updated_at"])
    return len(rows)


def pick_keywords(document: np.ndarray, phrases: list[str], vectors: np.ndarray,
                  k: int = KEYWORDS) -> list[str]:
    """The k phrases to show: MMR over twice as many, then no phrase inside another."""
    picked = [phrases[i] for i in keyphrases.mmr(document, vectors, 2 * k, DIVERSITY)]
    return keyphrases.without_overlaps(picked)[:k]


def papers_to_note() -> QuerySet[Paper]:
    """Papers with no notes from the configured model, oldest first."""
    return (Paper.objects.exclude(pk__in=PaperNotes.objects.filter(model=model_key())
                                  .values("paper_id"))
            .order_by("pk"))
