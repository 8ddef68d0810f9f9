"""The arXiv metadata snapshot: JSON lines, plain or gzipped, several GB, streamed."""

from __future__ import annotations

import email.utils
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from paperwire.ingest.files import json_line_items
from paperwire.ingest.runner import Item
from paperwire.papers.records import BadRecord, PaperRecord, version_number

_MONTHS = {m: n for n, m in enumerate(
    "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(), start=1)}


def _version_time(value: object):
    if not isinstance(value, str):
        raise BadRecord("version date is not text")
    # The snapshot always writes "Mon, 2 Apr 2007 19:18:42 GMT": parse that shape
    # directly (email.utils took a tenth of an ingest), anything else the general way.
    parts = value.split()
    if len(parts) == 6 and parts[5] == "GMT" and parts[2] in _MONTHS:
        try:
            hour, minute, second = (int(x) for x in parts[4].split(":"))
            return datetime(int(parts[3]), _MONTHS[parts[2]], int(parts[1]), hour, minute,
                            second, tzinfo=UTC)
        except ValueError:
            pass  # an impossible date: let the general parser give the reason
    try:
        return email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        raise BadRecord(f"impossible version date: {value!r:.40}") from None


def _author_names(data: dict) -> list[str] | str | None:
    parsed = data.get("authors_parsed")
    if isinstance(parsed, list) and parsed:
        names = []
        for parts in parsed:
            if not isinstance(parts, list) or not parts:
                raise BadRecord("authors_parsed holds a malformed entry")
            last, first, suffix = (list(parts) + ["", "", ""])[:3]
            names.append(" ".join(p for p in (first, last, suffix) if isinstance(p, str) and p))
        return names
    return data.get("authors")


def snapshot_record(data: dict) -> PaperRecord:
    versions = data.get("versions") or []
    if not isinstance(versions, list):
        raise BadRecord("versions is not a list")
    published = updated = version = None
    if versions:
        if not all(isinstance(v, dict) for v in versions):
            raise BadRecord("versions holds a malformed entry")
        published = _version_time(versions[0].get("created"))
        updated = _version_time(versions[-1].get("created"))
        version = version_number(versions[-1].get("version"))
    return PaperRecord.build(
        arxiv_id=data.get("id"),
        title=data.get("title"),
        version=version,
        abstract=data.get("abstract"),
        authors=_author_names(data),
        categories=data.get("categories"),
        published_at=published,
        updated_at=updated,
        comments=data.get("comments"),
        journal_ref=data.get("journal-ref"),
        doi=data.get("doi"),
        license=data.get("license"),
        submitter=data.get("submitter"),
    )


class SnapshotSource:
    name = "snapshot"

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def params(self) -> dict:
        return {"path": str(self.path.resolve())}

    def items(self, cursor: dict | None) -> Iterator[Item]:
        return json_line_items(self.path, cursor, snapshot_record)
