"""PaperRecord: what every ingestion source hands to the upsert, already validated.

Sources parse their own format and build a record with `PaperRecord.build(...)`, which
normalises and bounds every field and raises BadRecord with a reason a person can act on.
A field left as None means "this source does not say", so the upsert keeps what is stored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from paperwire.lib.arxiv_ids import InvalidArxivId, parse_arxiv_id
from paperwire.lib.categories import split_categories
from paperwire.lib.text import extract_links, normalize_whitespace

MAX_TITLE = 1_000
MAX_ABSTRACT = 20_000
MAX_AUTHORS = 5_000
MAX_AUTHOR_NAME = 300
MAX_SHORT_FIELD = 2_000  # comments, journal-ref
MAX_URL = 500
# Bounded by their columns (PostgreSQL refuses a longer value, and the whole batch with it).
MAX_LICENSE = 500
MAX_SUBMITTER = 300
MAX_ORGANISATION = 200
MAX_CATEGORIES = 400  # space-separated
MAX_VERSION = 9_999
EARLIEST = datetime(1991, 1, 1).date()


class BadRecord(ValueError):
    """A record that cannot be stored; the message says why."""


@dataclass
class PaperRecord:
    arxiv_id: str
    title: str
    version: int | None = None
    abstract: str | None = None
    authors: list[str] | None = None
    primary_category: str | None = None
    categories: list[str] | None = None
    published_at: datetime | None = None
    updated_at: datetime | None = None
    comments: str | None = None
    journal_ref: str | None = None
    doi: str | None = None
    license: str | None = None
    submitter: str | None = None
    code_url: str | None = None
    project_url: str | None = None
    organisation: str | None = None
    organisation_avatar: str | None = None
    # Who submitted the paper to Daily Papers (the Hub's user `name`, `fullname`, avatar)
    # and when; `submitter` is arXiv's uploader.
    daily_submitter: str | None = None
    daily_submitter_fullname: str | None = None
    daily_submitter_avatar: str | None = None
    submitted_on_daily_at: datetime | None = None
    featured_on: date | None = None
    upvotes: int | None = None
    num_comments: int | None = None
    extra: dict = field(default_factory=dict)

    @classmethod
    def build(cls, *, arxiv_id: object, title: object, **fields: object) -> PaperRecord:
        """Validate and normalise raw values from a source into a record."""
        if arxiv_id is None or arxiv_id == "":
            raise BadRecord("missing id")
        if not isinstance(arxiv_id, str):
            raise BadRecord(f"id is not text: {arxiv_id!r:.60}")
        try:
            parsed = parse_arxiv_id(arxiv_id)
        except InvalidArxivId as e:
            raise BadRecord(f"invalid id: {e}") from None
        version = fields.pop("version", None) or parsed.version

        clean_title = _text(title, "title", MAX_TITLE) if title is not None else ""
        if not clean_title:
            raise BadRecord("missing title")
        record = cls(arxiv_id=parsed.id, title=clean_title,
                     version=_int(version, "version", MAX_VERSION))

        abstract = fields.pop("abstract", None)
        if abstract is not None:
            record.abstract = _text(abstract, "abstract", MAX_ABSTRACT)
        authors = fields.pop("authors", None)
        if authors is not None:
            record.authors = _authors(authors)
        for name, limit in (("comments", MAX_SHORT_FIELD), ("journal_ref", MAX_SHORT_FIELD),
                            ("license", MAX_LICENSE), ("submitter", MAX_SUBMITTER),
                            ("daily_submitter", MAX_SUBMITTER),
                            ("daily_submitter_fullname", MAX_SUBMITTER),
                            ("organisation", MAX_ORGANISATION)):
            value = fields.pop(name, None)
            if value is not None:
                setattr(record, name, _text(value, name.replace("_", "-"), limit) or None)
        doi = fields.pop("doi", None)
        if doi is not None:
            record.doi = _text(doi, "doi", MAX_URL) or None
        primary = fields.pop("primary_category", None)
        categories = fields.pop("categories", None)
        if categories is not None:
            if isinstance(categories, str):
                categories = [categories]
            if not isinstance(categories, list):
                raise BadRecord("categories is not a list")
            codes: list[str] = []
            for item in categories:
                # One item may hold several ("cs.LG,cs.AI"); each is checked on its own.
                for code in split_categories(_text(item, "category", MAX_CATEGORIES)):
                    if code not in codes:
                        codes.append(code)
            record.categories = codes[:20]
            if len(" ".join(record.categories)) > MAX_CATEGORIES:
                raise BadRecord(f"categories too long (limit {MAX_CATEGORIES} characters)")
        if primary is not None:
            primary_codes = split_categories(_text(primary, "category", MAX_CATEGORIES))
            record.primary_category = primary_codes[0] if primary_codes else None
        elif record.categories:
            record.primary_category = record.categories[0]

        for name in ("published_at", "updated_at", "submitted_on_daily_at"):
            value = fields.pop(name, None)
            if value is not None:
                setattr(record, name, _datetime(value, name))
        featured = fields.pop("featured_on", None)
        if featured is not None:
            record.featured_on = _date(featured, "featured day")
        for name in ("upvotes", "num_comments"):
            value = fields.pop(name, None)
            if value is not None:
                setattr(record, name, _int(value, name))

        for name in ("code_url", "project_url"):
            value = fields.pop(name, None)
            if value:
                url = _text(value, name, MAX_URL)
                if not url.lower().startswith(("http://", "https://")):
                    raise BadRecord(f"{name} is not an http(s) URL")
                setattr(record, name, url)
        for name in ("organisation_avatar", "daily_submitter_avatar"):
            # A picture is decoration: one that is not an http(s) URL is left out, and
            # the record kept.
            value = fields.pop(name, None)
            if isinstance(value, str) and value.lower().startswith(("http://", "https://")):
                try:
                    url = _text(value, name, MAX_URL)
                except BadRecord:
                    continue
                setattr(record, name, url if " " not in url else None)
        if record.code_url is None or record.project_url is None:
            found_code, found_project = extract_links(record.abstract, record.comments)
            record.code_url = record.code_url or found_code
            record.project_url = record.project_url or found_project
        if fields:
            raise TypeError(f"unknown PaperRecord fields: {sorted(fields)}")
        return record


def _text(value: object, what: str, limit: int) -> str:
    if not isinstance(value, str):
        raise BadRecord(f"{what} is not text")
    if len(value) > limit * 2:  # checked before the clean-up, which is linear but not free
        raise BadRecord(f"{what} too long ({len(value)} characters, limit {limit})")
    if "\x00" in value:
        raise BadRecord(f"{what} holds a NUL character")
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate, e.g. from a JSON "\ud800" escape
            raise BadRecord(f"{what} holds invalid Unicode (a lone surrogate)") from None
    clean = normalize_whitespace(value)
    if len(clean) > limit:
        raise BadRecord(f"{what} too long ({len(clean)} characters, limit {limit})")
    return clean


def _authors(value: object) -> list[str]:
    if isinstance(value, str):
        value = split_author_string(value)
    if not isinstance(value, list):
        raise BadRecord("authors is not a list")
    if len(value) > MAX_AUTHORS:
        raise BadRecord(f"too many authors ({len(value)}, limit {MAX_AUTHORS})")
    names = []
    for item in value:
        name = item.get("name") if isinstance(item, dict) else item
        clean = _text(name, "author name", MAX_AUTHOR_NAME)
        if clean:
            names.append(clean)
    return names


def split_author_string(value: str) -> list[str]:
    """arXiv's `A. One, B. Two and C. Three` into names."""
    value = normalize_whitespace(value)
    parts = []
    for chunk in value.split(","):
        parts.extend(p for p in chunk.split(" and ") if p.strip())
    return [p.strip() for p in parts if p.strip()]


