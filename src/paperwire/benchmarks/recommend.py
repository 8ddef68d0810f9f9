"""`paperwire bench recommend`: how good For you is, how one "not interested" moves it,
and how fast its page is. Runs in a child process on a fresh SQLite database.

1. **Quality**, over the 753 real papers (vectors cached between runs). A *topic* of
   the corpus is a group of keywords (TOPICS); its papers are those whose title or
   abstract holds one of them. Each simulated reader is interested in one or two
   topics. The featured days are split in time: on the earlier TRAIN_SHARE of them the
   reader upvotes some papers of their topics and marks a few others "not interested";
   For you is then asked for each later, held-out week, and precision@10 and nDCG@10
   (binary: a paper of the reader's topics is relevant) are averaged over readers and
   weeks. Two baselines are measured on the same readers and weeks:
   - trending: the site's trending order of the week (the same for everyone);
   - an arxiv-sanity-style SVM: tf-idf of title + abstract + authors (built here in
     numpy), a linear SVM per reader (C=0.01, balanced classes) with the upvoted papers
     as positives and every other training paper as a negative, as arxiv-sanity-lite
     trains per tag; scikit-learn's LinearSVC when installed, else a numpy one.
   For you is measured twice: from the signals alone, and with the reader also
   following their topics by name (a topic follow is a saved search; arxiv-sanity has
   no such thing, so the SVM gets the signals only).
   **Two halves**: the topics are split in two (every other one by name, fixed before
   any tuning; split_topics), and the readers with them: even-numbered readers take
   their interests from the *tuning* topics, odd-numbered ones from the *held-out*
   topics. For you's weights are chosen on the tuning half only; the held-out half's
   figures are the ones to quote, both are reported (and both together). Split by
   topic rather than by reader, so that the held-out readers want things the weights
   never saw. `--skip-speed` measures this part alone (a few minutes).
2. **"Not interested"**: for each reader and held-out week, the top pick of For you is
   marked not interested; its *near neighbours* are the week's papers with a cosine of
   at least NEAR with it (the NEIGHBOURS closest; also given for NEAR_LOOSE). The
   figure is the share of the neighbours in the list before that are gone from the
   next list, and the share of each list's 10 that are neighbours, before and after.
3. **Speed**: the For-you page (`GET /for-you`, rendered by Django's test client, so no
   network) and the ranking alone, on `papers` papers (the real ones plus generated
   ones, as `bench web` makes them) and `readers` readers, each with upvotes, marks
   and follows; p50 and p95 over `requests` requests by random readers, wall and
   CPU time (the machine may be shared). `--profile FILE` adds a pass under cProfile
   and writes its statistics to FILE.
"""

from __future__ import annotations

import json
import math
import os
import random
import re
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import pairwise

import numpy as np

from paperwire.benchmarks.common import median, write_json
from paperwire.benchmarks.fresh import in_child, rerun_in_fresh_database

K = 10
SEED = 7
TRAIN_SHARE = 0.6
UPVOTES_PER_READER = 8
NOT_INTERESTED_PER_READER = 3
# Near neighbours: a cosine of at least NEAR (the digests' PICK_MIN_SIMILARITY, about
# the closest 3% of paper pairs); the figure is also given at NEAR_LOOSE.
NEAR, NEAR_LOOSE, NEIGHBOURS = 0.6, 0.5, 10
# The readers are split in two halves by topic (split_topics): For you's weights are
# tuned on the first, and the second's figures are the ones to quote.
TUNING, HELD_OUT = "tuning", "held-out"
HALVES = (TUNING, HELD_OUT)
# Keyword groups: a paper is in a topic when its title or abstract holds one of them.
TOPICS = {
    "diffusion images": ["diffusion model", "text-to-image", "image generation"],
    "video": ["video generation", "video diffusion", "text-to-video"],
    "3d": ["3d generation", "text-to-3d", "gaussian splatting", "nerf"],
    "agents": ["agent", "tool use", "web navigation"],
    "code": ["code generation", "program synthesis", "coding"],
    "math reasoning": ["mathematical reasoning", "math problem", "gsm8k"],
    "long context": ["long context", "long-context", "context window"],
    "efficient inference": ["speculative decoding", "quantization", "kv cache"],
    "alignment": ["rlhf", "preference optimization", "human feedback", "dpo"],
    "multimodal": ["vision-language", "multimodal large language", "visual question"],
    "speech": ["speech", "audio", "text-to-speech"],
    "robotics": ["robot", "manipulation", "embodied"],
    "mixture of experts": ["mixture of experts", "mixture-of-experts", "moe"],
    "retrieval": ["retrieval-augmented", "retrieval augmented", "rag "],
}


