"""arXiv OAI-PMH ListRecords (metadataPrefix `arXiv` or `arXivRaw`), bulk harvest.

Follows resumption tokens, waits as a 503's Retry-After says (lib.http), and stores the
token after each page so a crashed harvest resumes where it stopped.
"""

from __future__ import annotations

import email.utils
from collections.abc import Iterator
from datetime import date
from xml.etree.ElementTree import Element, ParseError

from defusedxml import ElementTree
from django.conf import settings

from paperwire.ingest.runner import Checkpoint, Item, Skip, SourceError
from paperwire.lib.http import FetchError, HttpClient
from paperwire.papers.records import BadRecord, PaperRecord, version_number

OAI = "{http://www.openarchives.org/OAI/2.0/}"
ARXIV = "{http://arxiv.org/OAI/arXiv/}"
ARXIV_RAW = "{http://arxiv.org/OAI/arXivRaw/}"
PREFIXES = ("arXiv", "arXivRaw")
# A page can be truncated in transit; fetch it again this many times before giving up.
PAGE_ATTEMPTS = 3


def _text(parent: Element, tag: str) -> str | None:
    node = parent.find(tag)
    return node.text if node is not None and node.text is not None else None


def arxiv_record(meta: Element) -> PaperRecord:
    ns = ARXIV
    authors = []
    for author in meta.iterfind(f"{ns}authors/{ns}author"):
        parts = [_text(author, f"{ns}forenames"), _text(author, f"{ns}keyname"),
                 _text(author, f"{ns}suffix")]
        authors.append(" ".join(p.strip() for p in parts if p and p.strip()))
    created = _text(meta, f"{ns}created")
    return PaperRecord.build(
        arxiv_id=_text(meta, f"{ns}id"),
        title=_text(meta, f"{ns}title"),
        abstract=_text(meta, f"{ns}abstract"),
        authors=authors,
        categories=_text(meta, f"{ns}categories"),
        published_at=created,
        updated_at=_text(meta, f"{ns}updated") or created,
        comments=_text(meta, f"{ns}comments"),
        journal_ref=_text(meta, f"{ns}journal-ref"),
        doi=_text(meta, f"{ns}doi"),
        license=_text(meta, f"{ns}license"),
    )


def arxiv_raw_record(meta: Element) -> PaperRecord:
    ns = ARXIV_RAW
    versions = []
    for node in meta.iterfind(f"{ns}version"):
        when = _text(node, f"{ns}date")
        try:
            created = email.utils.parsedate_to_datetime(when) if when else None
        except (TypeError, ValueError):
            raise BadRecord(f"impossible version date: {when!r:.40}") from None
        versions.append((version_number(node.get("version")) or 0, created))
    versions.sort(key=lambda v: v[0])
    return PaperRecord.build(
        arxiv_id=_text(meta, f"{ns}id"),
        title=_text(meta, f"{ns}title"),
        version=versions[-1][0] if versions else None,
        abstract=_text(meta, f"{ns}abstract"),
        authors=_text(meta, f"{ns}authors"),
        categories=_text(meta, f"{ns}categories"),
        published_at=versions[0][1] if versions else None,
        updated_at=versions[-1][1] if versions else None,
        comments=_text(meta, f"{ns}comments"),
        journal_ref=_text(meta, f"{ns}journal-ref"),
        doi=_text(meta, f"{ns}doi"),
        license=_text(meta, f"{ns}license"),
        submitter=_text(meta, f"{ns}submitter"),
    )


def parse_page(body: bytes) -> tuple[list[Item], str | None, int | None]:
    """Records of one ListRecords page, the next resumption token, and the list size.

    Raises ParseError for XML that does not parse (a truncated page) and SourceError
    for an OAI error other than noRecordsMatch.
    """
    root = ElementTree.fromstring(body)
    error = root.find(f"{OAI}error")
    if error is not None:
        if error.get("code") == "noRecordsMatch":
            return [], None, 0
        raise SourceError(f"OAI-PMH error {error.get('code')}: {(error.text or '').strip()}")
    listing = root.find(f"{OAI}ListRecords")
    if listing is None:
        raise SourceError("the answer holds no ListRecords")
    items: list[Item] = []
    for record in listing.iterfind(f"{OAI}record"):
        header = record.find(f"{OAI}header")
        ident = _text(header, f"{OAI}identifier") if header is not None else None
        where = ident or "record"
        if header is not None and header.get("status") == "deleted":
            items.append(Skip(where, "deleted upstream"))
            continue
        meta = record.find(f"{OAI}metadata")
        try:
            if meta is None or len(meta) == 0:
                raise BadRecord("record has no metadata")
            element = meta[0]
            if element.tag == f"{ARXIV}arXiv":
                items.append(arxiv_record(element))
            elif element.tag == f"{ARXIV_RAW}arXivRaw":
                items.append(arxiv_raw_record(element))
            else:
                raise BadRecord(f"unknown metadata format {element.tag}")
        except BadRecord as e:
            items.append(Skip(where, str(e)))
    token_node = listing.find(f"{OAI}resumptionToken")
    token = (token_node.text or "").strip() if token_node is not None else ""
    size = token_node.get("completeListSize") if token_node is not None else None
    return items, token or None, int(size) if size and size.isascii() and size.isdigit() else None


class OaiSource:
    name = "oai"

    def __init__(self, *, prefix: str = "arXiv", from_date: date | None = None,
                 until: date | None = None, set_spec: str | None = None,
                 client: HttpClient | None = None) -> None:
        if prefix not in PREFIXES:
            raise ValueError(f"metadata prefix must be one of {PREFIXES}")
        self.prefix, self.from_date, self.until, self.set_spec = prefix, from_date, until, set_spec
        self.url = settings.OAI_URL
        self.client = client or HttpClient.from_settings(delay=settings.ARXIV_DELAY)

    def params(self) -> dict:
        return {"prefix": self.prefix, "set": self.set_spec,
                "from": self.from_date.isoformat() if self.from_date else None,
                "until": self.until.isoformat() if self.until else None}

    def first_request(self) -> dict:
        query = {"verb": "ListRecords", "metadataPrefix": self.prefix}
        if self.from_date:
            query["from"] = self.from_date.isoformat()
        if self.until:
            query["until"] = self.until.isoformat()
        if self.set_spec:
            query["set"] = self.set_spec
        return query

    def items(self, cursor: dict | None) -> Iterator[Item]:
        if cursor and cursor.get("done"):
            return
        token = cursor.get("token") if cursor else None
        done = cursor.get("done_records", 0) if cursor else 0
        while True:
            query = {"verb": "ListRecords", "resumptionToken": token} if token else \
                self.first_request()
            items, token, size = self._fetch_page(query)
            done += sum(1 for i in items if not isinstance(i, Checkpoint))
            yield from items
            yield Checkpoint({"token": token, "done_records": done} if token else {"done": True},
                             commit=True, done=done, total=size)
            if not token:
                return

    def _fetch_page(self, query: dict) -> tuple[list[Item], str | None, int | None]:
        for attempt in range(1, PAGE_ATTEMPTS + 1):
            try:
                body = self.client.get(self.url, query)
            except FetchError as e:
                raise SourceError(str(e)) from None
            try:
                return parse_page(body)
            except ParseError as e:
                if attempt == PAGE_ATTEMPTS:
                    raise SourceError(f"unreadable OAI-PMH page after {attempt} tries: {e}") \
                        from None
        raise AssertionError("unreachable")
