"""`paperwire bench search-quality`: lexical, semantic and hybrid on the judged query set.

The queries (search_queries.json, beside this file) were written by hand over the 753
real papers: known-item paraphrases that avoid the target title's content words, and
topical queries with every relevant paper graded 2 (about it) or 1 (partly). Metrics at
10: nDCG (gain 2^grade - 1), Recall (grade >= 1) and MRR (first paper of grade >= 1).

What `search()` adds to the two retrievers (real matches only, exact rescoring with
passages, search.query and search.passages) has settings chosen on judged queries, so
the set is split once, by id, before any of them was tuned: queries with an odd number
(k01, k03, ..., t01, ...) are the tuning half, the even ones are held out. The grids run
on the tuning half only; the held-out half is reported beside the whole set.
"""

from __future__ import annotations

import json
import math
import time
from importlib import resources

import numpy as np

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


def is_held_out(query: dict) -> bool:
    """The held-out half: an even query number (k02, t02, ...)."""
    return int(query["id"][1:]) % 2 == 0


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


def prepare(passages: bool = False) -> list[dict]:
    """Fresh database with the real papers, their (cached) vectors, and their passages'
    vectors when asked."""
    from paperwire.search.embeddings import paper_text
    from paperwire.search.models import PaperEmbedding
    from paperwire.search.passages import passage_texts, to_bytes

    records = load_real_papers()
    vectors = cached_embeddings([paper_text(r["title"], r["abstract"]) for r in records],
                                "real-papers")
    store_embeddings({r["id"]: v for r, v in zip(records, vectors, strict=True)})
    if not passages:
        return records
    pieces = [passage_texts(r["title"], r["abstract"]) for r in records]
    flat = cached_embeddings([p for ps in pieces for p in ps], "real-passages")
    bounds = np.cumsum([0] + [len(ps) for ps in pieces])
    by_arxiv = {r["id"]: to_bytes(flat[lo:hi])
                for r, lo, hi in zip(records, bounds, bounds[1:], strict=False)}
    rows = list(PaperEmbedding.objects.select_related("paper"))
    for row in rows:
        row.passages = by_arxiv[row.paper.arxiv_id]
    PaperEmbedding.objects.bulk_update(rows, ["passages"], batch_size=500)
    return records


def ranker_for(mode: str, *, rescore: bool = True, **fusion):
    from django.test import override_settings

    from paperwire.papers.models import Paper
    from paperwire.search.query import retrieve

    arxiv = dict(Paper.objects.values_list("pk", "arxiv_id"))

    def rank(query: str) -> list[str]:
        with override_settings(**fusion):
            fused, _, _ = retrieve(query, mode=mode, depth=100, rescore=rescore)
        return [arxiv[pk] for pk, _ in fused]

    return rank


# The behaviour before real matches and rescoring: every candidate counted.
BEFORE = {"rescore": False, "SEARCH_MIN_SIMILARITY": -1.0, "SEARCH_MIN_LEXICAL": 0.0}
NO_MATCH = ["zzzqqq", "asdf qwerty", "recipe for chocolate cake"]
TOPIC = "mechanistic interpretability"


def _counts(queries: list[dict], ranker) -> dict[str, float]:
    """How many results topical queries return, and the share of their relevant papers
    among them (every relevant paper, not only the first 10)."""
    sizes, kept = [], []
    for q in queries:
        if q["kind"] != "topical":
            continue
        ranked = ranker(q["query"])
        sizes.append(len(ranked))
        kept.append(recall(ranked, q["relevant"], k=len(ranked) or 1))
    return {"mean_results": sum(sizes) / len(sizes), "relevant_kept": sum(kept) / len(kept)}


def _with_passage_weight(weight: float, fn):
    from paperwire.search import passages

    saved = passages.PASSAGE_WEIGHT
    passages.PASSAGE_WEIGHT = weight
    try:
        return fn()
    finally:
        passages.PASSAGE_WEIGHT = saved