# -- metrics -----------------------------------------------------------------------

def precision_at(ranked: list[int], relevant: set[int], k: int = K) -> float:
    return sum(pk in relevant for pk in ranked[:k]) / k


def ndcg_at(ranked: list[int], relevant: set[int], k: int = K) -> float:
    dcg = sum(1 / math.log2(i + 2) for i, pk in enumerate(ranked[:k]) if pk in relevant)
    ideal = sum(1 / math.log2(i + 2) for i in range(min(k, len(relevant))))
    return dcg / ideal if ideal else 0.0


# -- tf-idf and a linear SVM (the arxiv-sanity baseline) ------------------------------

_WORD = re.compile(r"[a-z][a-z0-9\-]+")


def tfidf(texts: list[str], max_features: int = 5_000) -> np.ndarray:
    """Rows of l2-normalised tf-idf over unigrams and bigrams (sublinear tf), as
    arxiv-sanity-lite's TfidfVectorizer settings, built with numpy."""
    docs = []
    for text in texts:
        words = _WORD.findall(text.lower())
        docs.append(Counter(words + [f"{a} {b}" for a, b in pairwise(words)]))
    df = Counter(term for doc in docs for term in doc)
    vocab = [t for t, n in df.most_common() if n >= 2][:max_features]
    index = {t: i for i, t in enumerate(vocab)}
    idf = np.array([math.log((1 + len(docs)) / (1 + df[t])) + 1 for t in vocab])
    matrix = np.zeros((len(docs), len(vocab)), dtype=np.float32)
    for row, doc in enumerate(docs):
        for term, count in doc.items():
            col = index.get(term)
            if col is not None:
                matrix[row, col] = (1 + math.log(count)) * idf[col]
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms > 0, norms, 1)


def train_svm(features: np.ndarray, positive_rows: list[int], train_rows: list[int]
              ) -> tuple[Callable[[np.ndarray], np.ndarray], str]:
    """A linear SVM trained on `train_rows` (positives vs the rest): its decision
    function, and which implementation it is."""
    positive = set(positive_rows)
    labels = np.array([1 if r in positive else 0 for r in train_rows])
    x = features[train_rows]
    try:
        from sklearn.svm import LinearSVC
    except ImportError:
        return _numpy_svm(x, labels), "numpy linear SVM"
    model = LinearSVC(C=0.01, class_weight="balanced", max_iter=10_000, tol=1e-6)
    model.fit(x, labels)
    return model.decision_function, "scikit-learn LinearSVC"


def _numpy_svm(x: np.ndarray, y: np.ndarray, c: float = 0.01, epochs: int = 200):
    """A balanced hinge-loss linear SVM by full-batch subgradient descent."""
    # float64 once: a float32 matrix times a float64 vector is converted on every step.
    x = np.asarray(x, dtype=np.float64)
    signs = np.where(y == 1, 1.0, -1.0)
    weights = np.where(y == 1, len(y) / (2 * max(1, y.sum())),
                       len(y) / (2 * max(1, len(y) - y.sum())))
    w, b = np.zeros(x.shape[1]), 0.0
    for step in range(1, epochs + 1):
        margin = signs * (x @ w + b)
        # The hinge's active rows by a 0/1 factor, not by indexing: x[active] would copy
        # the matrix on every step.
        pull = weights * signs * (margin < 1)
        grad_w = w - c * (pull @ x)
        grad_b = -c * pull.sum()
        rate = 1.0 / step
        w -= rate * grad_w
        b -= rate * grad_b
    return lambda test: test @ w + b


