import numpy as np
import pytest
from django.test import override_settings
from django.utils import timezone

from paperwire.papers.models import Paper
from paperwire.search.embeddings import model_key
from paperwire.search.models import PaperEmbedding
from paperwire.search.passages import passage_texts, similarities, to_bytes
from paperwire.search.store import embed_papers


def test_it_cuts_the_abstract_into_windows_of_about_90_words():
    abstract = " ".join(f"w{i}" for i in range(200))
    passages = passage_texts("A  title\n", abstract)
    assert passages[0] == "A title"
    assert [len(p.split()) for p in passages[1:]] == [100, 100]
    assert " ".join(passages[1:]) == abstract
    assert passage_texts("Title", "short abstract") == ["Title", "short abstract"]
    assert passage_texts("Title", "") == ["Title"]
    assert len(passage_texts("T", "word " * 50_000)) == 12  # bounded


def _unit(*values: float) -> np.ndarray:
    v = np.zeros(384, np.float32)
    v[: len(values)] = values
    return v / np.linalg.norm(v)


@pytest.mark.django_db
def test_it_averages_the_whole_abstract_with_its_best_passage():
    first = Paper.objects.create(arxiv_id="2401.00001", title="One", abstract="a")
    second = Paper.objects.create(arxiv_id="2401.00002", title="Two", abstract="b")
    now = timezone.now()
    PaperEmbedding.objects.create(
        paper=first, model=model_key(), dim=384, vector=_unit(1, 1).tobytes(),
        passages=to_bytes(np.stack([_unit(0, 1), _unit(1, 0)])), text_hash="", updated_at=now)
    PaperEmbedding.objects.create(  # embedded while passages were off
        paper=second, model=model_key(), dim=384, vector=_unit(1, 1).tobytes(),
        text_hash="", updated_at=now)
    query = _unit(1, 0)
    with override_settings(SEARCH_PASSAGES=True):
        scores = similarities(query, [first.pk, second.pk])
    whole = float(_unit(1, 1) @ query)
    assert scores[first.pk] == pytest.approx((whole + 1.0) / 2)
    assert scores[second.pk] == pytest.approx(whole)
    assert similarities(query, [first.pk])[first.pk] == pytest.approx(whole)  # off


def test_it_stores_passages_only_when_turned_on(papers):
    paper = papers["2402.13720"]
    row = PaperEmbedding.objects.get(paper=paper)
    assert embed_papers([paper.pk]) == 0  # current, and passages are off by default
    assert bytes(row.passages) == b""
    with override_settings(SEARCH_PASSAGES=True):
        # The vector is current, but its passages are missing.
        assert embed_papers([paper.pk]) == 1
        assert embed_papers([paper.pk]) == 0
    row.refresh_from_db()
    passages = np.frombuffer(bytes(row.passages), np.float32).reshape(-1, 384)
    assert len(passages) == len(passage_texts(paper.title, paper.abstract))
    assert np.allclose(np.linalg.norm(passages, axis=1), 1.0, atol=1e-3)
