"""For you: one reader's ranking of the papers of the last featured days, with reasons.

One builder, several renderings: the home page's For you tab, `GET /api/me/for-you` and
the digest's For you section all render what `for_you()` returns.

The model is Rocchio's, over the papers' sentence vectors (unit length, so a dot
product is a cosine), computed from the reader's signals on each call (a few hundred
vectors at most: cheap enough that no state needs refreshing when a signal arrives):

    score(p) = A · cos(p − m, centroid of positives − m)     (m: the window's mean)
               + B · max cos(p, a positive) + C · mean of the KNN largest
               − D · near(max cos(p, a negative)) · gate
               + E · (p's trending score ÷ the window's best)

where near() rises from 0 at NEIGHBOUR_FLOOR to 1 at NEIGHBOUR_FULL, and gate is 1 when
the nearest negative is at least as near as the nearest positive, falling to 0 when the
positive is NEIGHBOUR_MARGIN nearer.

Positives are the reader's upvotes, saves and seed papers, and the papers of what they
follow; negatives are the papers marked "not interested". The last-but-one term is what
makes one "not interested" sink the rejected paper's near neighbours and not just the
paper; the gate keeps the neighbours that are nearer still to something liked.
With no positives the trending term alone orders the list (cold start), so a new
reader never sees an empty page.

A paper matching a follow (author, organisation, category, or topic by the digests'
alert matching) is always listed, first, unless marked not interested; the model orders
the rest. Never twice: a paper the reader upvoted, saved, marked, was sent in a digest,
or was shown here before the newest featured day is not listed again as new; an upvoted
or saved paper with a newer arXiv version than the one the reader knew is listed once,
as "updated to vN".
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
from django.apps import apps
from django.db.models import Q
from django.utils import timezone

from paperwire.papers.models import CARD_FIELDS, Paper
from paperwire.reader.models import (
    AUTHOR,
    CATEGORY,
    ORGANISATION,
    TOPIC,
    Follow,
    NotInterested,
    ReaderState,
    Seed,
    Seen,
)

log = logging.getLogger(__name__)

DAY_CHOICES = (1, 3, 7)
DEFAULT_DAYS = 7
MAX_LIMIT = 100
MAX_CANDIDATES = 3_000  # papers of the window considered, most upvoted first
MAX_POSITIVES = 300  # the reader's most recent positives stand for their taste
MAX_NEGATIVES = 300
SENT_LOOKBACK = timedelta(days=62)  # digests whose papers count as sent
# Weights of the score (see the module's docstring); chosen on `paperwire bench
# recommend`, where one "not interested" must take ≥ 80% of its near neighbours out.
A_CENTROID, B_NEAREST, C_KNN, D_NEIGHBOUR, E_TRENDING = 0.5, 0.3, 0.3, 2.0, 0.1
KNN = 3
# A paper with a cosine of NEIGHBOUR_FULL or more with a rejected one sinks by the whole
# D_NEIGHBOUR; from NEIGHBOUR_FLOOR up it sinks by a part.
NEIGHBOUR_FLOOR, NEIGHBOUR_FULL, NEIGHBOUR_MARGIN = 0.5, 0.6, 0.2
LIKE_MIN = 0.4  # a pick nearer than this to a positive says "like …"
REASON_TITLE = 80


@dataclass
class Pick:
    paper: Paper
    reasons: list[str]
    score: float = 0.0
    updated_to: int | None = None


@dataclass
class Signals:
    """What the reader did, as paper ids, read once per ranking."""

    positives: dict[int, str] = field(default_factory=dict)  # paper → "upvoted"/"saved"/…
    negatives: list[int] = field(default_factory=list)
    hidden: set[int] = field(default_factory=set)  # never listed as new
    upvoted: list[int] = field(default_factory=list)  # the most recent, newest first
    follows: list[Follow] = field(default_factory=list)


def library_installed() -> bool:
    return apps.is_installed("paperwire.library")


def saved_ids(user) -> set[int]:
    if not library_installed():
        return set()
    from paperwire.library.models import Collection

    return set(Collection.objects.saved_paper_ids(user))


def _saved_since(user, since) -> list[int]:
    if not library_installed():
        return []
    from paperwire.library.models import CollectionItem

    items = CollectionItem.objects.filter(collection__owner=user)
    if since is not None:
        items = items.filter(added_at__gt=since)
    return list(items.order_by("-added_at").values_list("paper_id", flat=True)
                [:MAX_POSITIVES])


def _saved_versions(user) -> dict[int, int | None]:
    if not library_installed():
        return {}
    from paperwire.library.models import CollectionItem

    return dict(CollectionItem.objects.saved_versions(user))


def sent_ids(user, since: date) -> set[int]:
    """Papers the reader's digests listed (digests the outbox marks sent)."""
    from paperwire.digests.models import Delivery

    found: set[int] = set()
    for content in (Delivery.objects.filter(subscriber__user=user, status=Delivery.SENT,
                                            last_day__gte=since)
                    .values_list("content", flat=True)):
        if not isinstance(content, dict):
            continue
        found.update(Delivery(content=content).paper_ids)
        found.update(pk for pk, *_ in content.get("for_you", []) if isinstance(pk, int))
    return found


