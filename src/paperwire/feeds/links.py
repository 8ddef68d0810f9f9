"""The feed links a page advertises with <link rel="alternate">."""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import reverse

FORMATS = (
    ("rss", "application/rss+xml", "RSS"),
    ("atom", "application/atom+xml", "Atom"),
    ("json", "application/feed+json", "JSON Feed"),
)


def feed_links(kind: str, title: str, params: dict[str, str] | None = None) -> list[dict]:
    """RSS, Atom and JSON Feed links for the `kind` feed (daily, trending or search)."""
    query = urlencode({k: v for k, v in (params or {}).items() if v not in (None, "")})
    return [
        {"url": reverse(f"pw-feed-{kind}-{fmt}") + (f"?{query}" if query else ""),
         "type": mime, "format": label, "title": f"{title} ({label})"}
        for fmt, mime, label in FORMATS
    ]
