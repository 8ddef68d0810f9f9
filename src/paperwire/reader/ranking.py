"""For you: one reader's ranking of the papers of the last featured days, with reasons.

One builder, several renderings: the home page's For you tab, `GET /api/me/for-you` and
the digest's For you section all render what `for_you()` returns.

The model is per reader, over the papers' sentence vectors (unit length, so a dot
product is a cosine) and their words, computed from the reader's signals on each call (a
few hundred positives at most: cheap enough that no state needs refreshing when a signal
arrives):

    score(p) = A · z(lin(p)) + B · z(max cos(p, a positive)) + C · z(mean of the KNN
               largest) + F · z(cos(tf-idf of p, centroid of the positives' tf-idf))
               + E · z(p's trending score) − D · range · near(max cos(p, a negative)) · gate

z() turns a term into standard scores over the window's candidates (mean 0, spread 1),
so a weight means the same for every reader: the raw terms' spreads differ from one
reader's positives to another's (a reader of one tight topic has a long linear term,
a reader of two a short one), and with raw terms the weights meant something else for
each (standardising them, with the sink below in parts of the score's range, took
precision@10 from 0.415 to 0.426 on the tuning half of 200 simulated readers, and from
0.239 to 0.259 on the held-out half; see BENCHMARKS.md).

    lin(p) = (p − μ) · w ÷ ((μ₊ − μ) · w),   w = (Σ + λI)⁻¹ (μ₊ − μ)

μ₊ is the positives' mean vector, and μ, Σ the mean and covariance of a *background*:
the BACKGROUND_SIZE papers featured most recently up to the window's last day, the same
for every reader, so each process keeps it (background()). lin() is linear discriminant
analysis with every recent paper as a negative, which is what makes arxiv-sanity's
tf-idf SVM strong: 0 at the background's mean, 1 at the positives'. With too small a
background it falls back to the cosine with the positives' centroid, both centred on the
window's mean. The F term is the positives' words (title and abstract, words and pairs
of words, idf from the background; Lexicon): a paper that says "gaussian splatting" as
the reader's papers do is near them even where the sentence vectors blur it. Only
positives and candidates inside the background have words here (the rest get 0).
range is the spread (largest less smallest) of the terms before it over the window, so
that D = 1 takes a paper near enough to a rejected one to the bottom for any reader.
near() rises from 0 at NEIGHBOUR_FLOOR to 1 at NEIGHBOUR_FULL, and gate is 1 when the
nearest negative is at least as near as the nearest positive, falling to 0 when the
positive is NEIGHBOUR_MARGIN nearer.

Positives are the reader's upvotes, saves and seed papers, and the papers of what they
follow; negatives are the papers marked "not interested". The D term is what makes one
"not interested" sink the rejected paper's near neighbours and not just the paper; the
gate keeps the neighbours that are nearer still to something liked. With no positives
the trending term alone orders the list (cold start), so a new reader never sees an
empty page. The score is computed twice: the second time with the first pass's
PSEUDO_POSITIVES best candidates counted as positives too (pseudo-relevance feedback),
and the two added. The weights were chosen on the tuning half of `paperwire bench
recommend`'s readers (benchmarks/recommend.py) and are quoted on its held-out half.

Only what ranking needs is read for the candidates (ids, trending, the fields follows
match on); the cards' fields are read for the picks alone (card_papers()).

A paper matching a follow (author, organisation, category, or topic by the digests'
alert matching) is always listed, first, unless marked not interested; the model orders
the rest. Never twice: a paper the reader upvoted, saved, marked, was sent in a digest,
or was shown here before the newest featured day is not listed again as new; an upvoted
or saved paper with a newer arXiv version than the one the reader knew is listed once,
as "updated to vN".
"""

from __future__ import annotations

import logging
import math
import re
from collections import Counter, OrderedDict
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import pairwise

import numpy as np
from django.apps import apps
from django.db import transaction
from django.db.models import Count, Max, Sum
from django.utils import timezone

from paperwire.papers.models import CARD_FIELDS, CARD_RELATIONS, Paper
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
# Weights of the standardised terms (see the module's docstring); chosen on the tuning
# half of `paperwire bench recommend`, where one "not interested" must also take ≥ 80%
# of its near neighbours out. The linear term and the words carry it: without the
# nearest/KNN terms precision@10 fell by 0.005, and trending only breaks ties.
A_LINEAR, B_NEAREST, C_KNN, D_NEIGHBOUR, E_TRENDING, F_WORDS = (
    1.0, 0.125, 0.125, 1.0, 0.025, 0.75)
