"""Submitting a paper by arXiv id or URL.

The text is parsed as an arXiv identifier first: anything else (another site's URL, a
loopback address, a file: URL) is refused before any request is made. Only the
normalised id ever reaches the network, as a query parameter to PAPERWIRE_ARXIV_API_URL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from paperwire.community.models import Submission, display_name
from paperwire.ingest.arxiv import ArxivSource
from paperwire.ingest.models import RunInProgress
from paperwire.ingest.runner import run_ingest
from paperwire.lib.arxiv_ids import InvalidArxivId, parse_arxiv_id
from paperwire.lib.http import HttpClient
from paperwire.papers.models import Paper
from paperwire.search.tasks import enqueue_embedding


class SubmitError(Exception):
    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class Submitted:
    paper: Paper
    created: bool  # False: the paper was featured or submitted before
    featured: bool  # featured today by this submission


def submit_paper(user, text: str) -> Submitted:
    try:
        arxiv_id = parse_arxiv_id(text).id
    except InvalidArxivId as e:
        raise SubmitError(f"Not an arXiv id or arXiv URL: {e}", 422) from None

    paper = Paper.objects.filter(arxiv_id=arxiv_id).first()
    if paper is None:
        paper = _fetch(arxiv_id)
    if paper.is_hidden:
        raise SubmitError("This paper cannot be submitted.", 403)
    if paper.featured_on is not None or Submission.objects.filter(paper=paper).exists():
        return Submitted(paper, created=False, featured=False)

    today = timezone.localdate()
    window = timedelta(days=settings.SUBMISSION_WINDOW_DAYS)
    first_version = timezone.localdate(paper.published_at) if paper.published_at else None
    featured = first_version is not None and today - first_version <= window
    with transaction.atomic():
        submission, created = Submission.objects.get_or_create(paper=paper,
                                                               defaults={"user": user})
        if created:
            # The API's `submittedBy`: set once, like the featured day below.
            name = display_name(user)
            Paper.objects.filter(pk=paper.pk, daily_submitter="").update(
                daily_submitter=name, daily_submitter_fullname=name,
                submitted_on_daily_at=submission.created_at, modified_at=timezone.now())
        if created and featured:
            # Featured once: a conditional UPDATE, so a paper featured meanwhile stays put.
            Paper.objects.filter(pk=paper.pk, featured_on=None).update(
                featured_on=today, modified_at=timezone.now())
    paper.refresh_from_db()
    return Submitted(paper, created=created, featured=created and featured)


def _fetch(arxiv_id: str) -> Paper:
    # One quick try or two: a reader is waiting for the page.
    client = HttpClient(timeout=min(settings.HTTP_TIMEOUT, 15), retries=1,
                        backoff=min(settings.HTTP_BACKOFF, 1))
    try:
        # Queued for embedding like any ingested batch, so search finds it.
        result = run_ingest(ArxivSource(ids=[arxiv_id], client=client), resume=False,
                            after_batch=enqueue_embedding)
    except RunInProgress:
        raise SubmitError("Someone is submitting this paper right now; try again in a "
                          "moment.", 409) from None
    finally:
        client.close()
    paper = Paper.objects.filter(arxiv_id=arxiv_id).first()
    if paper is not None:
        return paper
    reasons = [skip["reason"] for skip in result.run.skip_reasons]
    if result.run.error or any(r != "not found on arXiv" for r in reasons):
        raise SubmitError("arXiv could not be reached; try again in a minute.", 502)
    raise SubmitError(f"arXiv has no paper {arxiv_id}.", 404)