def version_number(label: object) -> int | None:
    """3 for a version label "v3"; None for anything that is not v1 to v9999."""
    digits = str(label).lstrip("v")
    # isascii: "²".isdigit() is true as well, and int() refuses it.
    if digits.isascii() and digits.isdigit() and len(digits) <= 4:
        return int(digits)
    return None


def _int(value: object, what: str, maximum: int = 10_000_000) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise BadRecord(f"{what} is not a whole number")
    try:
        number = int(value)
    except ValueError:
        raise BadRecord(f"{what} is not a whole number: {value!r:.40}") from None
    if not 0 <= number <= maximum:
        raise BadRecord(f"{what} out of range: {number}")
    return number


def _datetime(value: object, what: str) -> datetime:
    from django.utils.dateparse import parse_datetime

    if isinstance(value, datetime):
        result = value
    elif isinstance(value, date):
        result = datetime(value.year, value.month, value.day)
    elif isinstance(value, str):
        try:
            result = parse_datetime(value.strip().replace("Z", "+00:00")) or _only_date(value)
        except ValueError:
            raise BadRecord(f"impossible {what.replace('_', ' ')}: {value!r:.40}") from None
    else:
        raise BadRecord(f"{what} is not a date")
    if result.tzinfo is None:
        from datetime import UTC

        result = result.replace(tzinfo=UTC)
    if result.date() < EARLIEST or result.year > 2200:
        raise BadRecord(f"impossible {what.replace('_', ' ')}: {value!r:.40}")
    return result


def _only_date(value: str) -> datetime:
    parsed = date.fromisoformat(value.strip()[:10])
    if len(value.strip()) != 10:
        raise ValueError(value)
    return datetime(parsed.year, parsed.month, parsed.day)


def _date(value: object, what: str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return _datetime(value, what).date()
