"""`paperwire bench search`: search latency at 100k papers, ANN at 1M vectors, embedding rate.

Runs in a child process on a fresh SQLite database. Steps:
1. the 753 real papers, embedded (cached between runs);
2. document-embedding throughput on the CPU, plain torch float32 (when torch is
   installed) against the tuned configurations and ONNX Runtime, with the nDCG@10 each
   costs on the judged query set;
3. a corpus grown to `papers` by recombining the real ones (title words and abstract
   halves of two papers; the vector a normalised mix of theirs plus noise), stored
   through the normal upsert path and indexed like any other;
4. p50/p95 latency of lexical, semantic and hybrid `search()` calls, query embedding
   included;
5. `vectors` synthetic vectors (mixes of three real ones plus noise) in an HNSW index:
   lookup latency, recall@10 against an exact scan, and semantic search end to end.
"""

from __future__ import annotations

import hashlib
import os
import statistics
import time
from pathlib import Path

import numpy as np

from paperwire.benchmarks.common import write_json
from paperwire.benchmarks.fresh import (
    cached_embeddings,
    in_child,
    rerun_in_fresh_database,
)

SEED = 7


def _pct(values: list[float], p: float) -> float:
    return float(np.percentile(np.asarray(values) * 1000, p))


def _timed(fn, items, warmup: int = 5) -> list[float]:
    for item in items[:warmup]:
        fn(item)
    times = []
    for item in items:
        start = time.perf_counter()
        fn(item)
        times.append(time.perf_counter() - start)
    return times


def _line(name: str, times: list[float]) -> dict[str, float]:
    """Print one latency line; returns its figures for the JSON report."""
    p50, p95 = _pct(times, 50), _pct(times, 95)
    print(f"  {name:34} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms")
    return {"p50_ms": round(p50, 3), "p95_ms": round(p95, 3)}


