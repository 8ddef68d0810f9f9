"""What the MCP server's tools do, as plain functions over the ORM.

Each reads the same builders the pages use (Paper's queryset methods, search(), the
paper's Markdown, similar_papers, the reader's For you and follows, the library's
collections), so an agent sees what a reader sees. Inputs arrive validated against
the tool's schema (see server.py); what a schema cannot say (a real date, a known
paper) is checked here and refused with AgentError, whose message the agent reads.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.urls import reverse

from paperwire.front.markdown import paper_markdown
from paperwire.lib.arxiv_ids import InvalidArxivId, parse_arxiv_id
from paperwire.lib.periods import InvalidPeriod, Period
from paperwire.papers.models import Paper

MAX_LIMIT = 100
MAX_QUERY = 500
SUMMARY_CHARS = 1_000
PAPER_URI = "paperwire://papers/{arxiv_id}"


class AgentError(ValueError):
    """A request the server refuses; the message says why, for the agent to read."""


def paper_uri(arxiv_id: str) -> str:
    return PAPER_URI.format(arxiv_id=arxiv_id)


def paper_summary(paper: Paper, **extra: Any) -> dict[str, Any]:
    """A paper as a list item: enough to choose it, and where to read it whole."""
    abstract = " ".join(paper.abstract.split())
    if len(abstract) > SUMMARY_CHARS:
        abstract = abstract[:SUMMARY_CHARS].rsplit(" ", 1)[0] + " …"
    data: dict[str, Any] = {
        "id": paper.arxiv_id,
        "title": " ".join(paper.title.split()),
        "authors": paper.author_names[:20],
        "published": paper.published_at.date().isoformat() if paper.published_at else None,
        "featured": paper.featured_on.isoformat() if paper.featured_on else None,
        "upvotes": paper.upvotes,
        "abstract": abstract,
        "url": settings.BASE_URL + reverse("pw-paper", args=[paper.arxiv_id]),
        "resource": paper_uri(paper.arxiv_id),
    }
    data.update(extra)
    return data


def get_paper(paper_id: str) -> Paper:
    """A visible paper by arXiv id or URL, or AgentError."""
    try:
        arxiv_id = parse_arxiv_id(paper_id).id
    except InvalidArxivId as e:
        raise AgentError(str(e)) from None
    paper = (Paper.objects.visible().select_related("organisation")
             .filter(arxiv_id=arxiv_id).first())
    if paper is None:
        raise AgentError(f"no paper {arxiv_id} here")
    return paper


def _limit(limit: int) -> int:
    if not 1 <= limit <= MAX_LIMIT:
        raise AgentError(f"limit must be 1 to {MAX_LIMIT}")
    return limit


# -- public ------------------------------------------------------------------------------

def search_papers(query: str, *, category: str | None = None, author: str | None = None,
                  organisation: str | None = None, date_from: date | None = None,
                  date_to: date | None = None, has_code: bool | None = None,
                  sort: str = "relevance", limit: int = 20) -> dict[str, Any]:
    from paperwire.search.query import SearchFilters, search

    filters = SearchFilters(date_from=date_from, date_to=date_to, category=category or None,
                            author=author or None, organisation=organisation or None,
                            has_code=has_code)
    if date_from and date_to and date_from > date_to:
        raise AgentError("date_from is after date_to")
    if not query.strip() and filters.is_empty():
        raise AgentError("give a query or a filter")
    results = search(query, filters, sort=sort, page=1, per_page=_limit(limit))
    return {"query": query, "total": results.total,
            "papers": [paper_summary(hit.paper) for hit in results.hits]}


def featured_list(kind: str, value: str | None, sort: str, limit: int) -> dict[str, Any]:
    """A day's, week's or month's featured papers (the newest day when no value)."""
    if value:
        try:
            period = Period.parse(kind, value)
        except InvalidPeriod as e:
            raise AgentError(str(e)) from None
    else:
        latest = Paper.objects.latest_featured_day()
        if latest is None:
            return {"period": None, "papers": []}
        period = Period.containing(kind, latest)
    papers = (Paper.objects.featured_between(period.start, period.end).sorted_by(sort)
              .cards()[:_limit(limit)])
    return {"period": period.label, kind: period.param,
            "papers": [paper_summary(p) for p in papers]}


def trending(limit: int) -> dict[str, Any]:
    papers = Paper.objects.trending().cards()[:_limit(limit)]
    return {"papers": [paper_summary(p) for p in papers]}


def paper_as_markdown(paper_id: str) -> str:
    paper = get_paper(paper_id)
    return paper_markdown(paper, settings.BASE_URL + reverse("pw-paper", args=[paper.arxiv_id]))


