"""Models, datasets and Spaces on the Hugging Face Hub that cite a paper.

The Hub lists them at `{PAPERWIRE_HUB_API_URL}/{models|datasets|spaces}?filter=arxiv:<id>`
(what huggingface_hub's `list_models(filter="arxiv:…")` reads), most liked first, and
pages a long listing with a `Link: <…>; rel="next"` header. A run keeps the first
ARTIFACTS_KEPT of each kind and counts the rest, following at most MAX_PAGES pages:
a paper cited by more (rare) shows "MAX_PAGES × PAGE_SIZE or more".
"""

from __future__ import annotations

import json
import re
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from paperwire.enrich.models import ARTIFACTS_KEPT, LinkedArtifacts
from paperwire.enrich.refresh import (
    RunSummary,
    due,
    enriched_papers,
    record_failure_on,
    run,
    touch,
)
from paperwire.lib.http import HttpClient
from paperwire.papers.models import Paper

KINDS = ("models", "datasets", "spaces")
PAGE_SIZE = 100
MAX_PAGES = 5
MAX_LISTING = 8 * 1024 * 1024
# A repository id on the Hub: `name` or `owner/name`.
REPO_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,95}(?:/[A-Za-z0-9][A-Za-z0-9._-]{0,95})?$")
# The listing fields kept, with the type each must have (anything else is dropped).
FIELDS = {
    "id": str, "author": str, "likes": int, "downloads": int, "trendingScore": int,
    "pipeline_tag": str, "library_name": str, "sdk": str, "createdAt": str,
    "lastModified": str, "private": bool, "gated": (bool, str),
}
MAX_FIELD = 200
NEXT_LINK = re.compile(r'<([^>]+)>\s*;\s*rel="?next"?')


def clean_entry(entry: object) -> dict | None:
    """One listing entry, reduced to FIELDS with the right types; None when it has no
    valid repository id. What the Hub sends is untrusted like any source."""
    if not isinstance(entry, dict):
        return None
    repo_id = entry.get("id")
    if not isinstance(repo_id, str) or not REPO_ID.match(repo_id):
        return None
    kept: dict = {}
    for name, kind in FIELDS.items():
        value = entry.get(name)
        if value is None or (kind is int and type(value) is not int):
            continue
        if not isinstance(value, kind):
            continue
        if isinstance(value, str):
            value = value[:MAX_FIELD]
        kept[name] = value
    kept.setdefault("author", repo_id.partition("/")[0] if "/" in repo_id else "")
    kept.setdefault("private", False)
    return kept


def _listing(client: HttpClient, kind: str, arxiv_id: str) -> tuple[list[dict], int]:
    url: str | None = f"{settings.HUB_API_URL.rstrip('/')}/{kind}"
    params: dict | None = {"filter": f"arxiv:{arxiv_id}", "sort": "likes",
                           "direction": "-1", "limit": str(PAGE_SIZE)}
    kept: list[dict] = []
    total = 0
    for _ in range(MAX_PAGES):
        answer = client.fetch(url, params)
        try:
            entries = json.loads(answer.body)
        except ValueError:
            raise ValueError(f"the Hub's {kind} listing is not JSON") from None
        if not isinstance(entries, list):
            raise ValueError(f"the Hub's {kind} listing is not a list")
        for entry in entries:
            cleaned = clean_entry(entry)
            if cleaned is None:
                continue
            total += 1
            if len(kept) < ARTIFACTS_KEPT:
                kept.append(cleaned)
        match = NEXT_LINK.search(answer.headers.get("link", ""))
        # The next page only on the Hub itself: a Link elsewhere is not followed.
        if not match or not match.group(1).startswith(settings.HUB_API_URL.rstrip("/")):
            break
        url, params = match.group(1), None
    return kept, total


def fetch_artifacts(paper: Paper, client: HttpClient) -> None:
    found = {kind: _listing(client, kind, paper.arxiv_id) for kind in KINDS}
    values = {
        "models_found": found["models"][0], "num_models": found["models"][1],
        "datasets_found": found["datasets"][0], "num_datasets": found["datasets"][1],
        "spaces_found": found["spaces"][0], "num_spaces": found["spaces"][1],
    }
    with transaction.atomic():
        before = LinkedArtifacts.objects.filter(paper=paper).first()
        LinkedArtifacts.objects.update_or_create(paper=paper, defaults={
            **values, "fetched_at": timezone.now(), "error": ""})
        if before is None or any(getattr(before, k) != v for k, v in values.items()):
            touch(paper)


def refresh_artifacts(now: datetime | None = None) -> RunSummary:
    """One run: the due papers' listings, read again every ENRICH_REFRESH_HOURS."""
    now = now or timezone.now()
    client = HttpClient(timeout=settings.HTTP_TIMEOUT, retries=settings.HTTP_RETRIES,
                        backoff=settings.HTTP_BACKOFF, delay=settings.ENRICH_DELAY,
                        max_body=MAX_LISTING)
    try:
        return run("artifacts", due(enriched_papers(), "artifacts", now, refetch_done=True),
                   lambda paper: fetch_artifacts(paper, client),
                   record_failure_on(LinkedArtifacts))
    finally:
        client.close()
