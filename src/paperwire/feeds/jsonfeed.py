"""JSON Feed 1.1 (https://jsonfeed.org/version/1.1) as a Django feed generator.

Django's syndication framework ships RSS and Atom writers; this is the third, so a
`Feed` subclass only has to set `feed_type = JSONFeed`.
"""

from __future__ import annotations

import json

from django.utils.feedgenerator import SyndicationFeed


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


class JSONFeed(SyndicationFeed):
    content_type = "application/feed+json; charset=utf-8"
    version = "https://jsonfeed.org/version/1.1"

    def write(self, outfile, encoding: str) -> None:
        feed = self.feed
        data = {
            "version": self.version,
            "title": feed["title"],
            "home_page_url": feed["link"],
            "feed_url": feed.get("feed_url"),
            "description": feed.get("description"),
            "language": feed.get("language"),
            "items": [self.item(item) for item in self.items],
        }
        if feed.get("author_name"):
            data["authors"] = [{"name": feed["author_name"]}]
        outfile.write(json.dumps(_without_empty(data), ensure_ascii=False))

    def item(self, item: dict) -> dict:
        names = item.get("authors") or ([item["author_name"]] if item.get("author_name")
                                        else [])
        return _without_empty({
            "id": item.get("unique_id") or item["link"],
            "url": item["link"],
            "external_url": item.get("external_url"),
            "title": item["title"],
            # The description is HTML (the abstract, escaped); the text is the abstract.
            "content_html": item.get("description"),
            "content_text": item.get("content_text"),
            "date_published": _iso(item.get("pubdate")),
            "date_modified": _iso(item.get("updateddate")),
            "authors": [{"name": name} for name in names],
            "tags": list(item.get("categories") or []),
        })


def _without_empty(data: dict) -> dict:
    return {k: v for k, v in data.items() if v not in (None, "", [])}