# -- quality ----------------------------------------------------------------------

def _topic_papers(papers: list) -> dict[str, set[int]]:
    found = {}
    for name, words in TOPICS.items():
        pks = {p.pk for p in papers if any(w in f"{p.title} {p.abstract}".lower()
                                           for w in words)}
        if len(pks) >= 15:
            found[name] = pks
    return found


def split_topics(names: list[str]) -> dict[str, list[str]]:
    """The topics of each half: every other one in name order, fixed before any tuning.
    A half is split by topics, not readers, so that the held-out half asks about
    interests the weights were never tuned on."""
    ordered = sorted(names)
    return {TUNING: ordered[0::2], HELD_OUT: ordered[1::2]}


@dataclass
class SimulatedReader:
    n: int
    half: str  # TUNING or HELD_OUT
    interests: list[str]
    relevant: set[int]
    liked: list  # papers upvoted on the training days
    rejected: list  # papers marked "not interested" on the training days


def simulated_readers(count: int, topics: dict[str, set[int]], train: list
                      ) -> list[SimulatedReader]:
    """Reader n is of the tuning half when n is even, of the held-out half when odd,
    interested in one or two topics of its half (the same readers on every run)."""
    rng = random.Random(SEED)
    halves = split_topics(list(topics))
    readers = []
    for n in range(count):
        half = TUNING if n % 2 == 0 else HELD_OUT
        interests = rng.sample(halves[half], min(len(halves[half]), rng.choice((1, 2))))
        relevant = set().union(*(topics[t] for t in interests))
        liked_pool = [p for p in train if p.pk in relevant]
        other_pool = [p for p in train if p.pk not in relevant]
        if len(liked_pool) < 3:
            continue
        liked = rng.sample(liked_pool, min(UPVOTES_PER_READER, len(liked_pool)))
        rejected = rng.sample(other_pool, NOT_INTERESTED_PER_READER)
        readers.append(SimulatedReader(n, half, interests, relevant, liked, rejected))
    return readers


@dataclass
class Corpus:
    """The real papers, their featured days split in time, and the held-out weeks."""

    papers: list
    days: list
    split: date
    train: list
    weeks: list[tuple[date, date]]
    by_week: dict
    topics: dict[str, set[int]]


def corpus() -> Corpus:
    """Store the 753 real papers and their (cached) vectors; split them as the bench
    does. Shared with anything tuning For you on the same readers and weeks."""
    from paperwire.benchmarks.fresh import cached_embeddings, load_real_papers, store_embeddings
    from paperwire.papers.models import Paper
    from paperwire.search.embeddings import paper_text

    records = load_real_papers()
    vectors = cached_embeddings([paper_text(r["title"], r["abstract"]) for r in records],
                                "real-papers")
    store_embeddings({r["id"]: v for r, v in zip(records, vectors, strict=True)})
    papers = list(Paper.objects.exclude(featured_on=None).order_by("featured_on", "pk"))
    days = sorted({p.featured_on for p in papers})
    split = days[int(len(days) * TRAIN_SHARE)]
    held_days = [d for d in days if d >= split]
    weeks = []
    start = held_days[0]
    while start <= held_days[-1]:
        weeks.append((start, start + timedelta(days=6)))
        start += timedelta(days=7)
    by_week = {w: [p for p in papers if w[0] <= p.featured_on <= w[1]] for w in weeks}
    weeks = [w for w in weeks if len(by_week[w]) >= 2 * K]
    return Corpus(papers, days, split, [p for p in papers if p.featured_on < split], weeks,
                  by_week, _topic_papers(papers))