KNN = 3
# The first pass's best candidates taken as liked in a second pass (for_you): +0.002
# precision@10 on the bench's tuning half of 200 readers (+0.006 with the raw terms).
PSEUDO_POSITIVES = 5
# The background the reader's taste is told apart from: the papers featured most
# recently up to the window's last day (the window's own included), and the ridge
# that keeps its covariance invertible and the direction from chasing noise.
BACKGROUND_SIZE, BACKGROUND_MIN, RIDGE = 1_000, 50, 0.03
BACKGROUNDS_KEPT = 8  # windows' backgrounds a process keeps
# A paper with a cosine of NEIGHBOUR_FULL or more with a rejected one sinks by the whole
# D_NEIGHBOUR (a share of the score's range over the window); from NEIGHBOUR_FLOOR up it
# sinks by a part. Below 0.58 the sink cost more precision than it bought: the bench's
# near neighbours are those at 0.6 and up.
NEIGHBOUR_FLOOR, NEIGHBOUR_FULL, NEIGHBOUR_MARGIN = 0.58, 0.63, 0.2
LIKE_MIN = 0.4  # a pick nearer than this to a positive says "like …"
LIKE_FOLLOWED = -1  # Pick.like of a pick most like a paper of what the reader follows
REASON_TITLE = 80


@dataclass
class Pick:
    paper: Paper  # a Candidate while ranking, the Paper with its card fields once picked
    reasons: list[str]
    score: float = 0.0
    updated_to: int | None = None
    # The positive this pick is most like (LIKE_FOLLOWED: a paper of a follow), if any.
    like: int | None = field(default=None, repr=False)


@dataclass
class Signals:
    """What the reader did, as paper ids, read once per ranking."""

    positives: dict[int, str] = field(default_factory=dict)  # paper → "upvoted"/"saved"/…
    negatives: list[int] = field(default_factory=list)
    hidden: set[int] = field(default_factory=set)  # never listed as new
    upvoted: list[int] = field(default_factory=list)  # the most recent, newest first
    follows: list[Follow] = field(default_factory=list)
    seeds: list[int] = field(default_factory=list)
    saved: set[int] = field(default_factory=set)  # in any of the reader's collections
    saved_versions: dict[int, int | None] = field(default_factory=dict)  # when saved
    default_saved: set[int] = field(default_factory=set)  # in their "Saved"


def library_installed() -> bool:
    return apps.is_installed("paperwire.library")


def saved_ids(user) -> set[int]:
    if not library_installed():
        return set()
    from paperwire.library.models import Collection

    return set(Collection.objects.saved_paper_ids(user))


def _saved_items(user) -> list[tuple]:
    """The items of the reader's collections, newest first (library.CollectionItem)."""
    if not library_installed():
        return []
    from paperwire.library.models import CollectionItem

    return CollectionItem.objects.of_owner(user)


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
    """The reader's signals in six small queries (each bounded but the saves, which
    are read once for everything For you asks of them)."""
    from paperwire.community.models import Vote

    reset_at = ReaderState.reset_at_for(user)
    signals = Signals()
    for pk, at in (Vote.objects.filter(user=user).order_by("-created_at")
                   .values_list("paper_id", "created_at")[:MAX_POSITIVES]):
        signals.upvoted.append(pk)
        if reset_at is None or at > reset_at:
            signals.positives.setdefault(pk, "upvoted")
    items = _saved_items(user)
    learned = [pk for pk, _, at, _ in items if reset_at is None or at > reset_at]
    for pk in learned[:MAX_POSITIVES]:
        signals.positives.setdefault(pk, "saved")
    signals.saved = {pk for pk, *_ in items}
    signals.default_saved = {pk for pk, _, _, default in items if default}
    if items:
        from paperwire.library.models import highest_versions

        signals.saved_versions = highest_versions((pk, v) for pk, v, *_ in items)
    signals.seeds = list(Seed.objects.filter(user=user)
                         .values_list("paper_id", flat=True)[:MAX_POSITIVES])
    for pk in signals.seeds:
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
    """The stored vectors of these papers (of the configured model), by paper id."""
    from paperwire.search.embeddings import model_key
    from paperwire.search.models import PaperEmbedding

    ids = list(dict.fromkeys(paper_ids))
    found: dict[int, np.ndarray] = {}
    for start in range(0, len(ids), 2_000):
        for pk, raw in (PaperEmbedding.objects.of_papers(ids[start:start + 2_000], model_key())
                        .values_list("paper_id", "vector")):
            found[pk] = np.frombuffer(bytes(raw), dtype=np.float32)
    return found


