"""The one search function the site, the API and the CLI call.

`search()` runs the lexical retriever (FTS5 / tsvector) and the semantic retriever
(sentence vectors) with the filters applied inside each, fuses them (by default a convex
combination of min-max normalised scores, which beat reciprocal-rank fusion on the
judged query set; `PAPERWIRE_SEARCH_FUSION=rrf` selects RRF), keeps only the real
matches, then sorts, pages and builds snippets.

A real match holds every word of the query, or holds some of them with a word score of
at least PAPERWIRE_SEARCH_MIN_LEXICAL times the best paper's, or has a cosine similarity
of at least PAPERWIRE_SEARCH_MIN_SIMILARITY: every paper has *some* nearest neighbour, so a
query about nothing the site holds ("zzzqqq") would otherwise list the least unlike
papers, and the count shown would be the retrievers' depth, not what matched.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import date, datetime, time
from time import monotonic

import numpy as np
from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from paperwire.metrics.instruments import SEARCH_SECONDS
from paperwire.papers.models import CARD_RELATIONS, Paper
from paperwire.search.embeddings import embed_query_soon, model_key
from paperwire.search.lexical import lexical_search, query_terms, with_every_term
from paperwire.search.passages import similarities
from paperwire.search.snippets import highlight, snippet
from paperwire.search.vectors import vector_index

SORTS = ("relevance", "date", "upvotes")
MODES = ("hybrid", "lexical", "semantic")
MIN_CANDIDATES = 100  # each retriever's depth before fusion
MAX_PER_PAGE = 120  # the API's search limit, as the Hub's
MAX_CANDIDATES = 1_000  # deepest page reachable: MAX_CANDIDATES / per_page
SEMANTIC_FLOOR = 0.15  # cosine below which a neighbour is not even a candidate
_ranked_lock = threading.Lock()  # guards the two caches below


@dataclass
class SearchFilters:
    date_from: date | None = None
    date_to: date | None = None
    category: str | None = None  # an arXiv category, e.g. cs.CL
    author: str | None = None  # an author's exact name (any case)
    organisation: str | None = None  # an organisation's name or slug
    has_code: bool | None = None
    keyword: str | None = None  # one of the keywords noted for a paper (search.PaperNotes)

    def is_empty(self) -> bool:
        return all(v in (None, "") for v in vars(self).values())

    def queryset(self) -> QuerySet[Paper]:
        qs = Paper.objects.visible()
        tz = timezone.get_current_timezone()
        if self.date_from:
            qs = qs.filter(published_at__gte=datetime.combine(self.date_from, time.min, tz))
        if self.date_to:
            qs = qs.filter(published_at__lte=datetime.combine(self.date_to, time.max, tz))
        if self.category:
            c = self.category.strip()
            qs = qs.filter(Q(categories=c) | Q(categories__startswith=c + " ")
                           | Q(categories__endswith=" " + c) | Q(categories__contains=f" {c} "))
        if self.author:
            qs = qs.filter(pk__in=Paper.authors.through.objects
                           .filter(author__name__iexact=self.author.strip()).values("paper_id"))
        if self.organisation:
            o = self.organisation.strip()
            qs = qs.filter(Q(organisation__name__iexact=o) | Q(organisation__slug=o))
        if self.keyword:
            k = " ".join(self.keyword.replace("|", " ").split()).lower()
            qs = qs.filter(notes__keyword_index__contains=f"|{k}|")
        if self.has_code is True:
            qs = qs.exclude(code_url="")
        elif self.has_code is False:
            qs = qs.filter(code_url="")
        return qs


@dataclass
class SearchHit:
    paper: Paper
    score: float
    title_html: SafeString
    snippet_html: SafeString
    lexical_rank: int | None = None  # 1-based place in each retriever's list
    semantic_rank: int | None = None


@dataclass
class SearchResults:
    query: str
    hits: list[SearchHit]
    total: int
    page: int
    per_page: int
    sort: str
    filters: SearchFilters = field(default_factory=SearchFilters)

    @property
    def num_pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_next(self) -> bool:
        return self.page < self.num_pages

    @property
    def has_previous(self) -> bool:
        return self.page > 1


_VECTORS_MAX = 1_024  # query vectors each process keeps
_vectors: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()


def query_vector(q: str) -> Future[np.ndarray]:
    """The query's vector: one this process made lately, else made on another core
    while the caller runs the full-text search (the next page or another filter of a
    search asks for the same vector). PAPERWIRE_SEARCH_CACHE_SECONDS=0 turns it off."""
    if settings.SEARCH_CACHE_SECONDS <= 0:
        return embed_query_soon(q)
    key = (model_key(), q)
    with _ranked_lock:
        vector = _vectors.get(key)
        if vector is not None:
            _vectors.move_to_end(key)
    if vector is not None:
        done: Future[np.ndarray] = Future()
        done.set_result(vector)
        return done
    future = embed_query_soon(q)

    def keep(made: Future[np.ndarray]) -> None:
        if made.exception() is None:
            with _ranked_lock:
                _vectors[key] = made.result()
                while len(_vectors) > _VECTORS_MAX:
                    _vectors.popitem(last=False)

    future.add_done_callback(keep)
    return future


def semantic_search(text: str, limit: int, allowed: np.ndarray | None = None,
                    vector: Future[np.ndarray] | None = None) -> list[tuple[int, float]]:
    """(paper id, cosine) best first; empty when nothing is embedded yet.

    `vector` is the query's embedding when the caller started it already.
    """
    from paperwire.search.embeddings import embed_query

    index = vector_index()
    if not text.strip() or len(index) == 0 or limit <= 0:
        return []
    query = vector.result() if vector is not None else embed_query(text)
    hits = index.search(query, limit, allowed)
    return [h for h in hits if h[1] >= SEMANTIC_FLOOR]


def real_matches(fused: list[tuple[int, float]], lexical: list[tuple[int, float]],
                 similarity: dict[int, float], q: str = "") -> list[tuple[int, float]]:
    """The fused hits that really match (see the module's docstring), in order."""
    best = lexical[0][1] if lexical else 0.0
    min_lexical = settings.SEARCH_MIN_LEXICAL * best
    strong = {pk for pk, score in lexical if best > 0 and score >= min_lexical}
    if lexical:
        strong |= with_every_term(q, [pk for pk, _ in lexical if pk not in strong])
    floor = settings.SEARCH_MIN_SIMILARITY
    return [(pk, score) for pk, score in fused
            if pk in strong or similarity.get(pk, 0.0) >= floor]


def fuse(rankings: list[tuple[float, list[int]]], k: int) -> dict[int, float]:
    """Weighted reciprocal-rank fusion: sum of weight / (k + rank) over the rankings."""
    scores: dict[int, float] = {}
    for weight, ids in rankings:
        for rank, pk in enumerate(ids, start=1):
            scores[pk] = scores.get(pk, 0.0) + weight / (k + rank)
    return scores


def fuse_scores(runs: list[tuple[float, list[tuple[int, float]]]]) -> dict[int, float]:
    """Convex combination of min-max normalised scores (a paper absent from a run gets 0).

    Unlike rank fusion it keeps how far ahead a retriever's best match is: a known-item
    query whose words pick out one paper keeps that paper first.
    """
    scores: dict[int, float] = {}
    for weight, hits in runs:
        if not hits:
            continue
        values = [v for _, v in hits]
        low, high = min(values), max(values)
        span = (high - low) or 1.0
        for pk, value in hits:
            scores[pk] = scores.get(pk, 0.0) + weight * (value - low) / span
    return scores


def retrieve(q: str, filters: SearchFilters | None = None, *, mode: str = "hybrid",
             depth: int = MIN_CANDIDATES, rescore: bool = True
             ) -> tuple[list[tuple[int, float]], dict[int, int], dict[int, int]]:
    """Fused (id, score) best first, plus each retriever's ranks by id.

    `rescore`: give every candidate of both retrievers its exact semantic score
    (whole abstract and best passage, search.passages) before fusing; False keeps the
    retrievers' own scores, the baseline `paperwire bench search-quality` compares with.
    """
    allowed_sql = allowed = None
    if filters is not None and not filters.is_empty():
        qs = filters.queryset().values("pk")
        allowed_sql = qs.query.sql_with_params()
        if mode != "lexical":
            allowed = np.fromiter(qs.values_list("pk", flat=True), dtype=np.int64)
    vector = None
    if mode != "lexical" and q.strip() and len(vector_index()):
        vector = query_vector(q)
    lexical = lexical_search(q, depth, allowed_sql) if mode != "semantic" else []
    semantic = semantic_search(q, depth, allowed, vector) if vector is not None else []
    lex_ids = [pk for pk, _ in lexical]
    sem_ids = [pk for pk, _ in semantic]
    similarity = dict(semantic)
    if vector is not None and rescore:
        candidates = list(dict.fromkeys(sem_ids + lex_ids))
        similarity = similarities(vector.result(), candidates)
        semantic = sorted(similarity.items(), key=lambda kv: -kv[1])
        if mode == "semantic":
            semantic = semantic[:depth]
    if mode == "lexical":
        fused = lexical  # the words asked for are the match; no meaning to weigh
    elif mode == "semantic":
        fused = real_matches(semantic, [], similarity)
    else:
        if settings.SEARCH_FUSION == "rrf":
            scores = fuse([(settings.SEARCH_LEXICAL_WEIGHT, lex_ids),
                           (settings.SEARCH_SEMANTIC_WEIGHT, [pk for pk, _ in semantic])],
                          settings.SEARCH_RRF_K)
        else:
            scores = fuse_scores([(settings.SEARCH_LEXICAL_WEIGHT, lexical),
                                  (settings.SEARCH_SEMANTIC_WEIGHT, semantic)])
        fused = real_matches(sorted(scores.items(), key=lambda kv: -kv[1]), lexical,
                             similarity, q)
    lex_rank = {pk: i for i, pk in enumerate(lex_ids, start=1)}
    sem_rank = {pk: i for i, pk in enumerate(sem_ids, start=1)}
    return fused, lex_rank, sem_rank


def search(q: str, filters: SearchFilters | None = None, sort: str = "relevance",
           page: int = 1, per_page: int = 20, *, mode: str = "hybrid") -> SearchResults:
    """Search every visible paper. An empty query lists the filtered papers instead."""
    if sort not in SORTS:
        raise ValueError(f"sort must be one of {', '.join(SORTS)}")
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}")
    with SEARCH_SECONDS.labels(mode).time():
        return _search(q, filters, sort, page, per_page, mode)


