"""How many papers semantic search knows: the search page, the API header and
`paperwire stats` say so while some papers wait for their vectors."""

from __future__ import annotations

import json

import numpy as np
from django_tasks_db.models import DBTaskResult

from paperwire.papers.models import Paper
from paperwire.search import store
from paperwire.search.models import PaperEmbedding
from paperwire.search.tasks import COMMIT_EVERY, EMBEDDING_QUEUE, embed_papers_task


def _unembedded_paper() -> Paper:
    return Paper.objects.create(arxiv_id="2405.00001", title="Speculative decoding, again",
                                abstract="Waiting for its vector.")


def test_the_search_page_says_when_semantic_results_are_incomplete(client, papers):
    _unembedded_paper()
    html = client.get("/search", {"q": "speculative decoding"}).content.decode()
    total = len(papers) + 1
    assert (f"Semantic results are incomplete: {len(papers)} of {total} papers indexed "
            "by meaning so far.") in html


def test_the_search_page_says_nothing_when_every_paper_is_indexed(client, papers):
    html = client.get("/search", {"q": "speculative decoding"}).content.decode()
    assert "indexed by meaning" not in html


def test_the_api_names_the_coverage_in_a_header(client, papers):
    response = client.get("/api/papers/search", {"q": "speculative decoding"})
    assert response.headers["X-Paperwire-Semantic-Coverage"] == f"{len(papers)}/{len(papers)}"

    _unembedded_paper()
    store._coverage = None  # the counts are kept a few seconds per process
    response = client.get("/api/papers/search", {"q": "speculative decoding"})
    assert response.headers["X-Paperwire-Semantic-Coverage"] == (
        f"{len(papers)}/{len(papers) + 1}")


def test_the_counts_are_kept_briefly_not_counted_per_request(papers,
                                                            django_assert_num_queries):
    store.semantic_coverage()
    with django_assert_num_queries(0):
        assert store.semantic_coverage() == (len(papers), len(papers))


def test_stats_say_how_many_papers_are_indexed_by_meaning(cli, committed_papers):
    Paper.objects.create(arxiv_id="2405.00001", title="Not yet", abstract="No vector.")
    total = len(committed_papers) + 1

    data = json.loads(cli("stats", "--json", check=True).stdout)
    assert data["embedded"] == len(committed_papers) and data["papers"] == total
    assert data["semantic_complete"] is False
    text = cli("stats", check=True).stdout
    assert (f"semantic search: {len(committed_papers)} of {total} papers indexed by meaning "
            "(incomplete: the worker embeds the rest)") in text


def test_embedding_is_queued_on_its_own_lane(db):
    embed_papers_task.enqueue([1])
    assert DBTaskResult.objects.get().queue_name == EMBEDDING_QUEUE


def test_a_large_batch_is_committed_in_chunks(db, monkeypatch):
    """Each chunk's vectors are stored before the next chunk is embedded, so the counts
    grow while a large ingest is embedded."""
    ids = [Paper.objects.create(arxiv_id=f"2405.{n:05d}", title=f"Paper {n}",
                                abstract="An abstract.").pk for n in range(300)]
    stored_before_each_call = []

    def fake_embed(texts, **kwargs):
        stored_before_each_call.append(PaperEmbedding.objects.count())
        vectors = np.ones((len(texts), 384), dtype=np.float32)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)

    monkeypatch.setattr(store, "embed_texts", fake_embed)

    assert embed_papers_task.call(ids) == 300
    assert stored_before_each_call == [0, COMMIT_EVERY, 2 * COMMIT_EVERY]
    assert PaperEmbedding.objects.count() == 300
