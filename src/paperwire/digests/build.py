"""What each digest holds, and writing the outbox rows for a period.

A digest covers a *window* of featured days: the days after the subscriber's last
covered day up to the latest featured day before the day it is built (a day still being
featured is left for the next digest); a first digest covers the latest featured day
only. Windows of one subscriber never overlap, and a paper is featured on one day only,
so no paper reaches the same reader twice through a window. Within the window:

1. **Trending**: the window's papers by the site's trending score, the subscriber's
   count of them.
2. **Alerts**: for each confirmed saved search, the window's papers it matches. Hybrid
   matching with a cut-off: the cosine between the query's and the paper's sentence
   vectors, plus a bonus for the share of query words the paper holds (the search
   app's full-text index, one lookup per word); weak matches stay out (see ALERT_CUTOFF).
3. **Picks** (subscribers with an account): the window's papers nearest to the ones the
   reader upvoted, by cosine; never a paper they upvoted or one listed above.

Work shared by many subscribers is done once per run: the window's papers, trending and
vectors per window, each distinct saved search once per window, each query embedded once.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Mod
from django.utils import timezone

from paperwire.digests.models import DAILY, WEEKLY, Delivery, SavedSearch, Subscriber
from paperwire.lib.sql import insert_objects
from paperwire.lib.urls import site_host
from paperwire.papers.models import Paper

log = logging.getLogger(__name__)

MAX_WINDOW_DAYS = 31  # after a long pause a digest covers the last month, not everything
ALERT_CUTOFF = 0.5  # cosine + LEXICAL_BONUS × (share of query words)² must reach this
LEXICAL_BONUS = 0.25
# A paper not embedded yet counts as this similar, so it matches on all its words alone.
UNEMBEDDED_SIMILARITY = 0.25
MAX_ALERT_PAPERS = 10
PICK_MIN_SIMILARITY = 0.6  # ~ the closest 3% of paper pairs with all-MiniLM-L6-v2
MAX_PICKS = 5
MAX_VOTES_USED = 200  # the reader's most recent upvotes stand for their taste
BATCH = 1000


@dataclass(frozen=True)
class Window:
    first: date
    last: date

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1


def period_key(kind: str, today: date) -> str:
    """The outbox key of the digest built on `today`: one per day, or per ISO week."""
    if kind == DAILY:
        return f"daily:{today.isoformat()}"
    if kind == WEEKLY:
        year, week, _ = today.isocalendar()
        return f"weekly:{year}-W{week:02d}"
    raise ValueError(f"unknown digest period {kind!r}")


def end_day(today: date) -> date | None:
    """The last featured day a digest built on `today` covers (before today)."""
    return (Paper.objects.visible().filter(featured_on__lt=today)
            .order_by("-featured_on").values_list("featured_on", flat=True).first())


def window_for(last_covered: date | None, end: date | None) -> Window | None:
    if end is None:
        return None
    if last_covered is None:
        return Window(end, end)
    if last_covered >= end:
        return None
    first = max(last_covered + timedelta(days=1), end - timedelta(days=MAX_WINDOW_DAYS - 1))
    return Window(first, end)


def message_id(period: str, subscriber_pk: int) -> str:
    """Stable for a (subscriber, period): every try of one digest carries the same id."""
    domain = site_host()
    return f"<digest.{period.replace(':', '.')}.{subscriber_pk}@{domain}>"


@dataclass
class _WindowData:
    ids: list[int]
    trending: list[int]
    vector_ids: np.ndarray
    vectors: np.ndarray  # rows of vector_ids, unit length


class Builder:
    """Chooses the content of digests; caches what subscribers share for one run."""

    def __init__(self) -> None:
        self._windows: dict[Window, _WindowData] = {}
        self._alerts: dict[tuple[str, Window], list[int]] = {}
        self._query_vectors: dict[str, np.ndarray] = {}
        self._paper_vectors: dict[int, np.ndarray | None] = {}

    # -- shared per window -------------------------------------------------------------

    def window(self, window: Window) -> _WindowData:
        data = self._windows.get(window)
        if data is None:
            from paperwire.search.embeddings import model_key
            from paperwire.search.models import PaperEmbedding

            ids = list(Paper.objects.featured_between(window.first, window.last)
                       .values_list("pk", flat=True))
            trending = list(Paper.objects.trending(reference=window.last, since=window.first)
                            .values_list("pk", flat=True)[:50])
            rows = list(PaperEmbedding.objects.of_papers(ids, model_key())
                        .values_list("paper_id", "vector"))
            vector_ids = np.array([r[0] for r in rows], dtype=np.int64)
            vectors = (np.frombuffer(b"".join(bytes(r[1]) for r in rows), dtype=np.float32)
                       .reshape(len(rows), -1) if rows else np.empty((0, 384), np.float32))
            data = self._windows[window] = _WindowData(ids, trending, vector_ids, vectors)
        return data

    # -- alerts ----------------------------------------------------------------------

    def prime_queries(self, texts: Iterable[str]) -> None:
        """Embed these queries in batches now, rather than one model call each later."""
        from paperwire.search.embeddings import embed_queries

        todo = sorted({t for t in texts if t.strip()} - self._query_vectors.keys())
        if todo:
            vectors = np.concatenate([embed_queries(todo[lo:lo + 64])
                                      for lo in range(0, len(todo), 64)])
            self._query_vectors.update(zip(todo, vectors, strict=True))

    def _query_vector(self, text: str) -> np.ndarray:
        vector = self._query_vectors.get(text)
        if vector is None:
            from paperwire.search.embeddings import embed_query

            vector = self._query_vectors[text] = embed_query(text)
        return vector

    def alert(self, search: SavedSearch, window: Window) -> list[int]:
        key = (search.key, window)
        if key not in self._alerts:
            self._alerts[key] = self._match(search, window)
        return self._alerts[key]

    def _match(self, search: SavedSearch, window: Window) -> list[int]:
        from paperwire.search.lexical import lexical_search, query_terms

        data = self.window(window)
        if not data.ids:
            return []
        filters = search.search_filters()
        allowed_qs = Paper.objects.featured_between(window.first, window.last)
        if not filters.is_empty():
            allowed_qs = allowed_qs.filter(pk__in=filters.queryset().values("pk"))
        allowed = list(allowed_qs.order_by("-upvotes", "pk").values_list("pk", flat=True))
        terms = query_terms(search.query)
        if not allowed or not search.query.strip():
            # A search of filters only: every new paper it lets through.
            return allowed[:MAX_ALERT_PAPERS]
        # Semantic: cosine of each allowed paper with the query.
        similarity = dict.fromkeys(allowed, UNEMBEDDED_SIMILARITY)
        mask = np.isin(data.vector_ids, np.array(allowed, dtype=np.int64))
        if mask.any():
            scores = data.vectors[mask] @ self._query_vector(search.query)
            similarity.update(zip(data.vector_ids[mask].tolist(), scores.tolist(),
                                  strict=True))
        # Lexical: which of the query's words each paper holds (stemmed, as the search
        # page matches them).
        held: dict[int, int] = defaultdict(int)
        allowed_sql = allowed_qs.values("pk").query.sql_with_params()
        for term in terms:
            for pk, _ in lexical_search(term, len(allowed), allowed_sql):
                held[pk] += 1
        scored = []
        for pk in allowed:
            coverage = held[pk] / len(terms) if terms else 0.0
            score = similarity[pk] + LEXICAL_BONUS * coverage ** 2
            if score >= ALERT_CUTOFF:
                scored.append((score, pk))
        scored.sort(key=lambda s: (-s[0], s[1]))
        return [pk for _, pk in scored[:MAX_ALERT_PAPERS]]

    # -- picks -----------------------------------------------------------------------

    def load_paper_vectors(self, paper_ids: Iterable[int]) -> None:
        from paperwire.search.embeddings import model_key
        from paperwire.search.models import PaperEmbedding

        missing = [pk for pk in set(paper_ids) if pk not in self._paper_vectors]
        for start in range(0, len(missing), 5000):
            chunk = missing[start:start + 5000]
            found = dict(PaperEmbedding.objects.of_papers(chunk, model_key())
                         .values_list("paper_id", "vector"))
            for pk in chunk:
                raw = found.get(pk)
                self._paper_vectors[pk] = (np.frombuffer(bytes(raw), dtype=np.float32)
                                           if raw is not None else None)

    def picks(self, voted: list[int], window: Window,
              exclude: set[int]) -> list[tuple[int, int]]:
        """(paper, the upvoted paper it is nearest to), best first."""
        self.load_paper_vectors(voted)
        liked = [(pk, self._paper_vectors[pk]) for pk in voted
                 if self._paper_vectors.get(pk) is not None]
        data = self.window(window)
        if not liked or not len(data.vector_ids):
            return []
        skip = np.array(sorted(exclude | set(voted)), dtype=np.int64)
        mask = ~np.isin(data.vector_ids, skip)
        if not mask.any():
            return []
        candidates = data.vector_ids[mask]
        similarity = data.vectors[mask] @ np.stack([v for _, v in liked]).T
        best = similarity.max(axis=1)
        nearest = similarity.argmax(axis=1)
        order = [i for i in np.argsort(-best, kind="stable") if best[i] >= PICK_MIN_SIMILARITY]
        return [(int(candidates[i]), liked[int(nearest[i])][0]) for i in order[:MAX_PICKS]]

    # -- one digest ------------------------------------------------------------------

    def contents(self, subscriber: Subscriber, window: Window,
                 searches: list[SavedSearch], voted: list[int]) -> dict | None:
        """The digest's paper ids by section, or None when it would be empty."""
        data = self.window(window)
        if not data.ids:
            return None
        trending = data.trending[:subscriber.trending_count]
        alerts = []
        if subscriber.alerts:
            for search in searches:
                papers = self.alert(search, window)
                if papers:
                    alerts.append({"search": search.pk, "query": search.description,
                                   "papers": papers})
        picks: list[tuple[int, int]] = []
        if subscriber.picks and subscriber.user_id and voted:
            listed = set(trending) | {pk for a in alerts for pk in a["papers"]}
            picks = self.picks(voted, window, listed)
        for_you: list[list] = []
        if subscriber.picks and subscriber.user_id:
            from paperwire.reader.digest import digest_picks

            listed = (set(trending) | {pk for a in alerts for pk in a["papers"]}
                      | {p[0] for p in picks})
            for_you = digest_picks(subscriber.user_id, window.first, window.last, listed)
        if not (trending or alerts or picks or for_you):
            return None
        content = {"trending": trending, "alerts": alerts, "picks": [list(p) for p in picks]}
        if for_you:
            content["for_you"] = for_you
        return content