def _search(q: str, filters: SearchFilters | None, sort: str, page: int, per_page: int,
            mode: str) -> SearchResults:
    filters = filters or SearchFilters()
    page, per_page = max(1, page), max(1, min(per_page, MAX_PER_PAGE))
    start = (page - 1) * per_page
    if not query_terms(q) and (mode == "lexical" or not q.strip()):
        if q.strip():  # only stop words or symbols, and no semantic retriever
            return SearchResults(q, [], 0, page, per_page, sort, filters)
        return _browse(q, filters, sort, page, per_page)

    depth = min(MAX_CANDIDATES, max(MIN_CANDIDATES, start + per_page))
    ids, scores, lex_rank, sem_rank = ranked(q, filters, sort, mode, depth)
    page_ids = ids[start:start + per_page]
    papers = Paper.objects.select_related(*CARD_RELATIONS).in_bulk(page_ids)
    hits = [SearchHit(paper=papers[pk], score=scores[pk],
                      title_html=highlight(papers[pk].title, q),
                      snippet_html=snippet(papers[pk].abstract, q),
                      lexical_rank=lex_rank.get(pk), semantic_rank=sem_rank.get(pk))
            for pk in page_ids if pk in papers]
    return SearchResults(q, hits, len(ids), page, per_page, sort, filters)


