"""The arXiv API (Atom): by categories and a date window, by a raw query, or by ids.

arXiv asks for one request every three seconds (PAPERWIRE_ARXIV_DELAY) and pages of at
most 2,000 results; errors come back as an Atom feed with an entry titled "Error".
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date

import feedparser
from django.conf import settings

from paperwire.ingest.runner import Checkpoint, Item, Skip, SourceError
from paperwire.lib.arxiv_ids import InvalidArxivId, parse_arxiv_id
from paperwire.lib.http import FetchError, HttpClient
from paperwire.papers.records import BadRecord, PaperRecord

ID_CHUNK = 100
MAX_PAGE = 2_000
_ENTRY_END = re.compile(rb"</(?:[\w.-]+:)?entry\s*>")
ERROR_PREFIX = "arXiv error: "


def entry_record(entry: dict) -> PaperRecord:
    categories = [t.get("term") for t in entry.get("tags", []) if t.get("term")]
    primary = (entry.get("arxiv_primary_category") or {}).get("term")
    if primary and primary in categories:
        categories.remove(primary)
    if primary:
        categories.insert(0, primary)
    return PaperRecord.build(
        arxiv_id=entry.get("id"),
        title=entry.get("title"),
        abstract=entry.get("summary"),
        authors=[a.get("name") for a in entry.get("authors", []) if a.get("name")],
        categories=categories,
        primary_category=primary,
        published_at=entry.get("published"),
        updated_at=entry.get("updated"),
        comments=entry.get("arxiv_comment"),
        journal_ref=entry.get("arxiv_journal_ref"),
        doi=entry.get("arxiv_doi"),
    )


def parse_feed(body: bytes, where: str) -> tuple[list[Item], int | None]:
    """The items of one Atom page, and the total number of results arXiv reports."""
    feed = feedparser.parse(body)
    items: list[Item] = []
    if feed.bozo and not feed.entries:
        return [Skip(where, f"unreadable Atom: {feed.get('bozo_exception')}")], None
    entries = feed.entries
    if feed.bozo:
        # A truncated page: the parser still hands over the entry it was cut in, with
        # what it had read of it; only the entries closed before the cut are whole.
        entries = entries[:len(_ENTRY_END.findall(body))]
    for n, entry in enumerate(entries):
        if entry.get("title") == "Error" and "api/errors" in entry.get("id", ""):
            items.append(Skip(where, f"{ERROR_PREFIX}{entry.get('summary', '')}"))
            continue
        try:
            items.append(entry_record(entry))
        except BadRecord as e:
            items.append(Skip(f"{where} entry {n} ({entry.get('id', '?')})", str(e)))
    if feed.bozo:
        items.append(Skip(where, f"page cut short: {feed.get('bozo_exception')}"))
    total = feed.feed.get("opensearch_totalresults")
    total = str(total or "")
    return items, int(total) if total.isascii() and total.isdigit() else None


def _feed_error(e: FetchError, where: str) -> list[Item]:
    if e.body:  # arXiv explains a 400 in an Atom error feed
        items, _ = parse_feed(e.body, where)
        # Only arXiv's own explanation; any other body (a proxy's 503 page) says less
        # than the status does.
        skips = [i for i in items if isinstance(i, Skip) and i.reason.startswith(ERROR_PREFIX)]
        if skips:
            return skips
    return [Skip(where, str(e))]


class ArxivSource:
    name = "arxiv"

    def __init__(
        self,
        *,
        ids: list[str] | None = None,
        categories: list[str] | None = None,
        start: date | None = None,
        end: date | None = None,
        query: str | None = None,
        page_size: int = 100,
        limit: int | None = None,
        client: HttpClient | None = None,
    ) -> None:
        if not ids and not categories and not query:
            raise ValueError("give ids, categories or a query")
        self.ids, self.categories, self.query = ids or [], categories or [], query
        self.start, self.end = start, end
        self.page_size = max(1, min(page_size, MAX_PAGE))
        self.limit = limit
        self.url = settings.ARXIV_API_URL
        self.client = client or HttpClient.from_settings(delay=settings.ARXIV_DELAY)

    def params(self) -> dict:
        return {
            "ids": self.ids, "categories": self.categories, "query": self.query,
            "from": self.start.isoformat() if self.start else None,
            "until": self.end.isoformat() if self.end else None, "limit": self.limit,
        }

    def search_query(self) -> str:
        parts = []
        if self.query:
            parts.append(f"({self.query})")
        if self.categories:
            parts.append("(" + " OR ".join(f"cat:{c}" for c in self.categories) + ")")
        if self.start or self.end:
            low = (self.start or date(1991, 1, 1)).strftime("%Y%m%d") + "0000"
            high = (self.end or date.today()).strftime("%Y%m%d") + "2359"
            parts.append(f"submittedDate:[{low} TO {high}]")
        return " AND ".join(parts)

    def items(self, cursor: dict | None) -> Iterator[Item]:
        if self.ids:
            yield from self._by_ids(cursor or {})
        else:
            yield from self._by_search(cursor or {})

    def _by_ids(self, cursor: dict) -> Iterator[Item]:
        valid = []
        for raw in self.ids:
            try:
                valid.append(str(parse_arxiv_id(raw)))
            except InvalidArxivId as e:
                yield Skip(raw[:80], str(e))
        chunks = [valid[i:i + ID_CHUNK] for i in range(0, len(valid), ID_CHUNK)]
        read_any = False
        for n in range(cursor.get("chunk", 0), len(chunks)):
            chunk = chunks[n]
            where = f"ids {chunk[0]}…" if len(chunk) > 1 else chunk[0]
            try:
                body = self.client.get(self.url, {
                    "id_list": ",".join(chunk), "start": 0, "max_results": len(chunk)})
            except FetchError as e:
                yield from _feed_error(e, where)
            else:
                read_any = True
                items, _ = parse_feed(body, where)
                found = {i.arxiv_id for i in items if isinstance(i, PaperRecord)}
                yield from items
                for arxiv_id in chunk:
                    if parse_arxiv_id(arxiv_id).id not in found:
                        yield Skip(arxiv_id, "not found on arXiv")
            yield Checkpoint({"chunk": n + 1}, commit=True, done=n + 1, total=len(chunks))
        if chunks and not read_any:
            raise SourceError("arXiv could not be read for any of the ids")

    def _by_search(self, cursor: dict) -> Iterator[Item]:
        start = cursor.get("start", 0)
        total = cursor.get("total")
        read_any = False
        while True:
            if total is not None and start >= total:
                break
            if self.limit is not None and start >= self.limit:
                break
            size = self.page_size if self.limit is None else min(self.page_size,
                                                                 self.limit - start)
            where = f"results {start}-{start + size - 1}"
            try:
                body = self.client.get(self.url, {
                    "search_query": self.search_query(), "start": start, "max_results": size,
                    "sortBy": "submittedDate", "sortOrder": "ascending"})
            except FetchError as e:
                if total is None:  # the first page: nothing tells us how far to go
                    raise SourceError(str(e)) from None
                yield from _feed_error(e, where)
                start += size
                continue
            items, page_total = parse_feed(body, where)
            read_any = True
            total = page_total if page_total is not None else total
            yield from items
            got = sum(1 for i in items if isinstance(i, PaperRecord))
            start += size
            yield Checkpoint({"start": start, "total": total}, commit=True,
                             done=min(start, total or start), total=total)
            if got == 0 and total is None:
                break
        if not read_any:
            raise SourceError("arXiv returned no page")
