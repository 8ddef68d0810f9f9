"""Papers, their authors and organisations, and the batched upsert every source uses."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.text import slugify

from paperwire.lib.categories import SEPARATORS
from paperwire.lib.sql import executemany, insert_objects
from paperwire.papers.records import PaperRecord

# Fields a record may set; None in a record means "the source does not say".
MERGED_FIELDS = (
    "title", "abstract", "primary_category", "categories", "published_at", "updated_at",
    "comments", "journal_ref", "doi", "license", "submitter", "code_url", "project_url",
)
# Who put the paper on Daily Papers, and when: set once, like `featured_on` (a later
# source does not change who submitted a paper already featured). Apart from
# `submitter`, which is arXiv's uploader.
DAILY_SUBMISSION_FIELDS = (
    "daily_submitter", "daily_submitter_fullname", "daily_submitter_avatar",
    "submitted_on_daily_at",
)
# A count a source reports (a record's `upvotes`, `num_comments`) is the imported part of
# the total; this site's own votes and comments are counted apart (`local_upvotes`,
# `local_comments`, moved by the community app). Ingest stores the total as the
# reported count + the local count read in the same UPDATE, so a vote cast while a batch
# is stored is never lost.
LOCAL_COUNTS = {"upvotes": "local_upvotes", "num_comments": "local_comments"}
# Fields that describe one version of the paper: an older version never overwrites them.
VERSIONED_FIELDS = frozenset(
    ("title", "abstract", "updated_at", "comments", "journal_ref", "doi", "license")
)
NAME_LOOKUP_CHUNK = 2_000

# Trending: a featured paper's score is
#
#     (upvotes + 1) / (age + 2) ** TRENDING_GRAVITY
#
# where `age` is whole days between the day it was featured and the newest featured day
# (0 for that day), over the last TRENDING_DAYS featured days only. Counting age in whole
# days from the newest featured day keeps the order stable: it changes when votes change
# or a new day is featured, never from one request to the next. The weights for the
# TRENDING_DAYS possible ages are computed here, so the database does one multiplication
# per row (a CASE on the indexed featured_on), the same on SQLite and PostgreSQL.
TRENDING_DAYS = 14
TRENDING_GRAVITY = 1.5
# The fields a card shows; a list loads only these (and its organisation in the same query).
CARD_FIELDS = (
    "arxiv_id", "title", "abstract", "author_names", "published_at", "featured_on",
    "upvotes", "num_comments", "code_url", "categories", "organisation__name",
    "organisation__slug", "updated_at", "modified_at", "daily_submitter",
    "daily_submitter_fullname",
    # Fetched by the enrich app: the repository's stars and the first page's picture.
    "code_repo__stars", "thumbnail__file_name", "thumbnail__fetched_at",
    "thumbnail__width", "thumbnail__height",
)
# What a card reads beside the paper, joined in the same query.
CARD_RELATIONS = ("organisation", "code_repo", "thumbnail")
EXCERPT_CHARS = 300
# How a list of featured papers can be ordered: most upvoted, or newest first.
LIST_SORTS = {
    "upvotes": ("-upvotes", "-published_at", "arxiv_id"),
    "time": ("-featured_on", "-published_at", "arxiv_id"),
}


def trending_weight(age_days: int) -> float:
    return 1.0 / (age_days + 2) ** TRENDING_GRAVITY


class Organisation(models.Model):
    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=200, unique=True)
    url = models.URLField(max_length=500, blank=True)
    # The organisation's picture as a source gave it (the Hub's `avatar`); http(s) only.
    avatar_url = models.URLField(max_length=500, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def web_url(self) -> str:
        return _web_link(self.url)

    @property
    def avatar_link(self) -> str:
        return _web_link(self.avatar_url)

    @classmethod
    def store_avatars(cls, avatars: dict[str, str]) -> None:
        """Set the avatar of each named organisation that a source now gives."""
        for name, url in avatars.items():
            cls.objects.filter(name=name).exclude(avatar_url=url).update(avatar_url=url)

    @classmethod
    def ids_for_names(cls, names: Iterable[str]) -> dict[str, int]:
        names = set(names)
        if not names:
            return {}
        existing = dict(cls.objects.filter(name__in=names).values_list("name", "id"))
        missing = names - existing.keys()
        if missing:
            # "Meta AI" and "Meta-AI" slugify alike: a slug taken earlier in this batch is
            # taken too, or ignore_conflicts would drop the second organisation.
            taken: set[str] = set()
            new = []
            for name in sorted(missing):
                new.append(cls(name=name, slug=_unique_slug(name, taken)))
                taken.add(new[-1].slug)
            cls.objects.bulk_create(new, ignore_conflicts=True)
            existing.update(cls.objects.filter(name__in=missing).values_list("name", "id"))
        return existing


def _unique_slug(name: str, taken: set[str]) -> str:
    base = slugify(name)[:150] or "org"
    slug, n = base, 1
    while slug in taken or Organisation.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


class Author(models.Model):
    name = models.CharField(max_length=300, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="author_profiles",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def ids_for_names(cls, names: set[str]) -> dict[str, int]:
        """Author ids by name, creating the missing authors in bulk."""
        table = cls._meta.db_table
        ids: dict[str, int] = {}
        ordered = sorted(names)
        with connection.cursor() as cursor:
            for start in range(0, len(ordered), NAME_LOOKUP_CHUNK):
                chunk = ordered[start:start + NAME_LOOKUP_CHUNK]
                cursor.executemany(
                    f"INSERT INTO {table} (name) VALUES (%s) ON CONFLICT (name) DO NOTHING",
                    [(n,) for n in chunk])
                marks = ", ".join(["%s"] * len(chunk))
                cursor.execute(f"SELECT name, id FROM {table} WHERE name IN ({marks})", chunk)
                ids.update(cursor.fetchall())
        return ids


@dataclass
class UpsertCounts:
    new: int = 0
    updated: int = 0
    unchanged: int = 0

    def add(self, other: UpsertCounts) -> None:
        self.new += other.new
        self.updated += other.updated
        self.unchanged += other.unchanged


class PaperQuerySet(models.QuerySet):
    def visible(self) -> PaperQuerySet:
        return self.filter(is_hidden=False)

    def featured_on(self, day) -> PaperQuerySet:
        return self.visible().filter(featured_on=day)

    def latest_featured_day(self):
        return (
            self.visible().exclude(featured_on=None)
            .order_by("-featured_on").values_list("featured_on", flat=True).first()
        )

    def cards(self) -> PaperQuerySet:
        """Only what a paper card shows, with the organisation, stars and thumbnail in
        the same query."""
        return self.select_related(*CARD_RELATIONS).only(*CARD_FIELDS)

    def featured_between(self, start: date, end: date) -> PaperQuerySet:
        return self.visible().filter(featured_on__range=(start, end))

    def sorted_by(self, sort: str) -> PaperQuerySet:
        """Order by one of LIST_SORTS ("upvotes" or "time")."""
        return self.order_by(*LIST_SORTS[sort])

    def featured_day_before(self, day: date) -> date | None:
        """The closest earlier day with a visible featured paper (empty days skipped)."""
        return (self.visible().filter(featured_on__lt=day).order_by("-featured_on")
                .values_list("featured_on", flat=True).first())

    def featured_day_after(self, day: date) -> date | None:
        return (self.visible().filter(featured_on__gt=day).order_by("featured_on")
                .values_list("featured_on", flat=True).first())

    def trending(self, reference: date | None = None,
                 since: date | None = None) -> PaperQuerySet:
        """Papers featured from `since` to `reference`, best `trending_score` first.

        `reference` is "today" for the ages (by default the newest featured day) and
        `since` defaults to TRENDING_DAYS before it.
        """
        if reference is None:
            reference = self.latest_featured_day()
            if reference is None:
                return self.none()
        if since is None:
            since = reference - timedelta(days=TRENDING_DAYS - 1)
        weights = [
            models.When(featured_on=reference - timedelta(days=age),
                        then=models.Value(trending_weight(age)))
            for age in range((reference - since).days + 1)
        ]
        score = (models.F("upvotes") + 1) * models.Case(
            *weights, default=models.Value(0.0), output_field=models.FloatField())
        return (
            self.featured_between(since, reference)
            .annotate(trending_score=models.ExpressionWrapper(
                score, output_field=models.FloatField()))
            .order_by("-trending_score", "-upvotes", "arxiv_id")
        )

    def in_category(self, category: str) -> PaperQuerySet:
        """Papers listing `category` among their space-separated categories."""
        escaped = re.escape(category)
        return self.filter(categories__regex=rf"(^| ){escaped}( |$)")

    def data_version(self) -> str:
        """Changes whenever a paper is added or modified: a key for caches and ETags.

        Two indexed MAX lookups; anything that changes a paper must bump modified_at
        (Model.save and the batched upsert both do).
        """
        # Raw SQL: it runs on every cached page view, where the ORM's query building
        # costs more than the lookups themselves. One subquery per MAX: SQLite answers a
        # lone MAX from the index, but scans the table for two MAXes in one SELECT.
        table = self.model._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT (SELECT MAX(id) FROM {table}), "
                           f"(SELECT MAX(modified_at) FROM {table})")
            pk, stamp = cursor.fetchone()
        return f"{pk or 0}-{stamp or 0}"

    def upsert_records(self, records: list[PaperRecord]) -> UpsertCounts:
        """Insert or update a batch of records in one transaction.

        Keyed on the normalised arXiv id; a record repeated in the batch is merged in
        order. Counts say how many papers were new, changed, or already as given.
        """
        with transaction.atomic():
            return self._upsert(records)

    def _upsert(self, records: list[PaperRecord]) -> UpsertCounts:
        # Which ids exist, in plain SQL (the ORM spends ~5 ms compiling an IN of 1,000
        # parameters); only the existing papers are then loaded as objects.
        stored = pks_by_arxiv_id({r.arxiv_id for r in records})
        papers = ({p.arxiv_id: p for p in self.model.objects.filter(pk__in=stored.values())}
                  if stored else {})
        org_ids = Organisation.ids_for_names(r.organisation for r in records if r.organisation)
        Organisation.store_avatars({r.organisation: r.organisation_avatar for r in records
                                    if r.organisation and r.organisation_avatar})

        # Each id ends up "new", "updated" or "unchanged"; an id repeated in the batch
        # is merged in order and counted once.
        outcome: dict[str, str] = {}
        authors_changed: dict[str, Paper] = {}
        for record in records:
            paper = papers.get(record.arxiv_id)
            if paper is None:
                paper = papers[record.arxiv_id] = _blank_paper(record.arxiv_id)
                outcome[record.arxiv_id] = "new"
            fields_changed, authors_differ = paper.apply(record, org_ids)
            if authors_differ or outcome.get(record.arxiv_id) == "new":
                authors_changed[record.arxiv_id] = paper
            if outcome.get(record.arxiv_id) in ("new", "updated"):
                continue
            changed = fields_changed or authors_differ
            outcome[record.arxiv_id] = "updated" if changed else "unchanged"

        created = [papers[i] for i, o in outcome.items() if o == "new"]
        updated = [papers[i] for i, o in outcome.items() if o == "updated"]
        if created:
            _insert_papers(created)
        if updated:
            now = timezone.now()  # bulk_update skips auto_now
            for paper in updated:
                paper.modified_at = now
            # The daily fields only when a record gives them: a snapshot batch (no
            # Daily Papers data) then updates no more columns than it did before.
            daily = (DAILY_SUBMISSION_FIELDS if any(
                r.daily_submitter or r.submitted_on_daily_at for r in records) else ())
            self.model.objects.bulk_update(
                updated,
                [*MERGED_FIELDS, *daily, "version", "author_names", "organisation",
                 "featured_on", "modified_at"],
                batch_size=500,
            )
            self._store_counts([p for p in updated if p.counts_changed])
        if authors_changed:
            self._store_authorship(authors_changed.values())
        return UpsertCounts(new=len(created), updated=len(updated),
                            unchanged=len(outcome) - len(created) - len(updated))

    def _store_counts(self, papers: list[Paper]) -> None:
        """Set each total to its new imported count + the local count as the UPDATE
        finds the row, so votes cast since the batch was read are kept."""
        for start in range(0, len(papers), 500):
            chunk = papers[start:start + 500]
            changes = {}
            for total, local in LOCAL_COUNTS.items():
                imported = models.Case(
                    *[models.When(pk=p.pk, then=models.Value(p.imported_count(total)))
                      for p in chunk],
                    output_field=models.IntegerField())
                changes[total] = imported + models.F(local)
            self.model.objects.filter(pk__in=[p.pk for p in chunk]).update(**changes)

    def _store_authorship(self, papers: Iterable[Paper]) -> None:
        papers = list(papers)
        author_ids = Author.ids_for_names({n for p in papers for n in p.author_names})
        # Only papers that already had authors can have links to replace.
        PaperAuthor.objects.filter(paper__in=[p.pk for p in papers if not p._state.adding]) \
            .delete()
        rows = []
        for paper in papers:
            seen = set()
            for position, name in enumerate(paper.author_names):
                if name in seen:  # the same name twice on one paper links once
                    continue
                seen.add(name)
                rows.append((paper.pk, author_ids[name], position))
        executemany(
            f"INSERT INTO {PaperAuthor._meta.db_table} (paper_id, author_id, position) "
            "VALUES (%s, %s, %s)", rows)


def _insert_papers(papers: list[Paper]) -> None:
    """INSERT new papers with one prepared statement, then read their primary keys back.

    This is what keeps a snapshot ingest above 5,000 papers/s (see lib/sql.py).
    """
    now = timezone.now()
    for paper in papers:
        paper.created_at = paper.modified_at = now
    insert_objects(Paper, papers, same_for_all=("created_at", "modified_at"))
    ids = pks_by_arxiv_id([p.arxiv_id for p in papers])
    for paper in papers:
        paper.pk = ids[paper.arxiv_id]
        paper._state.adding = False


def _blank_paper(arxiv_id: str) -> Paper:
    """A new unsaved Paper with default values.

    Positional construction is Django's fast path (3 µs against 8 µs with keywords,
    which looks up every field's default by name): 2% of a snapshot ingest. Callable
    defaults (the author list) are called for each paper, so none is shared.
    """
    values = list(_BLANK_VALUES)
    for position, field in _CALLABLE_DEFAULTS:
        values[position] = field.get_default()
    values[_ARXIV_ID_POSITION] = arxiv_id
    return Paper(*values)


def pks_by_arxiv_id(arxiv_ids: Iterable[str]) -> dict[str, int]:
    """Primary keys of the stored papers among these arXiv ids."""
    ordered = list(arxiv_ids)
    found: dict[str, int] = {}
    with connection.cursor() as cursor:
        for start in range(0, len(ordered), NAME_LOOKUP_CHUNK):
            chunk = ordered[start:start + NAME_LOOKUP_CHUNK]
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(f"SELECT arxiv_id, id FROM {Paper._meta.db_table} "
                           f"WHERE arxiv_id IN ({marks})", chunk)
            found.update(cursor.fetchall())
    return found


class Paper(models.Model):
    arxiv_id = models.CharField(max_length=40, unique=True)
    version = models.PositiveSmallIntegerField(null=True, blank=True)
    title = models.TextField()
    abstract = models.TextField(blank=True, default="")
    # Ordered author names, kept on the paper so a list of cards needs no join;
    # PaperAuthor links the same names to Author rows for author pages.
    author_names = models.JSONField(default=list, blank=True)
    authors = models.ManyToManyField(Author, through="PaperAuthor", related_name="papers")
    primary_category = models.CharField(max_length=40, blank=True, default="", db_index=True)
    # Space-separated arXiv categories, primary first.
    categories = models.CharField(max_length=400, blank=True, default="")
    published_at = models.DateTimeField(null=True, blank=True, db_index=True)  # version 1
    updated_at = models.DateTimeField(null=True, blank=True)  # latest version
    comments = models.TextField(blank=True, default="")
    journal_ref = models.TextField(blank=True, default="")
    doi = models.CharField(max_length=500, blank=True, default="")
    license = models.CharField(max_length=500, blank=True, default="")
    # arXiv's uploader (the snapshot's and OAI's `submitter`): who sent the paper to arXiv.
    submitter = models.CharField(max_length=300, blank=True, default="", db_index=True)
    # Who submitted it to Daily Papers (the Hub's `submittedBy`, or the reader whose
    # Submission featured it here) and when; the API's `submittedBy` and
    # `/api/daily_papers?submitter=` read these, never `submitter`.
    daily_submitter = models.CharField(max_length=300, blank=True, default="", db_index=True)
    daily_submitter_fullname = models.CharField(max_length=300, blank=True, default="")
    daily_submitter_avatar = models.URLField(max_length=500, blank=True, default="")
    submitted_on_daily_at = models.DateTimeField(null=True, blank=True)
    code_url = models.URLField(max_length=500, blank=True, default="")
    project_url = models.URLField(max_length=500, blank=True, default="")
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.SET_NULL, related_name="papers"
    )
    featured_on = models.DateField(null=True, blank=True, db_index=True)
    # Totals shown everywhere: what a source reported plus this site's own votes and
    # shown comments, which are also counted alone (see LOCAL_COUNTS).
    upvotes = models.PositiveIntegerField(default=0, db_index=True)
    num_comments = models.PositiveIntegerField(default=0)
    local_upvotes = models.PositiveIntegerField(default=0)
    local_comments = models.PositiveIntegerField(default=0)
    is_hidden = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    modified_at = models.DateTimeField(auto_now=True)

    objects = PaperQuerySet.as_manager()
    counts_changed = False  # set by apply(); read by the upsert

    class Meta:
        indexes = [
            models.Index(fields=["featured_on", "-upvotes"]),
            # data_version() reads MAX(modified_at) on every cached page view.
            models.Index(fields=["modified_at"], name="papers_paper_modified_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.arxiv_id}: {self.title[:60]}"

    @property
    def category_list(self) -> list[str]:
        # Commas too: rows stored before ingest split "cs.LG,cs.AI" hold them.
        return [c for c in SEPARATORS.split(self.categories) if c]

    @property
    def abs_url(self) -> str:
        return f"https://arxiv.org/abs/{self.arxiv_id}"

    @property
    def pdf_url(self) -> str:
        return f"https://arxiv.org/pdf/{self.arxiv_id}"

    @property
    def excerpt(self) -> str:
        """The start of the abstract for a card: at most EXCERPT_CHARS, cut between words."""
        text = " ".join(self.abstract.split())
        if len(text) <= EXCERPT_CHARS:
            return text
        return text[:EXCERPT_CHARS].rsplit(" ", 1)[0].rstrip(".,;:") + " …"

    @property
    def thumbnail_url(self) -> str:
        """The absolute URL of the first page's picture (made by the enrich app), for
        link previews; empty when there is none."""
        from django.core.exceptions import ObjectDoesNotExist

        try:
            return self.thumbnail.absolute_url
        except ObjectDoesNotExist:
            return ""

    @property
    def daily_submitter_avatar_link(self) -> str:
        return _web_link(self.daily_submitter_avatar)

    @property
    def code_link(self) -> str:
        """The code URL if it is a web link; sources are untrusted (no javascript: URLs)."""
        return _web_link(self.code_url)

    @property
    def project_link(self) -> str:
        return _web_link(self.project_url)

    @property
    def display_date(self) -> date | None:
        """The date a card shows: the first version's, else the featured day."""
        if self.published_at is not None:
            return timezone.localdate(self.published_at)
        return self.featured_on

    @property
    def abstract_paragraphs(self) -> list[str]:
        """The abstract as paragraphs: arXiv's hard line wraps joined back up."""
        blocks = re.split(r"\n\s*\n", self.abstract.strip())
        return [" ".join(b.split()) for b in blocks if b.strip()]

    def bibtex(self) -> str:
        """A BibTeX @misc entry in the form arXiv gives for e-prints."""
        year = self.display_date.year if self.display_date else ""
        surname = (self.author_names[0].split()[-1] if self.author_names
                   and self.author_names[0].split() else "anon")
        first_word = next((w for w in re.findall(r"[A-Za-z]+", self.title)
                           if w.lower() not in {"a", "an", "the", "on", "of"}), "paper")
        key = re.sub(r"[^a-z0-9]", "", f"{surname}{year}{first_word}".lower()) or "paper"
        fields = [
            ("title", _bibtex_text(" ".join(self.title.split()))),
            ("author", _bibtex_text(" and ".join(self.author_names))),
            ("year", str(year)),
            ("eprint", self.arxiv_id),
            ("archivePrefix", "arXiv"),
            ("primaryClass", self.primary_category or
             (self.category_list[0] if self.category_list else "")),
            ("url", self.abs_url),
        ]
        body = ",\n".join(f"  {name}={{{value}}}" for name, value in fields if value)
        return f"@misc{{{key},\n{body}\n}}"

    def imported_count(self, name: str) -> int:
        """The part of `upvotes` or `num_comments` that came from a source."""
        return getattr(self, name) - getattr(self, LOCAL_COUNTS[name])

    def apply(self, record: PaperRecord, org_ids: dict[str, int]) -> tuple[bool, bool]:
        """Merge a record into this paper; say whether fields and authors changed."""
        older = (
            record.version is not None and self.version is not None
            and record.version < self.version
        )
        changed = False
        for name in MERGED_FIELDS:
            value = getattr(record, name)
            if value is None or (older and name in VERSIONED_FIELDS):
                continue
            if name == "categories":
                value = " ".join(value)
            if getattr(self, name) != value:
                setattr(self, name, value)
                changed = True
        for name, local in LOCAL_COUNTS.items():
            value = getattr(record, name)
            if value is not None and self.imported_count(name) != value:
                # In memory the total follows; in the database _store_counts writes it
                # (a new paper is inserted with it as it is).
                setattr(self, name, value + getattr(self, local))
                self.counts_changed = changed = True
        if record.version is not None and not older and self.version != record.version:
            self.version = record.version
            changed = True
        if record.featured_on is not None and self.featured_on is None:
            # A paper is featured once; a later source does not move it to another day.
            self.featured_on = record.featured_on
            changed = True
        if record.daily_submitter and not self.daily_submitter:
            for name in DAILY_SUBMISSION_FIELDS:
                value = getattr(record, name)
                if value is not None and getattr(self, name) != value:
                    setattr(self, name, value)
                    changed = True
        elif record.submitted_on_daily_at and self.submitted_on_daily_at is None:
            self.submitted_on_daily_at = record.submitted_on_daily_at
            changed = True
        if record.organisation:
            org_id = org_ids[record.organisation]
            if self.organisation_id != org_id:
                self.organisation_id = org_id
                changed = True
        authors_differ = (
            record.authors is not None and not older and record.authors != self.author_names
        )
        if authors_differ:
            self.author_names = record.authors
        return changed, authors_differ