@dataclass
class BuildReport:
    period: str
    end_day: date | None
    considered: int = 0  # active subscribers of this frequency without this period's row
    digests: int = 0  # outbox rows written (or that would be, on a dry run)
    empty: int = 0  # windows with nothing for the subscriber: nothing to send
    up_to_date: int = 0  # already covered up to end_day
    samples: list[tuple[str, dict]] = field(default_factory=list)  # dry run: a few


def _searches_by_subscriber(pks: list[int]) -> dict[int, list[SavedSearch]]:
    found: dict[int, list[SavedSearch]] = defaultdict(list)
    for search in SavedSearch.objects.filter(subscriber_id__in=pks,
                                             confirmed_at__isnull=False).order_by("pk"):
        found[search.subscriber_id].append(search)
    return found


def _votes_by_user(user_ids: list[int]) -> dict[int, list[int]]:
    from paperwire.community.models import Vote

    found: dict[int, list[int]] = defaultdict(list)
    for user_id, paper_id in (Vote.objects.filter(user_id__in=user_ids)
                              .order_by("user_id", "-created_at", "-pk")
                              .values_list("user_id", "paper_id")):
        if len(found[user_id]) < MAX_VOTES_USED:
            found[user_id].append(paper_id)
    return found


def build_digests(kind: str, today: date | None = None, *, dry_run: bool = False,
                  batch_size: int = BATCH, shard: tuple[int, int] | None = None,
                  progress: Callable[[int], None] | None = None) -> BuildReport:
    """Write this period's outbox rows for every active `kind` subscriber.

    Safe to run again and beside another builder: a subscriber with a row for the
    period is skipped, the unique (subscriber, period) constraint drops a twin row, and
    each batch writes its rows and moves its subscribers' last covered day in one
    transaction, so a crash leaves either both or neither. `shard=(i, n)` builds only
    the subscribers whose id is i modulo n, so n processes can share a run.
    """
    today = today or timezone.localdate()
    period = period_key(kind, today)
    end = end_day(today)
    report = BuildReport(period, end)
    if end is None:
        return report
    builder = Builder()
    subscribers = (Subscriber.objects.active().filter(frequency=kind)
                   .exclude(pk__in=Delivery.objects.filter(period=period)
                            .values("subscriber_id"))
                   .order_by("pk"))
    if shard is not None:
        subscribers = subscribers.alias(shard=Mod("pk", shard[1])).filter(shard=shard[0])
    due = subscribers.filter(Q(last_covered_day=None) | Q(last_covered_day__lt=end),
                             alerts=True)
    builder.prime_queries(SavedSearch.objects.filter(
        confirmed_at__isnull=False, subscriber__in=due).values_list("query", flat=True)
        .distinct())
    last_pk = 0
    while True:
        batch = list(subscribers.filter(pk__gt=last_pk)[:batch_size])
        if not batch:
            break
        last_pk = batch[-1].pk
        _build_batch(builder, batch, period, end, report, dry_run)
        if progress is not None:
            progress(len(batch))
    return report