def _rank(q: str, filters: SearchFilters, sort: str, mode: str, depth: int) -> tuple:
    fused, lex_rank, sem_rank = retrieve(q, filters, mode=mode, depth=depth)
    scores = dict(fused)
    # Hidden papers drop out here (filters already excluded them inside the retrievers).
    meta = {pk: (published, upvotes) for pk, published, upvotes in
            Paper.objects.visible().filter(pk__in=scores)
            .values_list("pk", "published_at", "upvotes")}
    ids = [pk for pk, _ in fused if pk in meta]
    if sort == "date":
        ids.sort(key=lambda pk: (meta[pk][0] is not None, meta[pk][0], scores[pk]),
                 reverse=True)
    elif sort == "upvotes":
        ids.sort(key=lambda pk: (meta[pk][1], scores[pk]), reverse=True)
    return ids, scores, lex_rank, sem_rank


_RANKED_MAX = 512  # searches each process keeps
_ranked_cache: OrderedDict[tuple, tuple[float, tuple]] = OrderedDict()


def search_version() -> tuple:
    """Changes whenever a search's answer may: the stored papers (their data version),
    the vectors searched, and the settings that rank them."""
    return (Paper.objects.data_version(), vector_index().version(), model_key(),
            settings.SEARCH_FUSION, settings.SEARCH_RRF_K, settings.SEARCH_LEXICAL_WEIGHT,
            settings.SEARCH_SEMANTIC_WEIGHT, settings.SEARCH_MIN_SIMILARITY,
            settings.SEARCH_MIN_LEXICAL, settings.SEARCH_PASSAGES)


