"""Stored sentence embeddings, one per paper and model."""

from __future__ import annotations

import numpy as np
from django.db import models

from paperwire.papers.models import Paper


class PaperEmbeddingQuerySet(models.QuerySet):
    def for_model(self, model_key: str) -> PaperEmbeddingQuerySet:
        return self.filter(model=model_key)


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