def _build_batch(builder: Builder, batch: list[Subscriber], period: str, end: date,
                 report: BuildReport, dry_run: bool) -> None:
    report.considered += len(batch)
    searches = _searches_by_subscriber([s.pk for s in batch if s.alerts])
    votes = _votes_by_user([s.user_id for s in batch if s.picks and s.user_id])
    rows, covered = [], []
    for subscriber in batch:
        window = window_for(subscriber.last_covered_day, end)
        if window is None:
            report.up_to_date += 1
            continue
        covered.append(subscriber.pk)
        content = builder.contents(subscriber, window, searches.get(subscriber.pk, []),
                                   votes.get(subscriber.user_id, []))
        if content is None:
            report.empty += 1
            continue
        rows.append(Delivery(subscriber_id=subscriber.pk, period=period,
                             first_day=window.first, last_day=window.last, content=content,
                             message_id=message_id(period, subscriber.pk)))
        if dry_run and len(report.samples) < 5:
            report.samples.append((subscriber.email, content))
    report.digests += len(rows)
    if dry_run:
        return
    with transaction.atomic():
        _insert_deliveries(rows)
        Subscriber.objects.filter(pk__in=covered).update(last_covered_day=end)


def _insert_deliveries(rows: list[Delivery]) -> None:
    """INSERT … ON CONFLICT DO NOTHING with one prepared statement (lib/sql.py): a twin
    row of another builder is dropped by the unique (subscriber, period) constraint."""
    now = timezone.now()
    for row in rows:
        row.created_at = now
    insert_objects(Delivery, rows, suffix="ON CONFLICT (subscriber_id, period) DO NOTHING",
                   same_for_all=("created_at",))


def next_digest(subscriber: Subscriber, today: date | None = None
                ) -> tuple[Window, dict] | None:
    """What the subscriber's next digest would hold if built now (for previews)."""
    today = today or timezone.localdate()
    window = window_for(subscriber.last_covered_day, end_day(today))
    if window is None:
        return None
    searches = list(subscriber.searches.filter(confirmed_at__isnull=False)) \
        if subscriber.alerts else []
    votes = _votes_by_user([subscriber.user_id]).get(subscriber.user_id, []) \
        if subscriber.user_id and subscriber.picks else []
    content = Builder().contents(subscriber, window, searches, votes)
    return (window, content) if content is not None else None