def quality(readers: int) -> dict:
    from django.contrib.auth import get_user_model

    from paperwire.community.models import Vote
    from paperwire.papers.models import Paper
    from paperwire.reader.models import Follow, NotInterested
    from paperwire.reader.ranking import _vectors, for_you

    data = corpus()
    papers, weeks, by_week = data.papers, data.weeks, data.by_week
    row_of = {p.pk: i for i, p in enumerate(papers)}
    features = tfidf([f"{p.title} {p.abstract} {' '.join(p.author_names)}" for p in papers])
    vectors_by_pk = _vectors([p.pk for p in papers])
    train_rows = [row_of[p.pk] for p in data.train]

    users = get_user_model()
    systems = ("for you", "for you + topic", "trending", "svm")
    results = {half: {name: [] for name in systems} for half in HALVES}
    rejections = {half: [] for half in HALVES}
    svm_kind = ""
    trending_by_week = {w: list(Paper.objects.trending(reference=w[1], since=w[0])
                                .values_list("pk", flat=True)) for w in weeks}
    simulated = simulated_readers(readers, data.topics, data.train)
    for reader in simulated:
        user = users.objects.create(username=f"reader{reader.n}@bench.example")
        for paper in reader.liked:
            Vote.objects.set_vote(user, paper, True)
        for paper in reader.rejected:
            NotInterested.objects.set(user, paper, True)
        scored, rows = results[reader.half], rejections[reader.half]
        # One SVM per reader, as arxiv-sanity trains one per tag: its training papers
        # are the same for every held-out week.
        svm = None
        for week in weeks:
            test = by_week[week]
            wanted = reader.relevant & {p.pk for p in test}
            if not wanted:
                continue
            ranked = [pick.paper.pk for pick in
                      for_you(user, first=week[0], last=week[1], limit=K, record=False)]
            scored["for you"].append((precision_at(ranked, wanted), ndcg_at(ranked, wanted)))
            ranked = trending_by_week[week][:K]
            scored["trending"].append((precision_at(ranked, wanted), ndcg_at(ranked, wanted)))
            if svm is None:
                svm, svm_kind = train_svm(features, [row_of[p.pk] for p in reader.liked],
                                          train_rows)
            scores = svm(features[[row_of[p.pk] for p in test]])
            ranked = [test[i].pk for i in np.argsort(-scores, kind="stable")[:K]]
            scored["svm"].append((precision_at(ranked, wanted), ndcg_at(ranked, wanted)))
            rows.append(_one_rejection(user, week, test, vectors_by_pk))
        # The same reader, also following their topics by name (as a saved search).
        follows = [Follow.objects.add(user, "topic", name)[0] for name in reader.interests]
        for week in weeks:
            wanted = reader.relevant & {p.pk for p in by_week[week]}
            if wanted:
                ranked = [pick.paper.pk for pick in
                          for_you(user, first=week[0], last=week[1], limit=K, record=False)]
                scored["for you + topic"].append((precision_at(ranked, wanted),
                                                  ndcg_at(ranked, wanted)))
        Follow.objects.filter(pk__in=[f.pk for f in follows]).delete()
    halves = split_topics(list(data.topics))
    report = {
        "papers": len(papers), "featured_days": len(data.days), "held_out_weeks": len(weeks),
        "train_days": len([d for d in data.days if d < data.split]),
        "topics": sorted(data.topics), "halves": halves,
        "readers": {half: sum(r.half == half for r in simulated) for half in HALVES},
        "svm": svm_kind, "near": NEAR, "near_loose": NEAR_LOOSE,
    }
    for half in HALVES:
        kept = [r for r in rejections[half] if r is not None]
        report[half] = {
            "metrics": _metric_summary(results[half]),
            "not_interested": {name: _rejection_summary([r[name] for r in kept])
                               for name in ("near", "loose")}}
    every = [r for half in HALVES for r in rejections[half] if r is not None]
    report["all"] = {
        "metrics": _metric_summary({name: [row for half in HALVES for row in
                                           results[half][name]] for name in systems}),
        "not_interested": {name: _rejection_summary([r[name] for r in every])
                           for name in ("near", "loose")}}
    return report


def _metric_summary(results: dict[str, list]) -> dict:
    return {name: {"precision@10": float(np.mean([r[0] for r in rows])),
                   "ndcg@10": float(np.mean([r[1] for r in rows])), "lists": len(rows)}
            for name, rows in results.items() if rows}


def _rejection_summary(rows: list[dict]) -> dict:
    before = sum(r["before"] for r in rows)
    return {"lists": len(rows), "neighbours_in_list_before": before,
            "removed_share": sum(r["removed"] for r in rows) / before if before else None,
            "neighbour_share_before": float(np.mean([r["before"] / K for r in rows]))
            if rows else None,
            "neighbour_share_after": float(np.mean([r["after"] / K for r in rows]))
            if rows else None}