def read_signals(user) -> Signals:
    """The reader's signals in five small queries (each bounded)."""
    from paperwire.community.models import Vote

    reset_at = ReaderState.reset_at_for(user)
    signals = Signals()
    for pk, at in (Vote.objects.filter(user=user).order_by("-created_at")
                   .values_list("paper_id", "created_at")[:MAX_POSITIVES]):
        signals.upvoted.append(pk)
        if reset_at is None or at > reset_at:
            signals.positives.setdefault(pk, "upvoted")
    for pk in _saved_since(user, reset_at):
        signals.positives.setdefault(pk, "saved")
    for pk in Seed.objects.filter(user=user).values_list("paper_id", flat=True)[:MAX_POSITIVES]:
        signals.positives.setdefault(pk, "picked")
    # Every mark hides its paper; the recent ones since a reset also teach the model.
    for pk, at in (NotInterested.objects.filter(user=user).order_by("-created_at")
                   .values_list("paper_id", "created_at")):
        signals.hidden.add(pk)
        if len(signals.negatives) < MAX_NEGATIVES and (reset_at is None or at > reset_at):
            signals.negatives.append(pk)
    signals.follows = list(Follow.objects.filter(user=user))
    return signals


def _vectors(paper_ids) -> dict[int, np.ndarray]:
    from paperwire.search.embeddings import model_key
    from paperwire.search.models import PaperEmbedding

    ids = list(paper_ids)
    found: dict[int, np.ndarray] = {}
    for start in range(0, len(ids), 2_000):
        for pk, raw in (PaperEmbedding.objects.filter(paper_id__in=ids[start:start + 2_000],
                                                      model=model_key())
                        .values_list("paper_id", "vector")):
            found[pk] = np.frombuffer(bytes(raw), dtype=np.float32)
    return found


def _stack(vectors: list[np.ndarray]) -> np.ndarray | None:
    return np.stack(vectors) if vectors else None


