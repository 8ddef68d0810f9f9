import json

import pytest
from django.test import override_settings
from django_tasks_db.models import DBTaskResult

from paperwire.papers.models import Paper
from paperwire.search.embeddings import model_key
from paperwire.search.models import PaperEmbedding
from paperwire.search.store import embed_papers, papers_to_embed
from paperwire.search.tasks import embed_papers_task, enqueue_embedding
from paperwire.search.testing import subset


def test_it_embeds_only_papers_whose_vector_is_missing_or_stale(papers):
    paper = papers["2402.13720"]
    assert embed_papers([paper.pk]) == 0  # current already
    paper.abstract += " Now with more drafting."
    paper.save()
    assert embed_papers_task.call([paper.pk]) == 1
    row = PaperEmbedding.objects.get(paper=paper)
    assert row.model == model_key() and row.dim == 384
    assert abs(float((row.array ** 2).sum()) - 1.0) < 1e-4


def test_it_embeds_everything_again_for_another_model(papers):
    assert not papers_to_embed().exists()
    with override_settings(EMBEDDING_MAX_TOKENS=128):
        assert papers_to_embed().count() == len(papers)


@pytest.mark.django_db
def test_it_queues_each_ingested_batch():
    enqueue_embedding([1, 2, 3])
    result = DBTaskResult.objects.get()
    assert result.args_kwargs["args"] == [[1, 2, 3]]
    with override_settings(EMBED_ON_INGEST=False):
        enqueue_embedding([4])
    assert DBTaskResult.objects.count() == 1


def test_the_cli_embeds_searches_and_counts(cli, shared_data, tmp_path):
    records = subset(shared_data)[:12]
    path = tmp_path / "papers.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in records))
    cli("ingest", "jsonl", str(path), "--quiet", check=True)
    assert Paper.objects.count() == 12

    cli("embed", "--batch-size", "4", check=True)
    assert PaperEmbedding.objects.count() == 12
    stats = json.loads(cli("stats", "--json", check=True).stdout)
    assert stats["embedded"] == 12

    out = json.loads(cli("search", "speculative decoding", "--limit", "3", "--json",
                         check=True).stdout)
    assert len(out) == 3
    assert out[0]["id"] in {r["id"] for r in records[:7]}
    assert cli("search", "x", "--mode", "nonsense").returncode != 0


def test_it_embeds_a_query_on_a_helper_thread_with_one_core():
    import threading

    import numpy as np
    import torch

    from paperwire.search.embeddings import embed_query, embed_query_soon

    threads = torch.get_num_threads()
    soon = embed_query_soon("speculative decoding").result(timeout=60)
    assert np.allclose(soon, embed_query("speculative decoding"), atol=1e-5)
    # The helper thread's one-core setting is its own: this thread keeps its cores.
    assert torch.get_num_threads() == threads
    assert any(t.name.startswith("embed-query") for t in threading.enumerate())


@pytest.mark.parametrize("runtime", ["onnx", "torch"])
def test_it_embeds_in_length_order_but_answers_in_the_callers(shared_data, runtime):
    import numpy as np

    from paperwire.search.embeddings import embed_queries, embed_texts, paper_text

    texts = [paper_text(r["title"], r["abstract"]) for r in subset(shared_data)[:9]]
    texts.append("short")
    # Three batches of four, tokenised ahead of the model on a helper thread.
    with override_settings(EMBEDDING_RUNTIME=runtime, EMBEDDING_PRECISION="float32"):
        vectors = embed_texts(texts, batch_size=4)
        alone = embed_texts(texts[-1:])[0]
    with override_settings(EMBEDDING_QUERY_WEIGHTS="float32"):  # papers' precision
        expected = embed_queries(texts)  # one batch, in the caller's order
    assert vectors.shape == (10, 384) and vectors.dtype == np.float32
    assert np.sum(vectors * expected, axis=1).min() > 0.99999
    # Alone it is not padded: the same vector but for rounding.
    assert float(alone @ vectors[-1]) > 0.99999


def test_it_picks_the_batch_size_by_device():
    from paperwire.search.embeddings import default_batch_size

    assert default_batch_size("cpu") == 16
    assert default_batch_size("cuda:0") == 512
    with override_settings(EMBEDDING_BATCH=100):
        assert default_batch_size("cuda") == 100