def _one_rejection(user, week, test, vectors_by_pk) -> dict | None:
    """Mark For you's top pick not interested; count its near neighbours in the list
    before and after; then take the mark back."""
    from paperwire.reader.models import NotInterested
    from paperwire.reader.ranking import for_you

    before = [p.paper.pk for p in for_you(user, first=week[0], last=week[1], limit=K,
                                          record=False)]
    if not before or before[0] not in vectors_by_pk:
        return None
    rejected = before[0]
    others = [p.pk for p in test if p.pk != rejected and p.pk in vectors_by_pk]
    sims = np.array([float(vectors_by_pk[pk] @ vectors_by_pk[rejected]) for pk in others])
    order = np.argsort(-sims)[:NEIGHBOURS]
    rejected_paper = next(p for p in test if p.pk == rejected)
    NotInterested.objects.set(user, rejected_paper, True)
    after = [p.paper.pk for p in for_you(user, first=week[0], last=week[1], limit=K,
                                         record=False)]
    NotInterested.objects.set(user, rejected_paper, False)
    counts = {}
    for name, threshold in (("near", NEAR), ("loose", NEAR_LOOSE)):
        near = {others[i] for i in order if sims[i] >= threshold}
        in_before = near & set(before)
        counts[name] = {"before": len(in_before), "after": len(near & set(after)),
                        "removed": len(in_before - set(after))}
    return counts


# -- speed ------------------------------------------------------------------------

def speed(papers: int, readers: int, requests: int, profile: str | None = None) -> dict:
    from django.contrib.auth import get_user_model

    from paperwire.papers.models import Paper

    report = speed_data(papers, readers)
    users = get_user_model()
    reader_ids = list(users.objects.values_list("pk", flat=True))
    sample = random.Random(SEED).sample(reader_ids, min(requests, len(reader_ids)))
    report.update(time_for_you([users.objects.get(pk=pk) for pk in sample], profile))
    report["papers"] = Paper.objects.count()
    return report


# The real papers are ~8 a featured day; the site features ~50. Generated papers are
# moved onto the newest days until each holds this many, so the window For you ranks is
# the size a real one is.
PAPERS_PER_RECENT_DAY = 50


def _fill_recent_days(newest: date | None, days: int = 7) -> None:
    """Feature generated papers (the newest-featured first) on each of the `days` days
    up to the newest featured day, until each holds PAPERS_PER_RECENT_DAY."""
    from django.utils import timezone

    from paperwire.papers.models import Paper

    if newest is None:
        return
    spare = iter(Paper.objects.filter(featured_on__lt=newest - timedelta(days=days + 1),
                                      arxiv_id__lt="2312")  # generated ids: 18xx-22xx
                 .order_by("-featured_on", "pk").values_list("pk", flat=True)
                 [:PAPERS_PER_RECENT_DAY * days])
    for back in range(days):
        day = newest - timedelta(days=back)
        missing = PAPERS_PER_RECENT_DAY - Paper.objects.filter(featured_on=day).count()
        moved = [pk for _, pk in zip(range(max(0, missing)), spare, strict=False)]
        Paper.objects.filter(pk__in=moved).update(featured_on=day, modified_at=timezone.now())


