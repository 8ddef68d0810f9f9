import numpy as np
import pytest
from django.test import override_settings
from django.utils import timezone

from paperwire.search.embeddings import embed_query, model_key
from paperwire.search.models import PaperEmbedding
from paperwire.search.vectors import VectorIndex


@pytest.fixture
def ann_index(papers, tmp_path):
    with override_settings(SEARCH_ANN_THRESHOLD=10, DATA_DIR=tmp_path):
        index = VectorIndex(model_key())
        yield index


def _exact(query: np.ndarray, k: int) -> list[int]:
    rows = PaperEmbedding.objects.values_list("paper_id", "vector")
    scored = sorted(((np.frombuffer(v, np.float32) @ query, pk) for pk, v in rows),
                    reverse=True)
    return [pk for _, pk in scored[:k]]


def test_it_scans_exactly_below_the_threshold(papers):
    index = VectorIndex(model_key())
    assert not index.uses_ann
    query = embed_query("speculative decoding")
    assert [pk for pk, _ in index.search(query, 5)] == _exact(query, 5)


def test_it_builds_a_memory_mapped_index_above_the_threshold(ann_index):
    assert ann_index.update() == "built"
    assert ann_index.path.exists()
    assert ann_index.uses_ann
    for text in ("speculative decoding", "video generation", "mixture of experts"):
        query = embed_query(text)
        assert [pk for pk, _ in ann_index.search(query, 5)] == _exact(query, 5)


def test_it_prefers_vectors_newer_than_the_index_file(ann_index, papers):
    ann_index.rebuild()
    target = papers["2401.15077"]
    query = embed_query("protein folding with diffusion")
    # Re-embed one paper as exactly the query: it must now come first.
    PaperEmbedding.objects.filter(paper=target).update(vector=query.tobytes(),
                                                       updated_at=timezone.now())
    ann_index.invalidate()
    assert ann_index.search(query, 1)[0][0] == target.pk
    assert ann_index.update() == "delta"  # one change: not worth rewriting the file


def test_it_filters_inside_the_index(ann_index, papers):
    ann_index.rebuild()
    allowed = np.array([papers["2402.08644"].pk, papers["2401.13660"].pk])
    hits = ann_index.search(embed_query("speculative decoding"), 5, allowed)
    assert {pk for pk, _ in hits} == set(allowed.tolist())


def test_it_looks_for_new_vectors_with_one_cheap_query(papers):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    index = VectorIndex(model_key())
    index.refresh(force=True)
    # Nothing changed: one look at the newest vector's time (an index seek), no count.
    with CaptureQueriesContext(connection) as queries:
        index.refresh(force=True)
    assert len(queries) == 1
    assert "COUNT" not in queries[0]["sql"].upper()