def _stack(vectors: list[np.ndarray]) -> np.ndarray | None:
    return np.stack(vectors) if vectors else None


_WORD = re.compile(r"[a-z][a-z0-9\-]+")
LEXICON_MIN_DF = 2  # a term in fewer of the background's papers has no column


def _terms(text: str) -> Counter:
    """A text's words and pairs of words, lower-cased, counted."""
    words = _WORD.findall(text.lower())
    return Counter(words + [f"{a} {b}" for a, b in pairwise(words)])


@dataclass(frozen=True)
class Lexicon:
    """Papers as l2-normalised tf-idf rows over their words and pairs of words
    (sublinear tf, as arxiv-sanity's), in compressed sparse rows: row i's columns are
    indices[indptr[i]:indptr[i + 1]], its values the same slice of data."""

    rows: dict[int, int]  # paper id → row
    indptr: np.ndarray
    indices: np.ndarray
    data: np.ndarray
    columns: int

    @classmethod
    def of(cls, texts: dict[int, str]) -> Lexicon:
        counted = {pk: _terms(text) for pk, text in texts.items()}
        df = Counter(term for terms in counted.values() for term in terms)
        vocabulary: dict[str, int] = {}
        for term, n in df.items():
            if n >= LEXICON_MIN_DF:
                vocabulary[term] = len(vocabulary)
        idf = np.array([math.log((1 + len(counted)) / (1 + df[t])) + 1 for t in vocabulary])
        rows, indptr, indices, data = {}, [0], [], []
        for row, (pk, terms) in enumerate(counted.items()):
            kept = [(vocabulary[t], n) for t, n in terms.items() if t in vocabulary]
            columns = [c for c, _ in kept]
            values = np.array([1 + math.log(n) for _, n in kept]) * idf[columns]
            norm = float(np.linalg.norm(values))
            rows[pk] = row
            indices.extend(columns)
            data.extend(values / norm if norm > 0 else values)
            indptr.append(len(indices))
        return cls(rows, np.array(indptr, dtype=np.int64), np.array(indices, dtype=np.int64),
                   np.array(data, dtype=np.float64), len(vocabulary))

    def similarity(self, positive_ids: list[int], candidate_ids: list[int]) -> np.ndarray:
        """Each candidate's cosine with the centroid of the positives' rows; 0 for a
        paper with no row (and for all when no positive has one)."""
        found = np.zeros(len(candidate_ids))
        columns, values = self._cells([self.rows[pk] for pk in positive_ids if pk in self.rows])
        if not len(columns):
            return found
        centroid = np.bincount(columns, weights=values, minlength=self.columns)
        # Sums, not BLAS: its threads cost more than they save on vectors this small.
        norm = math.sqrt(float(np.square(centroid).sum()))
        if norm == 0:
            return found
        at = [i for i, pk in enumerate(candidate_ids) if pk in self.rows]
        rows = [self.rows[candidate_ids[i]] for i in at]
        lengths = self.indptr[np.array(rows, dtype=np.int64) + 1] - self.indptr[rows]
        columns, values = self._cells(rows)
        owner = np.repeat(np.arange(len(rows)), lengths)
        found[at] = np.bincount(owner, weights=values * centroid[columns],
                                minlength=len(rows)) / norm
        return found

    def _cells(self, rows: list[int]) -> tuple[np.ndarray, np.ndarray]:
        """The columns and values of these rows, one after the other."""
        if not rows:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        picked = np.concatenate([np.arange(self.indptr[r], self.indptr[r + 1]) for r in rows])
        return self.indices[picked], self.data[picked]