def _title_repeated(queries: list[dict]) -> dict[str, float]:
    """Hybrid nDCG@10 with the title written twice into the full-text title column."""
    from django.db import connection

    from paperwire.search import lexical

    table = "search_paperfts_title2"
    lexical.index_pending()
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE VIRTUAL TABLE IF NOT EXISTS {table} USING fts5(title, "
                       "abstract, tokenize='porter unicode61 remove_diacritics 2')")
        cursor.execute(f"INSERT INTO {table}({table}, rank) "
                       f"VALUES ('rank', 'bm25({lexical.TITLE_WEIGHT}, 1.0)')")
        cursor.execute(f"INSERT INTO {table}(rowid, title, abstract) "
                       "SELECT id, title || ' ' || title, abstract FROM papers_paper")
    saved = lexical.FTS_TABLE
    lexical.FTS_TABLE = table
    try:
        return _by_split(queries, ranker_for("hybrid"))
    finally:
        lexical.FTS_TABLE = saved


def _by_split(queries: list[dict], ranker) -> dict[str, float]:
    tune = [q for q in queries if not is_held_out(q)]
    held = [q for q in queries if is_held_out(q)]
    return {name: round(evaluate(part, ranker)["all"]["ndcg@10"], 4)
            for name, part in (("tuning", tune), ("held_out", held), ("all", queries))}


def _embedding_cost(records: list[dict], sample: int = 128) -> dict[str, float]:
    """Papers/s embedding whole texts, and their passages, the same papers in one run."""
    from paperwire.search.embeddings import embed_texts, paper_text
    from paperwire.search.passages import passage_texts

    chosen = records[:sample]
    whole = [paper_text(r["title"], r["abstract"]) for r in chosen]
    pieces = [p for r in chosen for p in passage_texts(r["title"], r["abstract"])]
    embed_texts(whole[:16])
    times = {}
    for name, texts in (("whole", whole), ("passages", pieces)):
        start = time.perf_counter()
        embed_texts(texts)
        times[name] = time.perf_counter() - start
    return {"papers": sample, "passages_per_paper": round(len(pieces) / sample, 2),
            "whole_papers_per_s": round(sample / times["whole"], 1),
            "passages_papers_per_s": round(sample / times["passages"], 1),
            "passage_cost_ratio": round(times["passages"] / times["whole"], 2)}