def similar(paper_id: str, limit: int) -> dict[str, Any]:
    from paperwire.search.query import similar_papers

    paper = get_paper(paper_id)
    return {"paper": paper.arxiv_id,
            "papers": [paper_summary(p) for p in similar_papers(paper, _limit(limit))]}


def daily_markdown(day: str) -> str:
    """A featured day as a Markdown list (the `paperwire://daily/{date}` resource)."""
    from paperwire.front.markdown import md_text

    try:
        period = Period.parse("date", day)
    except InvalidPeriod as e:
        raise AgentError(str(e)) from None
    papers = Paper.objects.featured_between(period.start, period.end).sorted_by("upvotes")
    lines = [f"# Daily Papers, {period.label}", ""]
    for paper in papers.cards()[:MAX_LIMIT]:
        title = md_text(" ".join(paper.title.split()))
        lines.append(f"- {title} ({paper.upvotes} upvotes): {paper_uri(paper.arxiv_id)}")
    if len(lines) == 2:
        lines.append("No papers were featured that day.")
    return "\n".join(lines) + "\n"


# -- a reader's own (the token's owner) -------------------------------------------------

def for_you(user: AbstractBaseUser, days: int, limit: int) -> dict[str, Any]:
    from paperwire.reader.ranking import DAY_CHOICES, for_you

    if days not in DAY_CHOICES:
        raise AgentError(f"days must be one of {', '.join(map(str, DAY_CHOICES))}")
    # record=False: an agent looking does not make the reader's own page skip these.
    picks = for_you(user, days=days, limit=_limit(limit), record=False)
    return {"papers": [paper_summary(pick.paper, reasons=pick.reasons) for pick in picks]}


def follows(user: AbstractBaseUser) -> dict[str, Any]:
    from paperwire.reader.models import Follow

    return {"follows": [f.as_dict() for f in Follow.objects.of(user)]}


def topics(user: AbstractBaseUser) -> dict[str, Any]:
    from paperwire.reader.models import TOPIC, Follow

    return {"topics": [f.as_dict() for f in Follow.objects.of(user).filter(kind=TOPIC)]}


def follow(user: AbstractBaseUser, kind: str, value: str) -> dict[str, Any]:
    from django.core.exceptions import ValidationError

    from paperwire.reader.models import Follow

    try:
        found, created = Follow.objects.add(user, kind, value)
    except ValidationError as e:
        raise AgentError(" ".join(e.messages)) from None
    return {**found.as_dict(), "created": created}


def collections(user: AbstractBaseUser, slug: str | None, limit: int) -> dict[str, Any]:
    """The reader's own collections, or one of them with its papers."""
    from paperwire.library.models import Collection

    owned = Collection.objects.owned_by(user).with_counts()
    if not slug:
        return {"collections": [
            {"slug": c.slug, "name": c.name, "visibility": c.visibility,
             "papers": c.paper_count} for c in owned]}
    collection = owned.filter(slug=slug).first()
    if collection is None:
        raise AgentError(f"you have no collection {slug!r}")
    papers = collection.papers().cards()[:_limit(limit)]
    return {"slug": collection.slug, "name": collection.name,
            "papers": [paper_summary(p) for p in papers]}


def save_to_collection(user: AbstractBaseUser, paper_id: str,
                       collection: str | None) -> dict[str, Any]:
    """Put the paper in one of the reader's collections (by slug; "Saved" by default)."""
    from paperwire.library.models import Collection, LibraryError

    paper = get_paper(paper_id)
    if collection:
        # The reader's own first: a collection shared with them may share its slug.
        target = (Collection.objects.owned_by(user).filter(slug=collection).first()
                  or Collection.objects.addable_by(user).filter(slug=collection)
                  .order_by("pk").first())
        if target is None:
            raise AgentError(f"you have no collection {collection!r}")
    else:
        target = Collection.objects.default_for(user)
    try:
        added = target.add(paper, user)
    except LibraryError as e:
        raise AgentError(str(e)) from None
    return {"id": paper.arxiv_id, "collection": target.slug, "added": added}


def not_interested(user: AbstractBaseUser, paper_id: str, on: bool) -> dict[str, Any]:
    from paperwire.reader.models import NotInterested

    paper = get_paper(paper_id)
    return {"id": paper.arxiv_id, "notInterested": NotInterested.objects.set(user, paper, on)}


def upvote(user: AbstractBaseUser, paper_id: str, on: bool) -> dict[str, Any]:
    from paperwire.community.models import Vote

    paper = get_paper(paper_id)
    upvoted, count = Vote.objects.set_vote(user, paper, on)
    return {"id": paper.arxiv_id, "upvoted": upvoted, "upvotes": count}
