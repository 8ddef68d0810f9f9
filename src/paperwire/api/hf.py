"""Papers in the Hugging Face Hub's JSON shapes, so `huggingface_hub` reads our API.

One function per shape; every endpoint (search, daily papers, one paper) builds its
answer from these.
"""

from __future__ import annotations

from datetime import UTC, datetime, time

from django.core.exceptions import ObjectDoesNotExist

from paperwire.papers.models import Paper
from paperwire.search.models import PaperNotes

_UNREAD = object()


def hf_time(value: datetime | None) -> str | None:
    """ISO 8601 in UTC with milliseconds and a Z, as the Hub writes times."""
    if value is None:
        return None
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def paper_dict(paper: Paper) -> dict:
    """The Hub's `paper` object (as in /api/papers/{id} and inside list items)."""
    data: dict = {
        "id": paper.arxiv_id,
        "authors": [{"name": name, "hidden": False} for name in paper.author_names],
        "publishedAt": hf_time(paper.published_at),
        "title": paper.title,
        "summary": paper.abstract,
        "upvotes": paper.upvotes,
        # This site's discussion of the paper is its comments, read with
        # /api/papers/{discussionId}?field=comments.
        "discussionId": paper.arxiv_id,
    }
    # Computed here, offline (search/notes.py): keywords from the abstract and its most
    # central sentence; empty until the worker has noted the paper.
    notes = _notes(paper)
    data["ai_keywords"] = notes.keyword_list if notes else []
    data["ai_summary"] = notes.summary if notes else ""
    submitted_at = submitted_on_daily_at(paper)
    if submitted_at:
        data["submittedOnDailyAt"] = submitted_at
    if paper.daily_submitter:
        data["submittedOnDailyBy"] = submitter_dict(paper)
    if paper.code_url:
        data["githubRepo"] = paper.code_url
    if paper.project_url:
        data["projectPage"] = paper.project_url
    if paper.organisation_id is not None:
        data["organization"] = organisation_dict(paper.organisation)
    repo = related(paper, "code_repo")
    if repo is not None and repo.stars is not None and paper.code_url:
        data["githubStars"] = repo.stars
    thumbnail = related(paper, "thumbnail")
    if thumbnail is not None and thumbnail.absolute_url:
        data["thumbnail"] = thumbnail.absolute_url
    return data


def related(paper: Paper, name: str):
    """What the enrich app stored about the paper under `name` (joined by the lists'
    select_related, else read now); None when nothing was fetched."""
    try:
        return getattr(paper, name)
    except ObjectDoesNotExist:
        return None


def linked_artifacts_dict(paper: Paper) -> dict:
    """The Hub's linked artifacts of /api/papers/{id}, which huggingface_hub's
    `paper_info()` reads into `linked_models`, `num_total_models` and the rest."""
    artifacts = related(paper, "artifacts")
    if artifacts is None:
        return {}
    return {
        "linkedModels": artifacts.models_found, "numTotalModels": artifacts.num_models,
        "linkedDatasets": artifacts.datasets_found,
        "numTotalDatasets": artifacts.num_datasets,
        "linkedSpaces": artifacts.spaces_found, "numTotalSpaces": artifacts.num_spaces,
    }


def with_notes(papers):
    """Read the notes of a list of papers in one query, for paper_dict; returns them."""
    papers = list(papers)
    notes = PaperNotes.objects.by_paper(p.pk for p in papers)
    for paper in papers:
        paper.__dict__["_ai_notes"] = notes.get(paper.pk)
    return papers


def _notes(paper: Paper) -> PaperNotes | None:
    notes = paper.__dict__.get("_ai_notes", _UNREAD)
    if notes is _UNREAD:
        notes = PaperNotes.objects.filter(paper_id=paper.pk).first()
    return notes


def submitted_on_daily_at(paper: Paper) -> str | None:
    """When the paper was submitted to Daily Papers, to the millisecond where a source
    or a Submission said; else the start (UTC) of the day it was featured."""
    if paper.submitted_on_daily_at is not None:
        return hf_time(paper.submitted_on_daily_at)
    if paper.featured_on is not None:
        return hf_time(datetime.combine(paper.featured_on, time.min, UTC))
    return None


def submitter_dict(paper: Paper) -> dict:
    """The Hub's user object for the Daily Papers submitter. `user` repeats `name`:
    huggingface_hub's `User` reads the handle from there."""
    return {"name": paper.daily_submitter, "user": paper.daily_submitter,
            "fullname": paper.daily_submitter_fullname or paper.daily_submitter,
            "avatarUrl": paper.daily_submitter_avatar_link, "type": "user"}


def organisation_dict(organisation) -> dict:
    """The Hub's organisation object. The Hub writes the picture as `avatar`;
    huggingface_hub's `Organization` reads `avatarUrl`: both are given."""
    avatar = organisation.avatar_link
    return {"name": organisation.slug, "fullname": organisation.name,
            "avatar": avatar, "avatarUrl": avatar}


def list_item(paper: Paper) -> dict:
    """An entry of /api/daily_papers and /api/papers/search: the paper, plus the
    entry's own title, summary, the time it was submitted to Daily Papers (or
    published) and comment count."""
    item = {
        "paper": paper_dict(paper),
        "publishedAt": submitted_on_daily_at(paper) or hf_time(paper.published_at),
        "title": paper.title,
        "summary": paper.abstract,
        "numComments": paper.num_comments,
    }
    if paper.organisation_id is not None:
        item["organization"] = item["paper"]["organization"]
    if paper.daily_submitter:
        item["submittedBy"] = item["paper"]["submittedOnDailyBy"]
    return item