def speed_data(papers: int, readers: int) -> dict:
    """Bring the database to `papers` papers (the real ones plus generated ones, as
    `bench web` makes them) and `readers` readers with upvotes, marks and follows."""
    from django.contrib.auth import get_user_model

    from paperwire.benchmarks.web import _generate
    from paperwire.community.models import Vote
    from paperwire.papers.models import Paper
    from paperwire.reader.models import Follow, NotInterested
    from paperwire.reader.ranking import _vectors

    generated = max(0, papers - Paper.objects.count())
    stored_in = 0.0
    if generated:
        # As `bench web` makes them: each mixes two real papers (text and vector).
        real = list(Paper.objects.order_by("pk"))
        by_pk = _vectors([p.pk for p in real])
        real = [p for p in real if p.pk in by_pk]
        records = [{"title": p.title, "abstract": p.abstract, "authors": p.author_names}
                   for p in real]
        vectors = np.stack([by_pk[p.pk] for p in real])
        first_real = min(p.featured_on for p in real if p.featured_on)
        start = time.perf_counter()
        _generate(records, vectors, generated, first_real)
        _fill_recent_days(Paper.objects.latest_featured_day())
        stored_in = time.perf_counter() - start
    rng = random.Random(SEED)
    users = get_user_model()
    start = time.perf_counter()
    existing = users.objects.count()
    users.objects.bulk_create([users(username=f"speed{n}@bench.example", password="!")
                               for n in range(max(0, readers - existing))], batch_size=2_000)
    reader_ids = list(users.objects.values_list("pk", flat=True))
    newest = Paper.objects.latest_featured_day()
    recent = list(Paper.objects.filter(featured_on__gte=newest - timedelta(days=30))
                  .values_list("pk", flat=True))
    any_ids = list(Paper.objects.values_list("pk", flat=True)[:50_000])
    authors = [names[0] for names in Paper.objects.filter(pk__in=recent[:2000])
               .values_list("author_names", flat=True) if names]
    votes, marks, follows = [], [], []
    for uid in reader_ids:
        for pk in set(rng.sample(any_ids, 15) + rng.sample(recent, 5)):
            votes.append(Vote(user_id=uid, paper_id=pk))
        for pk in set(rng.sample(recent, 3)):
            marks.append(NotInterested(user_id=uid, paper_id=pk))
        follows.append(Follow(user_id=uid, kind="author", value=rng.choice(authors)))
        follows.append(Follow(user_id=uid, kind="category", value="cs.CL"))
    Vote.objects.bulk_create(votes, batch_size=5_000, ignore_conflicts=True)
    NotInterested.objects.bulk_create(marks, batch_size=5_000, ignore_conflicts=True)
    Follow.objects.bulk_create(follows, batch_size=5_000, ignore_conflicts=True)
    return {"readers": len(reader_ids), "votes": Vote.objects.count(),
            "candidates_7_days": Paper.objects.featured_between(newest - timedelta(days=6),
                                                                newest).count(),
            "generated_stored_s": round(stored_in, 1),
            "signals_stored_s": round(time.perf_counter() - start, 1)}


def time_for_you(sample: list, profile: str | None = None) -> dict:
    """The ranking alone, then the whole page (Django's test client: no network), for
    each reader of `sample`; wall and CPU time. With `profile`, the pages' cProfile
    statistics are written there (pstats)."""
    import cProfile

    from django.test import Client

    from paperwire.reader.ranking import for_you

    # One client, as a server process is one: a new client loads the middleware again
    # (WhiteNoise reads every static file's headers), which no request of a running
    # server pays.
    client = Client(SERVER_NAME="localhost")  # a host ALLOWED_HOSTS holds
    # Wall time, and this process's CPU time: on a loaded machine the wall time is
    # mostly waiting for a core, which the CPU time leaves out.
    ranking, page, ranking_cpu, page_cpu = [], [], [], []
    for user in sample[:5]:  # warm: templates, caches, the ORM's first queries
        for_you(user, limit=20, record=False)
        client.force_login(user)
        client.get("/for-you?days=7")
    for user in sample:
        start, cpu = time.perf_counter(), time.process_time()
        for_you(user, days=7, limit=20, record=False)
        ranking.append(time.perf_counter() - start)
        ranking_cpu.append(time.process_time() - cpu)
    for user in sample:
        client.force_login(user)
        start, cpu = time.perf_counter(), time.process_time()
        response = client.get("/for-you?days=7")
        page.append(time.perf_counter() - start)
        page_cpu.append(time.process_time() - cpu)
        assert response.status_code == 200, response.status_code
    if profile:
        # A pass of its own: the profiler's cost stays out of the timings.
        profiler = cProfile.Profile()
        for user in sample:
            client.force_login(user)
            profiler.enable()
            client.get("/for-you?days=7")
            profiler.disable()
        profiler.dump_stats(profile)
    return {
        "requests": len(sample),
        "ranking_ms": {"p50": 1000 * median(ranking),
                       "p95": 1000 * float(np.percentile(ranking, 95))},
        "page_ms": {"p50": 1000 * median(page), "p95": 1000 * float(np.percentile(page, 95))},
        "ranking_cpu_ms_p50": 1000 * median(ranking_cpu),
        "page_cpu_ms_p50": 1000 * median(page_cpu),
    }


