"""Daily Papers JSON in the `/api/daily_papers` shape, from the endpoint or a file."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urljoin

from django.conf import settings

from paperwire.ingest.runner import Checkpoint, Item, Skip, SourceError
from paperwire.lib.http import FetchError, HttpClient
from paperwire.papers.records import BadRecord, PaperRecord

PAGE_SIZE = 100
MAX_PAGES_PER_DAY = 50


def _name(value: object) -> object:
    if isinstance(value, dict):
        return value.get("fullname") or value.get("name")
    return value


def _avatar(value: object) -> str | None:
    """An avatar URL; the Hub writes its own as paths (`/avatars/….svg`), resolved here
    against the Hub the Daily Papers come from (PAPERWIRE_DAILY_URL)."""
    if not isinstance(value, str) or not value:
        return None
    return urljoin(settings.DAILY_URL, value) if value.startswith("/") else value


def daily_record(entry: dict, featured_on: date | None = None) -> PaperRecord:
    paper = entry.get("paper")
    if not isinstance(paper, dict):
        raise BadRecord("entry has no paper object")
    # An entry's `publishedAt` is when it was submitted to Daily Papers (the paper's own
    # is inside `paper`); a paper object alone says it as `submittedOnDailyAt`.
    submitted_at = entry.get("submittedOnDailyAt") or paper.get("submittedOnDailyAt") \
        or entry.get("publishedAt")
    featured = featured_on or submitted_at
    submitter = entry.get("submittedBy") or paper.get("submittedOnDailyBy")
    if not isinstance(submitter, dict):
        submitter = {}
    organisation = paper.get("organization") or entry.get("organization")
    return PaperRecord.build(
        arxiv_id=paper.get("id"),
        title=paper.get("title") or entry.get("title"),
        abstract=paper.get("summary") or entry.get("summary"),
        authors=paper.get("authors"),
        published_at=paper.get("publishedAt"),
        featured_on=featured,
        upvotes=paper.get("upvotes"),
        num_comments=entry.get("numComments"),
        code_url=paper.get("githubRepo"),
        project_url=paper.get("projectPage"),
        organisation=_name(organisation),
        organisation_avatar=_avatar(organisation.get("avatar") or organisation.get("avatarUrl"))
        if isinstance(organisation, dict) else None,
        daily_submitter=submitter.get("name") or submitter.get("user"),
        daily_submitter_fullname=submitter.get("fullname"),
        daily_submitter_avatar=_avatar(submitter.get("avatarUrl")),
        submitted_on_daily_at=submitted_at if isinstance(submitted_at, str) else None,
    )


def _entries(data: object, where: str, featured_on: date | None) -> Iterator[Item]:
    if not isinstance(data, list):
        yield Skip(where, "expected a JSON list of entries")
        return
    for n, entry in enumerate(data):
        try:
            if not isinstance(entry, dict):
                raise BadRecord("entry is not an object")
            yield daily_record(entry, featured_on)
        except BadRecord as e:
            yield Skip(f"{where} entry {n}", str(e))


class DailyFileSource:
    name = "daily"

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def params(self) -> dict:
        return {"path": str(self.path.resolve())}

    def items(self, cursor: object) -> Iterator[Item]:
        try:
            raw = self.path.read_bytes()
        except OSError as e:
            raise SourceError(f"cannot read {self.path}: {e.strerror}") from None
        try:
            data = json.loads(raw.decode("utf-8"))
        except UnicodeDecodeError as e:
            raise SourceError(f"{self.path}: invalid UTF-8 at byte {e.start}") from None
        except json.JSONDecodeError:
            # Not one JSON document: try JSON lines of entries.
            data = []
            for n, line in enumerate(raw.splitlines(), 1):
                if not line.strip():
                    continue
                try:
                    data.append(json.loads(line))
                except (json.JSONDecodeError, UnicodeDecodeError) as e:
                    yield Skip(f"line {n}", f"malformed JSON: {e}")
        yield from _entries(data, str(self.path.name), None)
        yield Checkpoint({"done": True}, commit=True)


class DailyEndpointSource:
    """Walks the endpoint day by day, `?date=YYYY-MM-DD`, following `p` pages."""

    name = "daily"

    def __init__(self, start: date, end: date, client: HttpClient | None = None,
                 url: str | None = None) -> None:
        self.start, self.end = start, end
        self.url = url or settings.DAILY_URL
        self.client = client or HttpClient.from_settings()

    def params(self) -> dict:
        return {"url": self.url, "from": self.start.isoformat(), "until": self.end.isoformat()}

    def items(self, cursor: dict | None) -> Iterator[Item]:
        day = self.start
        if cursor and cursor.get("next"):
            day = date.fromisoformat(cursor["next"])
        total = (self.end - self.start).days + 1
        fetched_any = False
        failures = []
        while day <= self.end:
            for page in range(MAX_PAGES_PER_DAY):
                where = f"{day.isoformat()} page {page}"
                try:
                    body = self.client.get(
                        self.url, {"date": day.isoformat(), "p": page, "limit": PAGE_SIZE}
                    )
                    data = json.loads(body.decode("utf-8"))
                except FetchError as e:
                    failures.append(str(e))
                    yield Skip(where, str(e))
                    break
                except (UnicodeDecodeError, json.JSONDecodeError) as e:
                    yield Skip(where, f"malformed answer: {e}")
                    break
                fetched_any = True
                yield from _entries(data, where, day)
                if not isinstance(data, list) or len(data) < PAGE_SIZE:
                    break
            day += timedelta(days=1)
            yield Checkpoint({"next": day.isoformat()}, commit=True,
                             done=(day - self.start).days, total=total)
        if not fetched_any and failures:
            raise SourceError(f"the endpoint could not be read: {failures[-1]}")
