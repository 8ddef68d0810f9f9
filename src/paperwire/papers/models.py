"""Papers, their authors and organisations, and the batched upsert every source uses."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.text import slugify

from paperwire.papers.records import PaperRecord

# Fields a record may set; None in a record means "the source does not say".
MERGED_FIELDS = (
    "title", "abstract", "primary_category", "categories", "published_at", "updated_at",
    "comments", "journal_ref", "doi", "license", "submitter", "code_url", "project_url",
    "upvotes", "num_comments",
)
# Fields that describe one version of the paper: an older version never overwrites them.
VERSIONED_FIELDS = frozenset(
    ("title", "abstract", "updated_at", "comments", "journal_ref", "doi", "license")
)
NAME_LOOKUP_CHUNK = 2_000


class Organisation(models.Model):
    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=200, unique=True)
    url = models.URLField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def ids_for_names(cls, names: Iterable[str]) -> dict[str, int]:
        names = set(names)
        if not names:
            return {}
        existing = dict(cls.objects.filter(name__in=names).values_list("name", "id"))
        missing = names - existing.keys()
        if missing:
            cls.objects.bulk_create(
                [cls(name=n, slug=_unique_slug(n)) for n in sorted(missing)],
                ignore_conflicts=True,
            )
            existing.update(cls.objects.filter(name__in=missing).values_list("name", "id"))
        return existing


def _unique_slug(name: str) -> str:
    base = slugify(name)[:150] or "org"
    slug, n = base, 1
    while Organisation.objects.filter(slug=slug).exists():
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

    def upsert_records(self, records: list[PaperRecord]) -> UpsertCounts:
        """Insert or update a batch of records in one transaction.

        Keyed on the normalised arXiv id; a record repeated in the batch is merged in
        order. Counts say how many papers were new, changed, or already as given.
        """
        with transaction.atomic():
            return self._upsert(records)

    def _upsert(self, records: list[PaperRecord]) -> UpsertCounts:
        ids = {r.arxiv_id for r in records}
        papers = {p.arxiv_id: p for p in self.model.objects.filter(arxiv_id__in=ids)}
        org_ids = Organisation.ids_for_names(r.organisation for r in records if r.organisation)

        # Each id ends up "new", "updated" or "unchanged"; an id repeated in the batch
        # is merged in order and counted once.
        outcome: dict[str, str] = {}
        authors_changed: dict[str, Paper] = {}
        for record in records:
            paper = papers.get(record.arxiv_id)
            if paper is None:
                paper = papers[record.arxiv_id] = Paper(arxiv_id=record.arxiv_id)
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
            self.model.objects.bulk_update(
                updated,
                [*MERGED_FIELDS, "version", "author_names", "organisation", "featured_on",
                 "modified_at"],
                batch_size=500,
            )
        if authors_changed:
            self._store_authorship(authors_changed.values())
        return UpsertCounts(new=len(created), updated=len(updated),
                            unchanged=len(outcome) - len(created) - len(updated))

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
        _executemany(
            f"INSERT INTO {PaperAuthor._meta.db_table} (paper_id, author_id, position) "
            "VALUES (%s, %s, %s)", rows)


def _executemany(sql: str, rows: list[tuple]) -> None:
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 5_000):
            cursor.executemany(sql, rows[start:start + 5_000])


def _insert_papers(papers: list[Paper]) -> None:
    """INSERT new papers with executemany, then read their primary keys back.

    bulk_create spends most of an ingest compiling SQL value by value (measured: 4.4 s
    of 10.6 s for 20k papers); one prepared statement with executemany is several times
    faster, which is what keeps a snapshot ingest above 5,000 papers/s.
    """
    now = timezone.now()
    fields = [f for f in Paper._meta.concrete_fields if not f.primary_key]
    for paper in papers:
        paper.created_at = paper.modified_at = now
    converters = [_db_converter(f) for f in fields]
    rows = [
        tuple(convert(getattr(paper, f.attname)) for f, convert in zip(fields, converters,
                                                                       strict=True))
        for paper in papers
    ]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    _executemany(f"INSERT INTO {Paper._meta.db_table} ({columns}) VALUES ({placeholders})",
                 rows)
    ids = dict(Paper.objects.filter(arxiv_id__in=[p.arxiv_id for p in papers])
               .values_list("arxiv_id", "pk"))
    for paper in papers:
        paper.pk = ids[paper.arxiv_id]
        paper._state.adding = False


def _db_converter(field: models.Field):
    if isinstance(field, models.DateTimeField):
        return connection.ops.adapt_datetimefield_value
    if isinstance(field, models.DateField):
        return connection.ops.adapt_datefield_value
    if isinstance(field, models.JSONField):
        return lambda value: field.get_db_prep_save(value, connection)
    return lambda value: value


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
    submitter = models.CharField(max_length=300, blank=True, default="", db_index=True)
    code_url = models.URLField(max_length=500, blank=True, default="")
    project_url = models.URLField(max_length=500, blank=True, default="")
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.SET_NULL, related_name="papers"
    )
    featured_on = models.DateField(null=True, blank=True, db_index=True)
    upvotes = models.PositiveIntegerField(default=0, db_index=True)
    num_comments = models.PositiveIntegerField(default=0)
    is_hidden = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    modified_at = models.DateTimeField(auto_now=True)

    objects = PaperQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["featured_on", "-upvotes"])]

    def __str__(self) -> str:
        return f"{self.arxiv_id}: {self.title[:60]}"

    @property
    def category_list(self) -> list[str]:
        return self.categories.split()

    @property
    def abs_url(self) -> str:
        return f"https://arxiv.org/abs/{self.arxiv_id}"

    @property
    def pdf_url(self) -> str:
        return f"https://arxiv.org/pdf/{self.arxiv_id}"

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
        if record.version is not None and not older and self.version != record.version:
            self.version = record.version
            changed = True
        if record.featured_on is not None and self.featured_on is None:
            # A paper is featured once; a later source does not move it to another day.
            self.featured_on = record.featured_on
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


class PaperAuthor(models.Model):
    paper = models.ForeignKey(Paper, on_delete=models.CASCADE)
    author = models.ForeignKey(Author, on_delete=models.CASCADE)
    position = models.PositiveIntegerField()

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["paper", "position"], name="paperauthor_position"),
        ]