def score_candidates(candidates: np.ndarray, positives: np.ndarray | None,
                     negatives: np.ndarray | None, trending: np.ndarray
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(score, nearest positive's row, its cosine) for each candidate row.

    `candidates`, `positives` and `negatives` are unit vectors by row; `trending` the
    candidates' trending scores. Pure numpy, shared with the benchmark.
    """
    n = len(candidates)
    best = trending.max() if len(trending) else 0.0
    score = E_TRENDING * (trending / best if best > 0 else np.zeros(n))
    nearest = np.full(n, -1)
    nearest_sim = np.zeros(n)
    if positives is not None and len(positives) and n:
        sims = candidates @ positives.T
        # Centred on the window's mean: every paper here is "about language models"
        # to some degree, and that shared direction says nothing about this reader.
        mean = candidates.mean(axis=0)
        centred = candidates - mean
        centroid = positives.mean(axis=0) - mean
        norms = np.linalg.norm(centred, axis=1) * np.linalg.norm(centroid)
        score = score + A_CENTROID * np.divide(centred @ centroid, norms,
                                               out=np.zeros(n), where=norms > 0)
        nearest = sims.argmax(axis=1)
        nearest_sim = sims[np.arange(n), nearest]
        top = np.sort(sims, axis=1)[:, -min(KNN, sims.shape[1]):]
        score = score + B_NEAREST * nearest_sim + C_KNN * top.mean(axis=1)
    if negatives is not None and len(negatives) and n:
        closest = (candidates @ negatives.T).max(axis=1)
        near = np.clip((closest - NEIGHBOUR_FLOOR) / (NEIGHBOUR_FULL - NEIGHBOUR_FLOOR), 0, 1)
        # Sunk only where the rejected paper is about as near as anything liked: a
        # neighbour of a rejected paper that is closer to a liked one keeps its place.
        gate = np.clip((closest - nearest_sim + NEIGHBOUR_MARGIN) / NEIGHBOUR_MARGIN, 0, 1)
        score = score - D_NEIGHBOUR * near * gate
    return score, nearest, nearest_sim


def _topic_matches(topic: Follow, papers: list[Paper], vectors: dict[int, np.ndarray]
                   ) -> set[int]:
    """Papers a followed topic matches, by the digests' alert rule: the cosine with the
    topic, plus a bonus for the share of its words the paper holds, reaches the cut-off."""
    from paperwire.digests.build import ALERT_CUTOFF, LEXICAL_BONUS, UNEMBEDDED_SIMILARITY
    from paperwire.search.lexical import query_terms
    from paperwire.search.snippets import stem

    stems = [stem(t) for t in query_terms(topic.value)]
    query = (np.frombuffer(bytes(topic.vector), dtype=np.float32)
             if topic.vector is not None else None)
    matched = set()
    for paper in papers:
        vector = vectors.get(paper.pk)
        similarity = (float(vector @ query) if vector is not None and query is not None
                      else UNEMBEDDED_SIMILARITY)
        text = f"{paper.title} {paper.abstract}".lower()
        coverage = sum(s in text for s in stems) / len(stems) if stems else 0.0
        if similarity + LEXICAL_BONUS * coverage ** 2 >= ALERT_CUTOFF:
            matched.add(paper.pk)
    return matched


def follow_reasons(follows: list[Follow], papers: list[Paper],
                   vectors: dict[int, np.ndarray]) -> dict[int, list[str]]:
    """For each paper that a follow brings, the reasons (one per matching follow)."""
    reasons: dict[int, list[str]] = {}
    for follow in follows:
        if follow.kind == TOPIC:
            hits = _topic_matches(follow, papers, vectors)
        elif follow.kind == AUTHOR:
            name = follow.value.lower()
            hits = {p.pk for p in papers if name in (n.lower() for n in p.author_names)}
        elif follow.kind == ORGANISATION:
            hits = {p.pk for p in papers if p.organisation_id is not None
                    and p.organisation.name == follow.value}
        elif follow.kind == CATEGORY:
            hits = {p.pk for p in papers if follow.value in p.categories.split()}
        else:
            continue
        for pk in hits:
            reasons.setdefault(pk, []).append(follow.reason)
    return reasons


def _title(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= REASON_TITLE else text[:REASON_TITLE - 1].rstrip() + "…"


def window(days: int) -> tuple[date, date] | None:
    """The last `days` days up to the newest featured day (as trending counts them)."""
    newest = Paper.objects.latest_featured_day()
    if newest is None:
        return None
    return newest - timedelta(days=days - 1), newest


def for_you(user, days: int = DEFAULT_DAYS, limit: int = 20, *,
            first: date | None = None, last: date | None = None,
            exclude: set[int] | frozenset[int] = frozenset(),
            record: bool = True) -> list[Pick]:
    """The reader's For you: updated papers first, then what they follow, then the rest
    by the model. `first`/`last` give the featured days (a digest's window); otherwise
    the last `days` days up to the newest featured day. `record` remembers what was
    shown, so it is not listed as new once a newer day is featured."""
    limit = max(1, min(limit, MAX_LIMIT))
    newest = Paper.objects.latest_featured_day()
    if newest is None:
        return []
    if first is None or last is None:
        last = newest
        first = last - timedelta(days=max(1, days) - 1)
    signals = read_signals(user)
    rows = list(Paper.objects.trending(reference=last, since=first)
                .select_related("organisation")
                .only(*CARD_FIELDS, "primary_category", "version", "organisation_id")
                [:MAX_CANDIDATES])
    candidate_ids = [p.pk for p in rows]
    hidden = _never_twice(user, signals, candidate_ids, first, newest) | set(exclude)
    updated = _updated(user, signals, newest) if record else []
    updated_ids = {pick.paper.pk for pick in updated}
    candidates = [p for p in rows if p.pk not in hidden and p.pk not in updated_ids]

    follow_paper_ids: list[int] = []
    vectors = _vectors([p.pk for p in candidates] + list(signals.positives)
                       + signals.negatives)
    reasons = follow_reasons(signals.follows, candidates, vectors)
    # Papers of what the reader follows teach the model too (the window's only: a
    # follow's whole history would cost a query per follow).
    follow_paper_ids = [pk for pk in reasons if pk in vectors]
    positive_ids = [pk for pk in signals.positives if pk in vectors]
    positives = _stack([vectors[pk] for pk in positive_ids + follow_paper_ids])
    negatives = _stack([vectors[pk] for pk in signals.negatives if pk in vectors])
    with_vector = [p for p in candidates if p.pk in vectors]
    without = [p for p in candidates if p.pk not in vectors]
    matrix = _stack([vectors[p.pk] for p in with_vector])
    trending = np.array([p.trending_score for p in with_vector], dtype=np.float64)
    scored: list[Pick] = []
    if matrix is not None:
        score, nearest, nearest_sim = score_candidates(matrix, positives, negatives, trending)
        titles = dict(Paper.objects.filter(pk__in=positive_ids).values_list("pk", "title"))
        for i, paper in enumerate(with_vector):
            why = list(reasons.get(paper.pk, []))
            row = int(nearest[i])
            if not why and 0 <= row < len(positive_ids) and nearest_sim[i] >= LIKE_MIN:
                liked = positive_ids[row]
                why = [f"like “{_title(titles.get(liked, ''))}”, which you "
                       f"{signals.positives[liked]}"]
            elif not why and row >= 0 and nearest_sim[i] >= LIKE_MIN:
                why = ["like papers of what you follow"]
            scored.append(Pick(paper, why or [_trending_reason(paper)], float(score[i])))
    # A paper not embedded yet has no place in the model: after the others, by trending.
    scored += [Pick(p, reasons.get(p.pk) or [_trending_reason(p)], -10.0) for p in without]
    followed = sorted((s for s in scored if s.paper.pk in reasons), key=lambda s: -s.score)
    rest = sorted((s for s in scored if s.paper.pk not in reasons), key=lambda s: -s.score)
    picks = (updated + followed + rest)[:limit]
    if record:
        _remember(user, picks, newest)
    return picks


def _trending_reason(paper: Paper) -> str:
    category = paper.primary_category or (paper.categories.split() or [""])[0]
    return f"trending in {category}" if category else "trending"


def _never_twice(user, signals: Signals, candidate_ids: list[int], first: date,
                 newest: date) -> set[int]:
    """Candidates not to list as new: marked, upvoted, saved, picked as a seed, sent in
    a digest, or shown before the newest featured day."""
    from paperwire.community.models import Vote

    hidden = set(signals.hidden)
    hidden |= {pk for pk, how in signals.positives.items() if how == "picked"}  # seeds
    hidden |= set(Vote.objects.filter(user=user, paper_id__in=candidate_ids)
                  .values_list("paper_id", flat=True))
    hidden |= saved_ids(user) & set(candidate_ids)
    hidden |= sent_ids(user, first - SENT_LOOKBACK)
    hidden |= set(Seen.objects.filter(user=user, paper_id__in=candidate_ids)
                  .filter(~Q(how=Seen.SHOWN) | Q(shown_through__lt=newest))
                  .values_list("paper_id", flat=True))
    return hidden


def _updated(user, signals: Signals, newest: date) -> list[Pick]:
    """Upvoted or saved papers with a newer version than the one the reader knew."""
    known = _saved_versions(user)
    upvoted = signals.upvoted
    seen = {s.paper_id: s for s in Seen.objects.filter(user=user,
                                                         paper_id__in=upvoted + list(known))}
    papers = Paper.objects.visible().filter(pk__in=set(upvoted) | set(known)).exclude(
        pk__in=signals.hidden).select_related("organisation").only(
        *CARD_FIELDS, "primary_category", "version", "organisation_id")
    picks, first_seen = [], []
    for paper in papers:
        row = seen.get(paper.pk)
        if row is None:
            # The first time For you meets this upvote: remember the version it is at.
            version = known.get(paper.pk, paper.version)
            first_seen.append(Seen(user=user, paper=paper, version=version, how=Seen.KNOWN))
        else:
            version = row.version
            if paper.pk in known and known[paper.pk] is not None:
                version = max(v for v in (version, known[paper.pk]) if v is not None)
        newer = paper.version is not None and version is not None and paper.version > version
        again = row is not None and row.how == Seen.UPDATED and row.shown_through == newest
        if newer or again:
            picks.append(Pick(paper, [f"updated to v{paper.version}"], updated_to=paper.version))
    Seen.objects.bulk_create(first_seen, ignore_conflicts=True)
    return picks


def _remember(user, picks: list[Pick], newest: date) -> None:
    """Record what was shown: new picks as shown through the newest day, updated ones
    at the version shown (so an update shows once)."""
    now = timezone.now()
    new = [p for p in picks if p.updated_to is None]
    Seen.objects.bulk_create(
        [Seen(user=user, paper=p.paper, version=p.paper.version, how=Seen.SHOWN,
              shown_through=newest, at=now) for p in new], ignore_conflicts=True)
    for pick in picks:
        if pick.updated_to is not None:
            Seen.objects.filter(user=user, paper=pick.paper).exclude(
                how=Seen.UPDATED, version=pick.updated_to, shown_through=newest).update(
                how=Seen.UPDATED, version=pick.updated_to, shown_through=newest, at=now)