def _web_link(url: str) -> str:
    return url if url.lower().startswith(("https://", "http://")) else ""


def _bibtex_text(text: str) -> str:
    """Text safe inside a BibTeX {…} value: braces balanced (unbalanced ones dropped)."""
    out, depth = [], 0
    for ch in text:
        if ch == "{":
            depth += 1
        elif ch == "}":
            if depth == 0:
                continue
            depth -= 1
        out.append(ch)
    result = "".join(out)
    while depth:  # close what was left open
        result += "}"
        depth -= 1
    return result


class PaperAuthor(models.Model):
    paper = models.ForeignKey(Paper, on_delete=models.CASCADE)
    author = models.ForeignKey(Author, on_delete=models.CASCADE)
    position = models.PositiveIntegerField()

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["paper", "position"], name="paperauthor_position"),
        ]

    def __str__(self) -> str:
        return f"author {self.position + 1} of paper {self.paper_id}"


_ARXIV_ID_POSITION = [f.attname for f in Paper._meta.concrete_fields].index("arxiv_id")
_BLANK_VALUES = [None if f.primary_key else f.get_default()
                 for f in Paper._meta.concrete_fields]
_CALLABLE_DEFAULTS = [(i, f) for i, f in enumerate(Paper._meta.concrete_fields)
                      if callable(f.default)]
