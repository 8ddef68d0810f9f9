"""The one search function the site, the API and the CLI call.

`search()` runs the lexical retriever (FTS5 / tsvector) and the semantic retriever
(sentence vectors) with the filters applied inside each, fuses them (by default a convex
combination of min-max normalised scores, which beat reciprocal-rank fusion on the
judged query set; `PAPERWIRE_SEARCH_FUSION=rrf` selects RRF), then sorts, pages and
builds snippets.
"""

from __future__ import annotations

import math
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import date, datetime, time

import numpy as np
from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from paperwire.metrics.instruments import SEARCH_SECONDS
from paperwire.papers.models import Paper
from paperwire.search.embeddings import embed_query_soon
from paperwire.search.lexical import lexical_search, query_terms
from paperwire.search.snippets import highlight, snippet
from paperwire.search.vectors import vector_index

SORTS = ("relevance", "date", "upvotes")
MODES = ("hybrid", "lexical", "semantic")
MIN_CANDIDATES = 100  # each retriever's depth before fusion
MAX_PER_PAGE = 120  # the API's search limit, as the Hub's
MAX_CANDIDATES = 1_000  # deepest page reachable: MAX_CANDIDATES / per_page
SEMANTIC_FLOOR = 0.15  # cosine below which a neighbour is not a match at all


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
             depth: int = MIN_CANDIDATES) -> tuple[list[tuple[int, float]],
                                                   dict[int, int], dict[int, int]]:
    """Fused (id, score) best first, plus each retriever's ranks by id."""
    allowed_sql = allowed = None
    if filters is not None and not filters.is_empty():
        qs = filters.queryset().values("pk")
        allowed_sql = qs.query.sql_with_params()
        if mode != "lexical":
            allowed = np.fromiter(qs.values_list("pk", flat=True), dtype=np.int64)
    vector = None
    if mode == "hybrid" and q.strip() and len(vector_index()):
        # Embed the query on another core while the full-text search runs.
        vector = embed_query_soon(q)
    lexical = lexical_search(q, depth, allowed_sql) if mode != "semantic" else []
    semantic = semantic_search(q, depth, allowed, vector) if mode != "lexical" else []
    lex_ids = [pk for pk, _ in lexical]
    sem_ids = [pk for pk, _ in semantic]
    if mode == "lexical":
        fused = lexical
    elif mode == "semantic":
        fused = semantic
    else:
        if settings.SEARCH_FUSION == "rrf":
            scores = fuse([(settings.SEARCH_LEXICAL_WEIGHT, lex_ids),
                           (settings.SEARCH_SEMANTIC_WEIGHT, sem_ids)], settings.SEARCH_RRF_K)
        else:
            scores = fuse_scores([(settings.SEARCH_LEXICAL_WEIGHT, lexical),
                                  (settings.SEARCH_SEMANTIC_WEIGHT, semantic)])
        fused = sorted(scores.items(), key=lambda kv: -kv[1])
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
    page_ids = ids[start:start + per_page]
    papers = Paper.objects.select_related("organisation").in_bulk(page_ids)
    hits = [SearchHit(paper=papers[pk], score=scores[pk],
                      title_html=highlight(papers[pk].title, q),
                      snippet_html=snippet(papers[pk].abstract, q),
                      lexical_rank=lex_rank.get(pk), semantic_rank=sem_rank.get(pk))
            for pk in page_ids if pk in papers]
    return SearchResults(q, hits, len(ids), page, per_page, sort, filters)


def _browse(q: str, filters: SearchFilters, sort: str, page: int,
            per_page: int) -> SearchResults:
    qs = filters.queryset().select_related("organisation")
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
    from paperwire.search.embeddings import embed_texts, model_key, paper_text
    from paperwire.search.models import PaperEmbedding

    row = PaperEmbedding.objects.filter(paper=paper, model=model_key()).first()
    vector = (row.array if row is not None
              else embed_texts([paper_text(paper.title, paper.abstract)])[0])
    hits = vector_index().search(vector, limit + 1)
    ids = [pk for pk, _ in hits if pk != paper.pk][:limit]
    found = Paper.objects.visible().in_bulk(ids)
    return [found[pk] for pk in ids if pk in found]
