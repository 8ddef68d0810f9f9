"""GitHub stars of each paper's repository, from GitHub's REST API.

`GET {PAPERWIRE_GITHUB_API_URL}/repos/{owner}/{repo}`, with the token when one is set,
conditional on the ETag of the last answer (a 304 keeps the count and, for an
authenticated client, costs no rate limit). After every answer the run reads
`X-RateLimit-Remaining`: at 0 it stops until the next scheduled run, and a 403 or 429
that says the limit is spent stops it too, without blaming the paper.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from paperwire.enrich.models import CodeRepo, StarCount
from paperwire.enrich.refresh import (
    RunSummary,
    StopRun,
    due,
    enriched_papers,
    record_failure_on,
    run,
    touch,
)
from paperwire.lib.http import Answer, FetchError, HttpClient
from paperwire.papers.models import Paper

# github.com/owner/repo, with or without www, .git, a trailing path or query.
GITHUB_REPO = re.compile(
    r"^https?://(?:www\.)?github\.com/([A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))/"
    r"([A-Za-z0-9._-]{1,100}?)(?:\.git)?/?(?:[/?#].*)?$", re.IGNORECASE)
MAX_STARS = 10_000_000  # more than any repository has: a larger value is not a count


def repo_full_name(code_url: str) -> str | None:
    """`owner/repo` of a GitHub repository URL; None for anything else."""
    match = GITHUB_REPO.match(code_url.strip())
    if not match or match.group(2) in (".", ".."):
        return None
    return f"{match.group(1)}/{match.group(2)}"


def _headers(etag: str) -> dict[str, str]:
    headers = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"}
    if settings.GITHUB_TOKEN:
        headers["Authorization"] = f"Bearer {settings.GITHUB_TOKEN}"
    if etag:
        headers["If-None-Match"] = etag
    return headers


def _limit_spent(headers) -> str | None:
    """Why to stop, when GitHub says no request is left until a reset time."""
    if headers.get("x-ratelimit-remaining", "").strip() != "0":
        return None
    reset = headers.get("x-ratelimit-reset", "").strip()
    when = (datetime.fromtimestamp(int(reset), UTC).isoformat(timespec="seconds")
            if reset.isascii() and reset.isdigit() and len(reset) < 12 else "later")
    return f"GitHub rate limit spent until {when}"


def fetch_stars(paper: Paper, client: HttpClient) -> str | None:
    """Read and store the stars; a reason to stop when that spent the rate limit."""
    full_name = repo_full_name(paper.code_url)
    if full_name is None:
        raise ValueError(f"not a GitHub repository URL: {paper.code_url[:200]}")
    row = CodeRepo.objects.filter(paper=paper).first()
    etag = row.etag if row is not None and row.full_name == full_name else ""
    url = f"{settings.GITHUB_API_URL.rstrip('/')}/repos/{full_name}"
    try:
        answer: Answer = client.fetch(url, headers=_headers(etag))
    except FetchError as e:
        spent = _limit_spent(e.headers)
        if e.status in (403, 429) and spent:
            raise StopRun(spent) from None
        if e.status == 404:
            raise ValueError(f"GitHub has no repository {full_name}") from None
        raise
    if answer.status == 304 and row is not None and row.stars is not None:
        stars, new_etag = row.stars, etag
    else:
        stars = _stargazers(answer.body)
        new_etag = answer.headers.get("etag", "")[:200]
    now = timezone.now()
    with transaction.atomic():
        CodeRepo.objects.update_or_create(paper=paper, defaults={
            "full_name": full_name, "stars": stars, "etag": new_etag,
            "fetched_at": now, "error": ""})
        StarCount.objects.update_or_create(paper=paper, day=timezone.localdate(now),
                                           defaults={"stars": stars})
        if row is None or row.stars != stars:
            touch(paper)
    return _limit_spent(answer.headers)


def _stargazers(body: bytes) -> int:
    import json

    try:
        data = json.loads(body)
    except ValueError:
        raise ValueError("GitHub's answer is not JSON") from None
    stars = data.get("stargazers_count") if isinstance(data, dict) else None
    # bool is an int in Python; a count is a plain non-negative int.
    if type(stars) is not int or not 0 <= stars <= MAX_STARS:
        raise ValueError("GitHub's answer has no star count")
    return stars


def refresh_stars(now: datetime | None = None) -> RunSummary:
    """One run: the due papers whose code is on GitHub (a count a day each)."""
    now = now or timezone.now()
    papers = enriched_papers().filter(code_url__iregex=r"^https?://(www\.)?github\.com/")
    client = HttpClient.from_settings(delay=settings.ENRICH_DELAY)
    try:
        return run("stars", due(papers, "code_repo", now, refetch_done=True),
                   lambda paper: fetch_stars(paper, client),
                   record_failure_on(CodeRepo, full_name=""))
    finally:
        client.close()
