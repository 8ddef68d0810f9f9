"""`paperwire bench search-quality`: lexical, semantic and hybrid on the judged query set.

The queries (search_queries.json, beside this file) were written by hand over the 753
real papers: known-item paraphrases that avoid the target title's content words, and
topical queries with every relevant paper graded 2 (about it) or 1 (partly). Metrics at
10: nDCG (gain 2^grade - 1), Recall (grade >= 1) and MRR (first paper of grade >= 1).
"""

from __future__ import annotations

import json
import math
from importlib import resources

from paperwire.benchmarks.fresh import (
    cached_embeddings,
    in_child,
    load_real_papers,
    rerun_in_fresh_database,
    store_embeddings,
)

K = 10


def load_queries() -> list[dict]:
    text = resources.files("paperwire.benchmarks").joinpath("search_queries.json").read_text()
    return json.loads(text)["queries"]


def ndcg(ranked: list[str], relevant: dict[str, int], k: int = K) -> float:
    dcg = sum((2 ** relevant.get(pid, 0) - 1) / math.log2(i + 2)
              for i, pid in enumerate(ranked[:k]))
    ideal = sorted(relevant.values(), reverse=True)[:k]
    idcg = sum((2 ** g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def recall(ranked: list[str], relevant: dict[str, int], k: int = K) -> float:
    wanted = {pid for pid, g in relevant.items() if g > 0}
    return len(wanted & set(ranked[:k])) / len(wanted) if wanted else 0.0


def mrr(ranked: list[str], relevant: dict[str, int], k: int = K) -> float:
    for i, pid in enumerate(ranked[:k]):
        if relevant.get(pid, 0) > 0:
            return 1.0 / (i + 1)
    return 0.0


def title_overlap(query: str, title: str) -> set[str]:
    """Content words a known-item query shares with its target title (should be none)."""
    from paperwire.search.lexical import query_terms
    from paperwire.search.snippets import stem

    return {stem(t) for t in query_terms(query)} & {stem(t) for t in query_terms(title)}


def evaluate(queries: list[dict], ranker) -> dict[str, dict[str, float]]:
    """Mean metrics by query kind and overall; `ranker(query) -> [arxiv ids]`."""
    rows: dict[str, list[tuple[float, float, float, int]]] = {}
    for q in queries:
        ranked = ranker(q["query"])
        found_top3 = int(any(q["relevant"].get(pid, 0) for pid in ranked[:3]))
        metrics = (ndcg(ranked, q["relevant"]), recall(ranked, q["relevant"]),
                   mrr(ranked, q["relevant"]), found_top3)
        rows.setdefault(q["kind"], []).append(metrics)
        rows.setdefault("all", []).append(metrics)
    return {kind: {"ndcg@10": sum(r[0] for r in v) / len(v),
                   "recall@10": sum(r[1] for r in v) / len(v),
                   "mrr@10": sum(r[2] for r in v) / len(v),
                   "top3": sum(r[3] for r in v) / len(v), "n": len(v)}
            for kind, v in rows.items()}


def prepare() -> list[dict]:
    """Fresh database with the real papers and their (cached) vectors."""
    from paperwire.search.embeddings import paper_text

    records = load_real_papers()
    vectors = cached_embeddings([paper_text(r["title"], r["abstract"]) for r in records],
                                "real-papers")
    store_embeddings({r["id"]: v for r, v in zip(records, vectors, strict=True)})
    return records


def ranker_for(mode: str, **fusion):
    from django.test import override_settings

    from paperwire.papers.models import Paper
    from paperwire.search.query import retrieve

    arxiv = dict(Paper.objects.values_list("pk", "arxiv_id"))

    def rank(query: str) -> list[str]:
        with override_settings(**fusion):
            fused, _, _ = retrieve(query, mode=mode, depth=100)
        return [arxiv[pk] for pk, _ in fused[:K]]

    return rank


def run(as_json: bool = False) -> None:
    if not in_child():
        rerun_in_fresh_database(["bench", "search-quality", *(["--json"] if as_json else [])])
        return
    from django.conf import settings

    records = prepare()
    queries = load_queries()
    titles = {r["id"]: r["title"] for r in records}
    overlaps = {q["id"]: sorted(title_overlap(q["query"], titles[next(iter(q["relevant"]))]))
                for q in queries if q["kind"] == "known-item"}
    overlaps = {k: v for k, v in overlaps.items() if v}

    report = {mode: evaluate(queries, ranker_for(mode))
              for mode in ("lexical", "semantic", "hybrid")}
    # How the fusion settings move hybrid nDCG@10 (the defaults are chosen from this).
    grid = {}
    for k in (10, 60):
        res = evaluate(queries, ranker_for("hybrid", SEARCH_FUSION="rrf", SEARCH_RRF_K=k,
                                           SEARCH_LEXICAL_WEIGHT=1.0,
                                           SEARCH_SEMANTIC_WEIGHT=1.0))
        grid[f"rrf k={k}"] = round(res["all"]["ndcg@10"], 4)
    for w_lex, w_sem in ((1.0, 1.0), (1.0, 0.5), (1.0, 0.75), (0.75, 1.0)):
        res = evaluate(queries, ranker_for("hybrid", SEARCH_FUSION="convex",
                                           SEARCH_LEXICAL_WEIGHT=w_lex,
                                           SEARCH_SEMANTIC_WEIGHT=w_sem))
        grid[f"convex lex={w_lex} sem={w_sem}"] = round(res["all"]["ndcg@10"], 4)
    if as_json:
        print(json.dumps({"metrics": report, "fusion_grid": grid,
                          "title_overlaps": overlaps}, indent=2))
        return
    print(f"judged queries: {len(queries)} "
          f"({sum(q['kind'] == 'known-item' for q in queries)} known-item, "
          f"{sum(q['kind'] == 'topical' for q in queries)} topical) over {len(records)} papers")
    print(f"fusion: {settings.SEARCH_FUSION} (RRF k={settings.SEARCH_RRF_K}), weights lexical "
          f"{settings.SEARCH_LEXICAL_WEIGHT} / semantic {settings.SEARCH_SEMANTIC_WEIGHT}")
    print(f"{'':10} {'subset':11} {'nDCG@10':>8} {'R@10':>7} {'MRR@10':>7} {'top-3':>6}")
    for mode, by_kind in report.items():
        for kind in ("all", "known-item", "topical"):
            m = by_kind[kind]
            print(f"{mode:10} {kind:11} {m['ndcg@10']:8.3f} {m['recall@10']:7.3f} "
                  f"{m['mrr@10']:7.3f} {m['top3']:6.2f}")
    print("hybrid nDCG@10 by fusion setting:")
    for name, value in grid.items():
        print(f"  {name:28} {value:.4f}")
    if overlaps:
        print(f"known-item queries sharing a stemmed title word: {overlaps}")