def ranked(q: str, filters: SearchFilters, sort: str, mode: str, depth: int) -> tuple:
    """(ids in order, score by id, lexical rank by id, semantic rank by id).

    Kept for PAPERWIRE_SEARCH_CACHE_SECONDS under a key naming everything the answer
    depends on: the stored papers (their data version), the vectors searched, the query,
    filters and sort, and the ranking settings. A change to any paper or vector changes
    the key, so a kept answer is never served after what it ranks has changed. The
    model and the full-text search are most of a search page's work, and readers repeat
    searches: the next page, another sort, the popular queries.
    """
    seconds = settings.SEARCH_CACHE_SECONDS
    if seconds <= 0:
        return _rank(q, filters, sort, mode, depth)
    key = (q, repr(filters), sort, mode, depth, *search_version())
    now = monotonic()
    with _ranked_lock:
        found = _ranked_cache.get(key)
        if found is not None and now - found[0] < seconds:
            _ranked_cache.move_to_end(key)
            return found[1]
    answer = _rank(q, filters, sort, mode, depth)
    with _ranked_lock:
        _ranked_cache[key] = (now, answer)
        while len(_ranked_cache) > _RANKED_MAX:
            _ranked_cache.popitem(last=False)
    return answer


def _browse(q: str, filters: SearchFilters, sort: str, page: int,
            per_page: int) -> SearchResults:
    qs = filters.queryset().select_related(*CARD_RELATIONS)
    if sort == "upvotes":
        qs = qs.order_by("-upvotes", "-published_at", "-pk")
    else:
        qs = qs.order_by("-published_at", "-pk")
    start = (page - 1) * per_page
    papers = list(qs[start:start + per_page])
    hits = [SearchHit(paper=p, score=0.0, title_html=mark_safe(escape(p.title)),
                      snippet_html=snippet(p.abstract, ""))
            for p in papers]
    return SearchResults(q, hits, qs.count(), page, per_page, sort, filters)


def similar_papers(paper: Paper, limit: int = 5) -> list[Paper]:
    """The nearest papers by meaning, never the paper itself."""
    from paperwire.search.embeddings import embed_queries, model_key, paper_text
    from paperwire.search.models import PaperEmbedding

    row = PaperEmbedding.objects.filter(paper=paper, model=model_key()).first()
    # A paper not embedded yet goes through the query model the worker already holds.
    vector = (row.array if row is not None
              else embed_queries([paper_text(paper.title, paper.abstract)])[0])
    hits = vector_index().search(vector, limit + 1)
    ids = [pk for pk, _ in hits if pk != paper.pk][:limit]
    found = Paper.objects.visible().in_bulk(ids)
    return [found[pk] for pk in ids if pk in found]