@dataclass(frozen=True)
class Background:
    """What papers look like whoever reads them, from a sample of recent ones: the mean
    of their vectors, the inverse of their covariance (plus RIDGE on the diagonal), and
    their words (a Lexicon, whose idf is theirs)."""

    mean: np.ndarray
    precision: np.ndarray
    lexicon: Lexicon

    @classmethod
    def of(cls, vectors: np.ndarray, texts: dict[int, str], ridge: float = RIDGE
           ) -> Background:
        x = np.asarray(vectors, dtype=np.float64)
        mean = x.mean(axis=0)
        centred = x - mean
        covariance = centred.T @ centred / len(x)
        precision = np.linalg.inv(covariance + ridge * np.eye(x.shape[1]))
        return cls(mean, precision, Lexicon.of(texts))


_backgrounds: OrderedDict[tuple, Background | None] = OrderedDict()


def background(last: date) -> Background | None:
    """The Background of the BACKGROUND_SIZE embedded papers featured most recently up
    to `last`; None with fewer than BACKGROUND_MIN of them.

    The same for every reader, so each process keeps a few (BACKGROUNDS_KEPT), under a
    key naming the model, the day, the papers featured on that day (their count and
    the sum of their ids: papers arrive on the newest day) and the newest stored vector
    (a paper embedded late, or again after a change of text): two indexed queries. A
    change to an older day (a paper hidden) is seen once a newer day is featured; the
    background is a sample, and one paper more or less barely moves it. Building one
    reads the papers' vectors and texts, inverts a 384 x 384 matrix and counts the words
    (a second or so for 1,000 papers, once per process and key); using one is a
    matrix-vector product and a sparse one per reader.
    """
    from paperwire.search.embeddings import model_key
    from paperwire.search.models import PaperEmbedding

    model = model_key()
    day = (Paper.objects.visible().filter(featured_on=last)
           .aggregate(count=Count("pk"), total=Sum("pk")))
    newest_vector = (PaperEmbedding.objects.filter(model=model)
                     .aggregate(newest=Max("updated_at"))["newest"])
    key = (model, last, day["count"], day["total"], newest_vector)
    if key in _backgrounds:
        _backgrounds.move_to_end(key)
        return _backgrounds[key]
    ids = list(Paper.objects.visible().filter(featured_on__lte=last)
               .order_by("-featured_on", "-pk").values_list("pk", flat=True)
               [:BACKGROUND_SIZE])
    vectors = _vectors(ids)
    found = None
    if len(vectors) >= BACKGROUND_MIN:
        texts = {pk: f"{title} {abstract}" for pk, title, abstract in
                 Paper.objects.filter(pk__in=list(vectors))
                 .values_list("pk", "title", "abstract")}
        found = Background.of(np.stack(list(vectors.values())), texts)
    _backgrounds[key] = found
    while len(_backgrounds) > BACKGROUNDS_KEPT:
        _backgrounds.popitem(last=False)
    return found