def run(readers: int, papers: int, speed_readers: int, requests: int,
        json_path: str | None, skip_speed: bool = False, profile: str | None = None) -> None:
    if not in_child():
        args = ["bench", "recommend", "--readers", str(readers), "--papers", str(papers),
                "--speed-readers", str(speed_readers), "--requests", str(requests)]
        args += ["--skip-speed"] if skip_speed else []
        args += ["--profile", os.path.abspath(profile)] if profile else []
        # The page as `paperwire serve`'s web processes run it: one OpenBLAS thread.
        os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
        rerun_in_fresh_database(args + (["--json", json_path] if json_path else []))
        return
    import platform

    start = time.perf_counter()
    report = {"quality": quality(readers)}
    report["quality"]["seconds"] = round(time.perf_counter() - start, 1)
    _print_quality(report["quality"])
    if not skip_speed:
        start = time.perf_counter()
        report["speed"] = speed(papers, speed_readers, requests, profile)
        report["speed"]["seconds"] = round(time.perf_counter() - start, 1)
        _print_speed(report["speed"])
    report["machine"] = {"cpus": os.cpu_count(), "python": platform.python_version(),
                         "load_average": os.getloadavg()}
    print(f"load average during the run: {report['machine']['load_average']}")
    # Through JSON and back first: any value JSON has no type for becomes its text.
    write_json(json_path, "recommend", {
        "params": {"readers": readers, "papers": papers, "speed_readers": speed_readers,
                   "requests": requests, "skip_speed": skip_speed},
        **json.loads(json.dumps(report, default=str))})


def _print_quality(q: dict) -> None:
    print(f"quality: {sum(q['readers'].values())} simulated readers, {len(q['topics'])} "
          f"topics, {q['papers']} papers; signals on {q['train_days']} earlier featured "
          f"days, {q['held_out_weeks']} held-out weeks; SVM: {q['svm']}")
    for half in (*HALVES, "all"):
        readers = q["readers"].get(half, sum(q["readers"].values()))
        topics = ", ".join(q["halves"][half]) if half in q["halves"] else "every topic"
        print(f"{half} half ({readers} readers; {topics}):" if half != "all"
              else f"both halves ({readers} readers):")
        print(f"  {'':16} {'P@10':>6} {'nDCG@10':>8} {'lists':>6}")
        for name, m in q[half]["metrics"].items():
            print(f"  {name:16} {m['precision@10']:6.3f} {m['ndcg@10']:8.3f} {m['lists']:6}")
        for name, threshold in (("near", q["near"]), ("loose", q["near_loose"])):
            ni = q[half]["not_interested"][name]
            if ni["removed_share"] is None:
                continue
            print(f"  one 'not interested' (neighbours: cosine >= {threshold}): "
                  f"{ni['removed_share']:.0%} of its near neighbours in the list leave the "
                  f"next one ({ni['neighbours_in_list_before']} over {ni['lists']} lists); "
                  f"neighbours in the top 10: {ni['neighbour_share_before']:.0%} before, "
                  f"{ni['neighbour_share_after']:.0%} after")


def _print_speed(s: dict) -> None:
    print(f"speed: {s['papers']:,} papers, {s['readers']:,} readers, "
          f"{s['candidates_7_days']} papers in the last 7 featured days; "
          f"For-you page p50 {s['page_ms']['p50']:.1f} ms (p95 {s['page_ms']['p95']:.1f}; CPU "
          f"p50 {s['page_cpu_ms_p50']:.1f}), ranking alone p50 {s['ranking_ms']['p50']:.1f} "
          f"ms (CPU {s['ranking_cpu_ms_p50']:.1f}) over {s['requests']} requests")
