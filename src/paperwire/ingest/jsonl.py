"""Plain JSON lines of papers: id, title, authors, abstract, publication_date, upvotes.

The featured day is the publication date unless the line gives `featured_on`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from paperwire.ingest.files import json_line_items
from paperwire.ingest.runner import Item
from paperwire.papers.records import PaperRecord


def jsonl_record(data: dict) -> PaperRecord:
    published = data.get("publication_date")
    return PaperRecord.build(
        arxiv_id=data.get("id") or data.get("url"),
        title=data.get("title"),
        abstract=data.get("abstract"),
        authors=data.get("authors"),
        published_at=published,
        featured_on=data.get("featured_on") or published,
        upvotes=data.get("upvotes"),
        categories=data.get("categories"),
        comments=data.get("comments"),
        code_url=data.get("code_url"),
        project_url=data.get("project_url"),
        organisation=data.get("organisation") or data.get("organization"),
    )


class JsonlSource:
    name = "jsonl"

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def params(self) -> dict:
        return {"path": str(self.path.resolve())}

    def items(self, cursor: dict | None) -> Iterator[Item]:
        return json_line_items(self.path, cursor, jsonl_record)