def score_candidates(candidates: np.ndarray, positives: np.ndarray | None,
                     negatives: np.ndarray | None, trending: np.ndarray,
                     background: Background | None = None,
                     words: np.ndarray | None = None
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(score, nearest positive's row, its cosine) for each candidate row.

    `candidates`, `positives` and `negatives` are unit vectors by row; `trending` the
    candidates' trending scores; `background` what recent papers look like (without
    one, the candidates' own mean stands for it); `words` each candidate's tf-idf cosine
    with the positives' words (Lexicon.similarity). Pure numpy.
    """
    n = len(candidates)
    score = E_TRENDING * _standard(trending)
    nearest = np.full(n, -1)
    nearest_sim = np.zeros(n)
    if positives is not None and len(positives) and n:
        sims = candidates @ positives.T
        score = score + A_LINEAR * _standard(_linear(candidates, positives, background))
        nearest = sims.argmax(axis=1)
        nearest_sim = sims[np.arange(n), nearest]
        top = np.sort(sims, axis=1)[:, -min(KNN, sims.shape[1]):]
        score = score + B_NEAREST * _standard(nearest_sim) + C_KNN * _standard(top.mean(axis=1))
        if words is not None:
            score = score + F_WORDS * _standard(words)
    if negatives is not None and len(negatives) and n:
        closest = (candidates @ negatives.T).max(axis=1)
        near = np.clip((closest - NEIGHBOUR_FLOOR) / (NEIGHBOUR_FULL - NEIGHBOUR_FLOOR), 0, 1)
        # Sunk only where the rejected paper is about as near as anything liked: a
        # neighbour of a rejected paper that is closer to a liked one keeps its place.
        gate = np.clip((closest - nearest_sim + NEIGHBOUR_MARGIN) / NEIGHBOUR_MARGIN, 0, 1)
        # In parts of the score's range, so that a whole D_NEIGHBOUR takes a paper as
        # far down for every reader.
        score = score - D_NEIGHBOUR * float(np.ptp(score)) * near * gate
    return score, nearest, nearest_sim


def _standard(values: np.ndarray) -> np.ndarray:
    """The values as standard scores over the candidates (0 mean, unit spread; all 0
    when they do not vary), so that a term's weight means the same for every reader."""
    values = np.asarray(values, dtype=np.float64)
    spread = float(values.std()) if len(values) else 0.0
    if spread <= 1e-12:
        return np.zeros(len(values))
    return (values - values.mean()) / spread


def _linear(candidates: np.ndarray, positives: np.ndarray,
            background: Background | None) -> np.ndarray:
    """The linear term: how far along the reader's direction each candidate lies, 0 at
    the background's mean and 1 at the positives' mean.

    With a background the direction is linear discriminant analysis's,
    w = (Σ + λI)⁻¹ (μ_positives − μ_background): the positives told apart from the
    background, as the SVM baseline tells them apart from every other paper, with the
    directions in which all papers vary a lot (that say little about this reader)
    weighed down. Without one, the cosine with the positives' centroid, both centred on
    the candidates' mean: every paper here is "about language models" to some degree,
    and that shared direction says nothing about this reader.
    """
    n = len(candidates)
    if background is None:
        mean = candidates.mean(axis=0)
        centred = candidates - mean
        centroid = positives.mean(axis=0) - mean
        norms = np.linalg.norm(centred, axis=1) * np.linalg.norm(centroid)
        return np.divide(centred @ centroid, norms, out=np.zeros(n), where=norms > 0)
    difference = positives.mean(axis=0) - background.mean
    direction = background.precision @ difference
    scale = float(direction @ difference)  # > 0 unless the positives sit on the mean
    if scale <= 1e-12:
        return np.zeros(n)
    return ((candidates - background.mean) @ direction) / scale


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


# What ranking a candidate needs (follows, reasons, never twice); its card's fields are
# read for the picks alone (card_papers).
RANKING_FIELDS = ("author_names", "categories", "primary_category", "version",
                  "organisation_id", "organisation__name")
TOPIC_FIELDS = ("title", "abstract")  # read only for a reader following a topic


@dataclass(slots=True)
class CandidateOrganisation:
    name: str


@dataclass(slots=True)
class Candidate:
    """A paper of the window as ranking sees it: the fields of RANKING_FIELDS (and
    TOPIC_FIELDS) read as plain values. Building 350 model instances (and their
    organisations) took 9 ms of the ranking's 31; a pick's Paper is read after
    (card_papers)."""

    pk: int
    trending_score: float
    author_names: list[str]
    categories: str
    primary_category: str
    version: int | None
    organisation_id: int | None
    organisation: CandidateOrganisation | None
    title: str = ""
    abstract: str = ""

    @classmethod
    def of_window(cls, first: date, last: date, with_text: bool) -> list[Candidate]:
        """The window's papers, best trending first (at most MAX_CANDIDATES)."""
        fields = RANKING_FIELDS + (TOPIC_FIELDS if with_text else ())
        rows = (Paper.objects.trending(reference=last, since=first)
                .values_list("pk", "trending_score", *fields)[:MAX_CANDIDATES])
        found = []
        for pk, trending, authors, categories, primary, version, org_id, org_name, *text in rows:
            organisation = CandidateOrganisation(org_name) if org_id is not None else None
            found.append(cls(pk, float(trending or 0.0), list(authors or []), categories or "",
                             primary or "", version, org_id, organisation, *text))
        return found


PICK_FIELDS = (*CARD_FIELDS, "primary_category", "version", "organisation_id", "project_url")


def card_papers(ids) -> dict[int, Paper]:
    """These papers with what their cards (and the API's paper objects) show, in one
    query: the organisation, stars and thumbnail joined."""
    return (Paper.objects.select_related(*CARD_RELATIONS).only(*PICK_FIELDS)
            .in_bulk(list(ids)))


def for_you(user, days: int = DEFAULT_DAYS, limit: int = 20, *,
            first: date | None = None, last: date | None = None,
            exclude: set[int] | frozenset[int] = frozenset(),
            record: bool = True, signals: Signals | None = None) -> list[Pick]:
    """The reader's For you: updated papers first, then what they follow, then the rest
    by the model. `first`/`last` give the featured days (a digest's window); otherwise
    the last `days` days up to the newest featured day. `record` remembers what was
    shown, so it is not listed as new once a newer day is featured. `signals` (from
    read_signals) saves reading them again when the caller has them."""
    limit = max(1, min(limit, MAX_LIMIT))
    newest = Paper.objects.latest_featured_day()
    if newest is None:
        return []
    if first is None or last is None:
        last = newest
        first = last - timedelta(days=max(1, days) - 1)
    if signals is None:
        signals = read_signals(user)
    # The candidates with what ranking them needs; the cards' fields (the abstract
    # above all) only for the picks, below.
    rows = Candidate.of_window(first, last, any(f.kind == TOPIC for f in signals.follows))
    candidate_ids = [p.pk for p in rows]
    # What For you showed the reader of these papers, and of those they upvoted or
    # saved (for "updated to vN"): one query for both uses.
    seen = {row.paper_id: row for row in Seen.objects.filter(
        user=user, paper_id__in=set(candidate_ids) | set(signals.upvoted)
        | set(signals.saved_versions))}
    hidden = _never_twice(user, signals, candidate_ids, first, newest, seen) | set(exclude)
    updated, first_seen = _updated(user, signals, newest, seen) if record else ([], [])
    updated_ids = {pick.paper.pk for pick in updated}
    candidates = [p for p in rows if p.pk not in hidden and p.pk not in updated_ids]

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
    scored: list[Pick] = []
    if with_vector:
        matrix = np.stack([vectors[p.pk] for p in with_vector])
        trending = np.array([p.trending_score for p in with_vector], dtype=np.float64)
        known = background(last) if positives is not None else None
        words = (known.lexicon.similarity(positive_ids + follow_paper_ids,
                                          [p.pk for p in with_vector])
                 if known is not None else None)
        score, nearest, nearest_sim = score_candidates(matrix, positives, negatives,
                                                       trending, known, words)
        if positives is not None and len(with_vector) > PSEUDO_POSITIVES:
            # Pseudo-relevance feedback: score again with the first pass's best few
            # taken as liked too, and add the two scores (a reader's few signals say
            # less about this window than its best matches do).
            top = np.argsort(-score, kind="stable")[:PSEUDO_POSITIVES]
            again, _, _ = score_candidates(matrix, np.vstack([positives, matrix[top]]),
                                           negatives, trending, known, words)
            score = score + again
        for i, paper in enumerate(with_vector):
            pick = Pick(paper, list(reasons.get(paper.pk, [])), float(score[i]))
            row = int(nearest[i])
            if not pick.reasons and row >= 0 and nearest_sim[i] >= LIKE_MIN:
                # Which positive it is like: worded once the picks are known (below).
                pick.like = positive_ids[row] if row < len(positive_ids) else LIKE_FOLLOWED
            scored.append(pick)
    # A paper not embedded yet has no place in the model: after the others, by trending.
    scored += [Pick(p, list(reasons.get(p.pk, [])), -10.0) for p in without]
    followed = sorted((s for s in scored if s.paper.pk in reasons), key=lambda s: -s.score)
    rest = sorted((s for s in scored if s.paper.pk not in reasons), key=lambda s: -s.score)
    picks = (updated + followed + rest)[:limit]
    _word_reasons(picks, signals)
    cards = card_papers(p.paper.pk for p in picks if p.updated_to is None)
    # A pick whose paper went (deleted while this ran) has no card: left out.
    picks = [p for p in picks if p.updated_to is not None or p.paper.pk in cards]
    for pick in picks:
        if pick.updated_to is None:
            pick.paper = cards[pick.paper.pk]
    if record:
        _remember(user, picks, newest, seen, first_seen)
    return picks


def _word_reasons(picks: list[Pick], signals: Signals) -> None:
    """Give each pick without a reason yet its "like …" or "trending in …"."""
    liked = {p.like for p in picks if not p.reasons and p.like not in (None, LIKE_FOLLOWED)}
    titles = (dict(Paper.objects.filter(pk__in=liked).values_list("pk", "title"))
              if liked else {})
    for pick in picks:
        if pick.reasons:
            continue
        if pick.like == LIKE_FOLLOWED:
            pick.reasons = ["like papers of what you follow"]
        elif pick.like is not None:
            pick.reasons = [f"like “{_title(titles.get(pick.like, ''))}”, which you "
                            f"{signals.positives[pick.like]}"]
        else:
            pick.reasons = [_trending_reason(pick.paper)]


def _trending_reason(paper: Paper) -> str:
    category = paper.primary_category or (paper.categories.split() or [""])[0]
    return f"trending in {category}" if category else "trending"


def _never_twice(user, signals: Signals, candidate_ids: list[int], first: date,
                 newest: date, seen: dict[int, Seen]) -> set[int]:
    """Candidates not to list as new: marked, upvoted, saved, picked as a seed, sent in
    a digest, or shown before the newest featured day."""
    from paperwire.community.models import Vote

    hidden = set(signals.hidden)
    hidden |= set(signals.seeds)
    if len(signals.upvoted) < MAX_POSITIVES:  # every upvote of the reader's is known
        hidden |= set(signals.upvoted)
    else:
        hidden |= set(Vote.objects.filter(user=user, paper_id__in=candidate_ids)
                      .values_list("paper_id", flat=True))
    candidates = set(candidate_ids)
    hidden |= signals.saved & candidates
    hidden |= sent_ids(user, first - SENT_LOOKBACK)
    hidden |= {pk for pk, row in seen.items() if pk in candidates and (
        row.how != Seen.SHOWN or (row.shown_through is not None
                                  and row.shown_through < newest))}
    return hidden


def _updated(user, signals: Signals, newest: date, seen: dict[int, Seen]
             ) -> tuple[list[Pick], list[Seen]]:
    """Upvoted or saved papers with a newer version than the one the reader knew; and
    the rows to write for those For you meets for the first time (_remember writes
    them)."""
    known = signals.saved_versions
    upvoted = signals.upvoted
    current = (Paper.objects.visible().filter(pk__in=set(upvoted) | set(known))
               .exclude(pk__in=signals.hidden).values_list("pk", "version"))
    updated, first_seen = {}, []
    for pk, current_version in current:
        row = seen.get(pk)
        if row is None:
            # The first time For you meets this upvote: remember the version it is at.
            version = known.get(pk, current_version)
            first_seen.append(Seen(user_id=user.pk, paper_id=pk, version=version,
                                   how=Seen.KNOWN))
        else:
            version = row.version
            if known.get(pk) is not None:
                version = max(v for v in (version, known[pk]) if v is not None)
        newer = (current_version is not None and version is not None
                 and current_version > version)
        again = row is not None and row.how == Seen.UPDATED and row.shown_through == newest
        if newer or again:
            updated[pk] = current_version
    if not updated:
        return [], first_seen
    return [Pick(p, [f"updated to v{p.version}"], updated_to=p.version)
            for p in card_papers(updated).values()], first_seen


def _remember(user, picks: list[Pick], newest: date, seen: dict[int, Seen],
              first_seen: list[Seen]) -> None:
    """Record what was shown: new picks as shown through the newest day, updated ones
    at the version shown (so an update shows once); and the versions of upvotes and
    saves met for the first time. One transaction, and none when nothing is new (a
    reader reloading the page writes nothing)."""
    now = timezone.now()
    shown = [Seen(user=user, paper=p.paper, version=p.paper.version, how=Seen.SHOWN,
                  shown_through=newest, at=now)
             for p in picks if p.updated_to is None and p.paper.pk not in seen]
    updates = [p for p in picks if p.updated_to is not None and not (
        p.paper.pk in seen and seen[p.paper.pk].how == Seen.UPDATED
        and seen[p.paper.pk].version == p.updated_to
        and seen[p.paper.pk].shown_through == newest)]
    if not (first_seen or shown or updates):
        return
    with transaction.atomic():
        # The first-met versions first: an update below may be of one of them.
        Seen.objects.bulk_create(first_seen + shown, ignore_conflicts=True)
        for pick in updates:
            Seen.objects.filter(user=user, paper=pick.paper).exclude(
                how=Seen.UPDATED, version=pick.updated_to, shown_through=newest).update(
                how=Seen.UPDATED, version=pick.updated_to, shown_through=newest, at=now)