def run(as_json: bool = False) -> None:
    if not in_child():
        rerun_in_fresh_database(["bench", "search-quality", *(["--json"] if as_json else [])])
        return
    from django.conf import settings

    records = prepare(passages=True)
    queries = load_queries()
    tune = [q for q in queries if not is_held_out(q)]
    titles = {r["id"]: r["title"] for r in records}
    overlaps = {q["id"]: sorted(title_overlap(q["query"], titles[next(iter(q["relevant"]))]))
                for q in queries if q["kind"] == "known-item"}
    overlaps = {k: v for k, v in overlaps.items() if v}

    report = {mode: evaluate(queries, ranker_for(mode))
              for mode in ("lexical", "semantic", "hybrid")}
    # What each step adds, on each half: before (every candidate counted, the
    # retrievers' scores), real matches only, exact rescoring by the whole abstract,
    # and with passages (the default).
    steps = {
        "before": _by_split(queries, ranker_for("hybrid", **BEFORE)),
        "real matches": _by_split(queries, ranker_for("hybrid", rescore=False)),
        "rescored, whole abstract": _by_split(
            queries, ranker_for("hybrid", SEARCH_PASSAGES=False)),
        "rescored, with passages": _by_split(
            queries, ranker_for("hybrid", SEARCH_PASSAGES=True)),
    }
    semantic_steps = {
        "before": _by_split(queries, ranker_for("semantic", **BEFORE)),
        "with passages": _by_split(queries, ranker_for("semantic", SEARCH_PASSAGES=True)),
    }
    steps["title repeated in the lexical field"] = _title_repeated(queries)
    # The grids, on the tuning half only.
    grid = {}
    for k in (10, 60):
        res = evaluate(tune, ranker_for("hybrid", SEARCH_FUSION="rrf", SEARCH_RRF_K=k,
                                        SEARCH_LEXICAL_WEIGHT=1.0,
                                        SEARCH_SEMANTIC_WEIGHT=1.0))
        grid[f"rrf k={k}"] = round(res["all"]["ndcg@10"], 4)
    for w_lex, w_sem in ((1.0, 1.0), (1.0, 0.5), (1.0, 0.75), (0.75, 1.0)):
        res = evaluate(tune, ranker_for("hybrid", SEARCH_FUSION="convex",
                                        SEARCH_LEXICAL_WEIGHT=w_lex,
                                        SEARCH_SEMANTIC_WEIGHT=w_sem))
        grid[f"convex lex={w_lex} sem={w_sem}"] = round(res["all"]["ndcg@10"], 4)
    for weight in (0.0, 0.25, 0.5, 0.75, 1.0):
        res = _with_passage_weight(weight, lambda: evaluate(
            tune, ranker_for("hybrid", SEARCH_PASSAGES=True)))
        grid[f"passage weight {weight}"] = round(res["all"]["ndcg@10"], 4)
    floors = {}
    for similarity in (0.25, 0.3, 0.35, 0.4):
        for share in (0.3, 0.4, 0.5, 0.6):
            fusion = {"SEARCH_MIN_SIMILARITY": similarity, "SEARCH_MIN_LEXICAL": share}
            ranker = ranker_for("hybrid", **fusion)
            floors[f"similarity {similarity}, lexical {share}"] = {
                "ndcg@10": round(evaluate(tune, ranker)["all"]["ndcg@10"], 4),
                **{k: round(v, 3) for k, v in _counts(tune, ranker).items()},
                "no-match results": sum(len(ranker(q)) for q in NO_MATCH)}
    hybrid = ranker_for("hybrid")
    before = ranker_for("hybrid", **BEFORE)
    matches = {q: {"before": len(before(q)), "now": len(hybrid(q))} for q in NO_MATCH + [TOPIC]}
    counts = {"before": _counts(queries, before), "now": _counts(queries, hybrid)}
    cost = _embedding_cost(records)
    result = {"metrics": report, "steps": steps, "semantic_steps": semantic_steps,
              "fusion_grid_tuning": grid, "floors_tuning": floors, "matches": matches,
              "topical_counts": counts, "topic_results": [
                  titles[a] for a in hybrid(TOPIC)], "passage_cost": cost,
              "title_overlaps": overlaps}
    if as_json:
        print(json.dumps(result, indent=2))
        return
    print(f"judged queries: {len(queries)} "
          f"({sum(q['kind'] == 'known-item' for q in queries)} known-item, "
          f"{sum(q['kind'] == 'topical' for q in queries)} topical) over {len(records)} papers; "
          f"tuning half {len(tune)}, held out {len(queries) - len(tune)}")
    print(f"fusion: {settings.SEARCH_FUSION} (RRF k={settings.SEARCH_RRF_K}), weights lexical "
          f"{settings.SEARCH_LEXICAL_WEIGHT} / semantic {settings.SEARCH_SEMANTIC_WEIGHT}; "
          f"real matches from similarity {settings.SEARCH_MIN_SIMILARITY} or "
          f"{settings.SEARCH_MIN_LEXICAL} of the best word score; passages "
          f"{'on' if settings.SEARCH_PASSAGES else 'off'}")
    print(f"{'':10} {'subset':11} {'nDCG@10':>8} {'R@10':>7} {'MRR@10':>7} {'top-3':>6}")
    for mode, by_kind in report.items():
        for kind in ("all", "known-item", "topical"):
            m = by_kind[kind]
            print(f"{mode:10} {kind:11} {m['ndcg@10']:8.3f} {m['recall@10']:7.3f} "
                  f"{m['mrr@10']:7.3f} {m['top3']:6.2f}")
    for title, rows in (("hybrid", steps), ("semantic", semantic_steps)):
        print(f"{title} nDCG@10 step by step (tuning / held out / all):")
        for name, v in rows.items():
            print(f"  {name:38} {v['tuning']:.4f} / {v['held_out']:.4f} / {v['all']:.4f}")
    print("tuning half, hybrid nDCG@10 by setting:")
    for name, value in grid.items():
        print(f"  {name:28} {value:.4f}")
    print("tuning half, real-match floors: nDCG@10, mean topical results, relevant kept, "
          f"results for {NO_MATCH}:")
    for name, v in floors.items():
        print(f"  {name:28} {v['ndcg@10']:.4f} {v['mean_results']:6.1f} "
              f"{v['relevant_kept']:.3f} {v['no-match results']}")
    print(f"results before -> now: {matches}")
    print(f"topical queries, all 45: {counts}")
    print(f"'{TOPIC}' now finds: {result['topic_results']}")
    print(f"passage embedding cost: {cost}")
    if overlaps:
        print(f"known-item queries sharing a stemmed title word: {overlaps}")
