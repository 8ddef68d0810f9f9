"""Papers in the Hugging Face Hub's JSON shapes, so `huggingface_hub` reads our API.

One function per shape; every endpoint (search, daily papers, one paper) builds its
answer from these.
"""

from __future__ import annotations

from datetime import UTC, datetime, time

from paperwire.papers.models import Paper


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
    }
    if paper.code_url:
        data["githubRepo"] = paper.code_url
    if paper.project_url:
        data["projectPage"] = paper.project_url
    if paper.organisation_id is not None:
        data["organization"] = organisation_dict(paper.organisation)
    return data


def organisation_dict(organisation) -> dict:
    return {"name": organisation.slug, "fullname": organisation.name, "avatarUrl": ""}


def list_item(paper: Paper) -> dict:
    """An entry of /api/daily_papers and /api/papers/search: the paper, plus the
    entry's own title, summary, date it was featured (or published) and comment count."""
    featured = (datetime.combine(paper.featured_on, time.min, UTC)
                if paper.featured_on else paper.published_at)
    item = {
        "paper": paper_dict(paper),
        "publishedAt": hf_time(featured),
        "title": paper.title,
        "summary": paper.abstract,
        "numComments": paper.num_comments,
    }
    if paper.organisation_id is not None:
        item["organization"] = item["paper"]["organization"]
    return item
