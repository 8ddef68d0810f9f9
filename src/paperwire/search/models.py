"""Stored sentence embeddings, one per paper and model."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from django.db import models
from django.db.models import CharField, Value
from django.db.models.functions import Concat

from paperwire.papers.models import Paper


class PaperEmbeddingQuerySet(models.QuerySet):
    def for_model(self, model_key: str) -> PaperEmbeddingQuerySet:
        return self.filter(model=model_key)

    def of_papers(self, paper_ids: Iterable[int], model_key: str) -> PaperEmbeddingQuerySet:
        """The vectors of these papers made by `model_key`, found by primary key.

        With `model=` in the WHERE, SQLite takes the (model, updated_at) index, which
        every vector of the model matches, and walks all of them (100,000 at 100k
        papers) to find a few ids. The model is compared as an expression, which no
        index serves, so the primary key is used.
        """
        return (self.filter(paper_id__in=list(paper_ids))
                .alias(model_compared=Concat("model", Value(""), output_field=CharField()))
                .filter(model_compared=model_key))


class PaperEmbedding(models.Model):
    """A paper's title-and-abstract vector (float32, unit length).

    `model` names the model and its settings; a vector made by another model (or
    with another sequence length) counts as missing, so changing the model re-embeds.
    `text_hash` says which text was embedded, so an edited abstract re-embeds too.
    """

    paper = models.OneToOneField(Paper, primary_key=True, on_delete=models.CASCADE,
                                 related_name="embedding")
    model = models.CharField(max_length=200)
    dim = models.PositiveSmallIntegerField()
    vector = models.BinaryField()
    # The title's and the abstract windows' vectors, one after another (search.passages);
    # empty when PAPERWIRE_SEARCH_PASSAGES was off as the paper was embedded.
    passages = models.BinaryField(default=b"", blank=True)
    text_hash = models.CharField(max_length=40)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PaperEmbeddingQuerySet.as_manager()

    class Meta:
        # Every search process asks for the newest vector of its model once a second:
        # one index seek, where separate indexes on each column scanned every row.
        indexes = [models.Index(fields=["model", "updated_at"], name="search_emb_model_updated")]

    def __str__(self) -> str:
        return f"{self.paper_id} ({self.model}, {self.dim})"

    @property
    def array(self) -> np.ndarray:
        return np.frombuffer(bytes(self.vector), dtype=np.float32)


class PaperNotesQuerySet(models.QuerySet):
    def by_paper(self, paper_ids) -> dict[int, PaperNotes]:
        """The notes of these papers, by paper id (papers without notes are absent)."""
        return {n.paper_id: n for n in self.filter(paper_id__in=list(paper_ids))}


class PaperNotes(models.Model):
    """What the embedding model makes of an abstract, computed offline (search/notes.py):
    a few keywords (KeyBERT-style: phrases of the abstract closest to the paper's vector,
    kept diverse) and an extractive summary (the abstract's most central sentence).

    `text_hash` is the embedded text's (as PaperEmbedding's): an edited abstract is
    noted again.
    """

    paper = models.OneToOneField(Paper, primary_key=True, on_delete=models.CASCADE,
                                 related_name="notes")
    keywords = models.JSONField(default=list, blank=True)
    # The keywords lower-cased between bars ("|llm|pipeline parallelism|"): one
    # `contains` finds a keyword on SQLite and PostgreSQL alike.
    keyword_index = models.TextField(blank=True, default="")
    summary = models.TextField(blank=True, default="")
    model = models.CharField(max_length=200)
    text_hash = models.CharField(max_length=40)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PaperNotesQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "paper notes"

    def __str__(self) -> str:
        return f"{self.paper_id}: {', '.join(self.keyword_list)}"

    @staticmethod
    def index_of(keywords: list[str]) -> str:
        return "|" + "|".join(k.lower() for k in keywords) + "|" if keywords else ""

    @property
    def keyword_list(self) -> list[str]:
        """The stored keywords, only strings (the column is JSON: never trust its shape)."""
        if not isinstance(self.keywords, list):
            return []
        return [k for k in self.keywords if isinstance(k, str) and k][:10]
