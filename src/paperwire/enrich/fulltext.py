"""Full text: arXiv's HTML version of a paper (`{PAPERWIRE_ARXIV_HTML_URL}/{id}`),
converted to Markdown (lib/html_markdown.py) for `/papers/<id>.md`.

Fetched once per paper, with arXiv's politeness delay. A 404, or an answer that holds
no LaTeXML article, means arXiv has no HTML for it: stored as not found, not as a
failure. Any other failure keeps its reason and is tried again later.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.utils import timezone

from paperwire.enrich.models import FullText
from paperwire.enrich.refresh import (
    RunSummary,
    due,
    enriched_papers,
    record_failure_on,
    run,
    touch,
)
from paperwire.lib.html_markdown import html_to_markdown
from paperwire.lib.http import FetchError, HttpClient
from paperwire.papers.models import Paper

MAX_HTML = 20 * 1024 * 1024


def fetch_full_text(paper: Paper, client: HttpClient) -> None:
    url = f"{settings.ARXIV_HTML_URL.rstrip('/')}/{paper.arxiv_id}"
    converted = None
    try:
        body = client.get(url)
    except FetchError as e:
        if e.status != 404:
            raise
    else:
        converted = html_to_markdown(body.decode("utf-8", errors="replace"))
    FullText.objects.update_or_create(paper=paper, defaults={
        "found": converted is not None,
        "markdown": converted.markdown if converted else "",
        "truncated": converted.truncated if converted else False,
        "fetched_at": timezone.now(), "error": ""})
    if converted is not None:
        touch(paper)


def refresh_full_text(now: datetime | None = None) -> RunSummary:
    """One run: the full text of each due paper not read yet."""
    now = now or timezone.now()
    client = HttpClient(timeout=settings.HTTP_TIMEOUT, retries=settings.HTTP_RETRIES,
                        backoff=settings.HTTP_BACKOFF, delay=settings.ARXIV_DELAY,
                        max_body=MAX_HTML)
    try:
        return run("fulltext", due(enriched_papers(), "full_text", now, refetch_done=False),
                   lambda paper: fetch_full_text(paper, client),
                   record_failure_on(FullText))
    finally:
        client.close()
