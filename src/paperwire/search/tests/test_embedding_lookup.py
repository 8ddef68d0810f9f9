"""Vectors looked up by paper go through the primary key, not the model's index."""

from __future__ import annotations

import numpy as np
import pytest
from django.db import connection

from paperwire.papers.models import Paper
from paperwire.search.models import PaperEmbedding


def _store(title: str, model: str) -> Paper:
    paper = Paper.objects.create(arxiv_id=f"2401.{Paper.objects.count() + 1:05d}",
                                 title=title)
    PaperEmbedding.objects.create(paper=paper, model=model, dim=2, text_hash="",
                                  vector=np.array([1, 0], dtype=np.float32).tobytes())
    return paper


def test_it_finds_the_vectors_of_these_papers_made_by_this_model(db):
    wanted = _store("Wanted", "model-a")
    _store("Not asked for", "model-a")
    other_model = _store("Another model's vector", "model-b")

    found = PaperEmbedding.objects.of_papers([wanted.pk, other_model.pk], "model-a")

    assert [row.paper_id for row in found] == [wanted.pk]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's query planner")
def test_it_looks_up_by_primary_key_and_not_the_model_index(db):
    papers = [_store(f"Paper {n}", "model-a") for n in range(50)]
    sql, params = (PaperEmbedding.objects.of_papers([p.pk for p in papers], "model-a")
                   .values_list("vector").query.sql_with_params())
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        plan = " ".join(str(row) for row in cursor.fetchall())

    assert "search_emb_model_updated" not in plan
    assert "sqlite_autoindex_search_paperembedding_1" in plan or "PRIMARY KEY" in plan