def _queries(records: list[dict], n: int) -> list[str]:
    from paperwire.benchmarks.search_quality import load_queries

    rng = np.random.default_rng(SEED)
    texts = [q["query"] for q in load_queries()]
    while len(texts) < n:
        r = records[int(rng.integers(len(records)))]
        words = r["title"].split()
        texts.append(" ".join(words[: max(2, len(words) // 2)]))
    return texts[:n]


# -- 2. embedding throughput -----------------------------------------------------------

def cpu_description() -> str:
    """The CPU's model name and the instructions that decide the embedding precision."""
    try:
        info = Path("/proc/cpuinfo").read_text()
    except OSError:
        return "unknown CPU"
    name = next((line.split(":", 1)[1].strip() for line in info.splitlines()
                 if line.startswith("model name")), "unknown CPU")
    flags = sorted({f for f in ("avx512_bf16", "amx_bf16", "avx512f", "avx2")
                    if f" {f}" in info})
    return f"{name} ({', '.join(flags) or 'no AVX'})"


def embedding_configs(device: str) -> list[tuple[str, int, int, str, str]]:
    """(name, tokens, batch, precision, runtime) rows; the first is the plain baseline.

    Without torch (the default install) only the ONNX Runtime rows are measured.
    """
    from django.conf import settings

    from paperwire.search import embeddings

    tuned = embeddings.precision(device)
    batch = embeddings.default_batch_size(device)
    tokens = settings.EMBEDDING_MAX_TOKENS
    runtime = embeddings.document_runtime(device)
    default = tuned if runtime == "torch" else "float32"
    rows = []
    if embeddings.torch_installed():
        rows += [("plain: torch float32, 256 tokens, batch 32", 256, 32, "float32", "torch"),
                 (f"torch {tuned}, 256 tokens, batch {batch}", 256, batch, tuned, "torch")]
        if runtime != "torch":
            rows.append((f"torch {tuned}, {tokens} tokens, batch {batch}", tokens, batch,
                         tuned, "torch"))
    if device == "cpu":
        rows.append((f"ONNX Runtime float32, 256 tokens, batch {batch}", 256, batch,
                     "float32", "onnx"))
    rows.append((f"tuned (the default): {runtime} {default}, {tokens} tokens, batch {batch}",
                 tokens, batch, tuned, runtime))
    if device == "cpu":
        rows.append((f"{runtime} {default}, 192 tokens, batch {batch}", 192, batch, tuned,
                     runtime))
    return rows


def bench_embedding(records: list[dict], sample: int, device: str = "cpu",
                    repeats: int = 3) -> list[dict]:
    from django.test import override_settings

    from paperwire.benchmarks.search_quality import evaluate, load_queries, ranker_for
    from paperwire.search import embeddings
    from paperwire.search.embeddings import paper_text

    texts = [paper_text(r["title"], r["abstract"]) for r in records]
    # The real abstracts over again when the sample is larger than they are.
    sample_texts = [texts[i % len(texts)] for i in range(sample)]
    queries = load_queries()
    if device == "cpu":
        where = f"{cpu_description()}, {os.cpu_count()} threads"
    else:
        import torch

        where = torch.cuda.get_device_name(device)
    print(f"document embedding on {device} ({where}), {len(sample_texts)} abstracts:")

    def rate(max_tokens: int, batch: int, dtype: str, runtime: str) -> tuple[float, np.ndarray]:
        with override_settings(EMBEDDING_MAX_TOKENS=max_tokens, EMBEDDING_PRECISION=dtype,
                               EMBEDDING_BATCH=batch, EMBEDDING_RUNTIME=runtime):
            # The code path ingestion and `paperwire embed` use.
            def embed(items: list[str]) -> np.ndarray:
                return embeddings.embed_texts(items, device=device)

            embed(sample_texts[:batch])
            elapsed = []
            for _ in range(repeats):
                start = time.perf_counter()
                embed(sample_texts)
                elapsed.append(time.perf_counter() - start)
            vectors = embed(texts).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        return len(sample_texts) / statistics.median(elapsed), vectors

    results = []
    for name, tokens, size, dtype, runtime in embedding_configs(device):
        per_s, vectors = rate(tokens, size, dtype, runtime)
        _swap_vectors(records, vectors)
        sem = evaluate(queries, ranker_for("semantic"))["all"]["ndcg@10"]
        hyb = evaluate(queries, ranker_for("hybrid"))["all"]["ndcg@10"]
        results.append((name, per_s, sem, hyb))
        print(f"  {name:48} {per_s:7.1f} abstracts/s  nDCG@10 semantic {sem:.3f} "
              f"hybrid {hyb:.3f}", flush=True)
    base = results[0]
    rows = []
    print("against the plain configuration:")
    for name, per_s, sem, hyb in results:
        print(f"  {name:48} x{per_s / base[1]:4.2f}   "
              f"nDCG@10 semantic {(sem - base[2]) * 100:+.1f} pt, "
              f"hybrid {(hyb - base[3]) * 100:+.1f} pt")
        rows.append({"name": name, "per_s": round(per_s, 1), "ratio": round(per_s / base[1], 3),
                     "ndcg_semantic": round(sem, 4), "ndcg_hybrid": round(hyb, 4),
                     "ndcg_delta_pt": round((sem - base[2]) * 100, 2)})
    return rows


def _swap_vectors(records: list[dict], vectors: np.ndarray) -> None:
    from paperwire.papers.models import Paper
    from paperwire.search.models import PaperEmbedding
    from paperwire.search.vectors import vector_index

    pks = dict(Paper.objects.values_list("arxiv_id", "pk"))
    rows = list(PaperEmbedding.objects.all())
    by_pk = {pks[r["id"]]: v for r, v in zip(records, vectors, strict=True)}
    for row in rows:
        row.vector = by_pk[row.paper_id].tobytes()
    PaperEmbedding.objects.bulk_update(rows, ["vector"], batch_size=1_000)
    vector_index().invalidate()


# -- 3. generated corpus ---------------------------------------------------------------

def _mix(vectors: np.ndarray, parents: np.ndarray, weights: tuple[float, ...],
         noise: float, rng: np.random.Generator) -> np.ndarray:
    out = sum(w * vectors[parents[:, i]] for i, w in enumerate(weights))
    out = out + noise * rng.standard_normal(out.shape, dtype=np.float32) / np.sqrt(
        vectors.shape[1])
    return (out / np.linalg.norm(out, axis=1, keepdims=True)).astype(np.float32)


def grow_corpus(records: list[dict], vectors: np.ndarray, total: int) -> None:
    from django.utils import timezone

    from paperwire.papers.models import Paper
    from paperwire.papers.records import PaperRecord
    from paperwire.search.embeddings import model_key
    from paperwire.search.models import PaperEmbedding

    rng = np.random.default_rng(SEED)
    n = total - len(records)
    parents = rng.integers(len(records), size=(n, 2))
    mixed = _mix(vectors, parents, (0.7, 0.3), 0.3, rng)
    batch = 5_000
    start = time.perf_counter()
    for lo in range(0, n, batch):
        recs, vecs = [], {}
        for i in range(lo, min(n, lo + batch)):
            a, b = records[parents[i, 0]], records[parents[i, 1]]
            words_a, words_b = a["title"].split(), b["title"].split()
            sentences_a = a["abstract"].split(". ")
            sentences_b = b["abstract"].split(". ")
            arxiv_id = f"{30 + i // 1_200_000}{1 + (i // 100_000) % 12:02d}.{i % 100_000:05d}"
            recs.append(PaperRecord.build(
                arxiv_id=arxiv_id,
                title=" ".join(words_a[: max(3, len(words_a) * 2 // 3)]
                               + words_b[len(words_b) * 2 // 3:]),
                abstract=". ".join(sentences_a[: len(sentences_a) // 2 + 1]
                                   + sentences_b[len(sentences_b) // 2:]),
                authors=a["authors"][:3] + b["authors"][-2:],
                published_at=a["publication_date"], upvotes=int(rng.integers(0, 200)),
            ))
            vecs[arxiv_id] = mixed[i]
        Paper.objects.upsert_records(recs)
        pks = Paper.objects.filter(arxiv_id__in=vecs).values_list("arxiv_id", "pk")
        now = timezone.now()
        PaperEmbedding.objects.bulk_create(
            [PaperEmbedding(paper_id=pk, model=model_key(), dim=384,
                            vector=vecs[aid].tobytes(), text_hash="", updated_at=now)
             for aid, pk in pks], batch_size=2_000)
    elapsed = time.perf_counter() - start
    print(f"generated {n} papers (upsert with full-text sync + vectors) in {elapsed:.1f} s "
          f"({n / elapsed:.0f} papers/s)")


def bench_latency(records: list[dict], n_queries: int) -> dict:
    from paperwire.papers.models import Paper
    from paperwire.search.embeddings import embed_query
    from paperwire.search.query import search
    from paperwire.search.vectors import vector_index

    index = vector_index()
    start = time.perf_counter()
    count = index.rebuild()
    print(f"HNSW index of {count} vectors built in {time.perf_counter() - start:.1f} s; "
          f"semantic search via {'HNSW' if index.uses_ann else 'exact scan'}")
    queries = _queries(records, n_queries)
    print(f"latency over {len(queries)} queries at {Paper.objects.count()} papers "
          "(10 results, snippets, query embedding included):")
    modes = {"query_embedding": _line("query embedding alone", _timed(embed_query, queries))}
    for mode in ("lexical", "semantic", "hybrid"):
        modes[mode] = _line(f"{mode} search()",
                            _timed(lambda q, m=mode: search(q, per_page=10, mode=m), queries))
    return {"papers": Paper.objects.count(), "queries": len(queries),
            "ann": index.uses_ann, "modes": modes}


# -- 5. one million vectors ------------------------------------------------------------

def bench_ann(records: list[dict], vectors: np.ndarray, total: int, n_queries: int) -> dict:
    import os

    from django.conf import settings
    from usearch.index import Index

    from paperwire.papers.models import Paper
    from paperwire.search.embeddings import embed_query
    from paperwire.search.vectors import HNSW

    rng = np.random.default_rng(SEED + 1)
    parents = rng.integers(len(records), size=(total, 3))
    start = time.perf_counter()
    data = np.empty((total, vectors.shape[1]), np.float32)
    for lo in range(0, total, 100_000):
        hi = min(total, lo + 100_000)
        data[lo:hi] = _mix(vectors, parents[lo:hi], (0.6, 0.3, 0.1), 0.3, rng)
    keys = np.arange(total, dtype=np.int64)
    cache = Path(os.environ.get("PAPERWIRE_BENCH_CACHE", "/tmp"))
    # Named by the real vectors it is grown from too: a cached graph of other vectors
    # would be scored against an exact scan of these.
    source = hashlib.sha1(vectors.tobytes()).hexdigest()[:12]
    path = cache / f"ann-{total}-{vectors.shape[1]}-{HNSW['connectivity']}-" \
                   f"{HNSW['expansion_add']}-s{SEED}-{source}.usearch"
    if not path.exists():
        build = Index(ndim=vectors.shape[1], metric="cos", dtype="f16",
                      connectivity=HNSW["connectivity"], expansion_add=HNSW["expansion_add"])
        t0 = time.perf_counter()
        build.add(keys, data, threads=os.cpu_count() or 1)
        print(f"built an HNSW index of {total} vectors in {time.perf_counter() - t0:.0f} s")
        build.save(str(path))
        del build
    index = Index.restore(str(path), view=True)
    print(f"{total} vectors ready in {time.perf_counter() - start:.0f} s "
          f"(index file {path.stat().st_size / 2**20:.0f} MiB, memory-mapped)")

    texts = _queries(records, n_queries)
    qvecs = np.stack([embed_query(t) for t in texts])
    # Exact top-10 by a chunked scan, for recall (and its own latency).
    best = np.full((len(qvecs), 10), -np.inf, np.float32)
    best_ids = np.zeros((len(qvecs), 10), np.int64)
    for lo in range(0, total, 200_000):
        scores = qvecs @ data[lo:lo + 200_000].T
        both = np.concatenate([best, scores], axis=1)
        both_ids = np.concatenate([best_ids, np.broadcast_to(
            np.arange(lo, lo + scores.shape[1]), scores.shape)], axis=1)
        top = np.argpartition(-both, 9, axis=1)[:, :10]
        best = np.take_along_axis(both, top, axis=1)
        best_ids = np.take_along_axis(both_ids, top, axis=1)
    exact_times = _timed(lambda q: np.argpartition(-(data @ q), 9)[:10], list(qvecs[:20]), 2)
    paper_ids = np.array(list(Paper.objects.values_list("pk", flat=True)))
    print(f"at {total} vectors:")
    report = {"vectors": total, "queries": len(qvecs), "configs": []}
    exact = _line("exact numpy scan", exact_times)
    report["exact_p50_ms"], report["exact_p95_ms"] = exact["p50_ms"], exact["p95_ms"]
    for expansion in (128, 256, 512, 1024, 1536, 2048):
        index.expansion_search = expansion
        found = [index.search(q, 10, threads=1).keys for q in qvecs]
        rec = statistics.mean(len(set(f.tolist()) & set(e.tolist())) / 10
                              for f, e in zip(found, best_ids, strict=True))
        times = _timed(lambda q: index.search(q, 10, threads=1), list(qvecs))
        line = _line(f"HNSW lookup, ef={expansion}, recall@10 {rec:.3f}", times)
        report["configs"].append({"name": f"HNSW ef={expansion}", "recall_at_10": round(rec, 4),
                                  **line})
    index.expansion_search = settings.SEARCH_ANN_EF

    def semantic(text: str) -> None:
        hits = index.search(embed_query(text), 10, threads=1)
        Paper.objects.in_bulk([int(paper_ids[k % len(paper_ids)]) for k in hits.keys])

    report["semantic_e2e"] = _line(f"semantic end to end (ef={settings.SEARCH_ANN_EF})",
                                   _timed(semantic, texts))
    return report


def run(papers: int, vectors: int, queries: int, embed_sample: int,
        json_path: str | None = None) -> None:
    if not in_child():
        rerun_in_fresh_database(["bench", "search", "--papers", str(papers), "--vectors",
                                 str(vectors), "--queries", str(queries), "--embed-sample",
                                 str(embed_sample), *(["--json", json_path] if json_path else [])])
        return
    from paperwire.benchmarks.search_quality import prepare
    from paperwire.search.embeddings import paper_text

    report: dict = {"params": {"papers": papers, "vectors": vectors, "queries": queries,
                               "embed_sample": embed_sample}}
    records = prepare()
    real = cached_embeddings([paper_text(r["title"], r["abstract"]) for r in records],
                             "real-papers")
    if embed_sample:
        from paperwire.search.embeddings import torch_installed

        report["cpu"] = cpu_description()
        report["embedding"] = bench_embedding(records, embed_sample)
        torch = None
        if torch_installed():
            import torch
        if torch is not None and torch.cuda.is_available():
            report["gpu_name"] = torch.cuda.get_device_name(0)
            # Enough abstracts for the GPU's rate to dwarf its start-up.
            report["embedding_gpu"] = bench_embedding(records, max(embed_sample, 20_000),
                                                      device="cuda")
        _swap_vectors(records, real)
    if papers > len(records):
        grow_corpus(records, real, papers)
    report["latency"] = bench_latency(records, queries)
    if vectors:
        report["ann"] = bench_ann(records, real, vectors, queries)
    write_json(json_path, "search", report)
