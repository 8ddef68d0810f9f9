"""`GET /api/daily_papers` and `GET /api/papers/{id}` in the Hugging Face Hub's shapes.

`huggingface_hub.HfApi(endpoint=...)` reads them with `list_daily_papers()` and
`paper_info()`. The lists come from the same queryset methods as the pages and feeds;
the JSON from the search app's serialiser (`paperwire.api.hf`), plus what these two
endpoints add: who submitted an entry, and when a paper was featured.

Hub conventions kept: `p` counts pages from 0, `limit` defaults to 50, `sort` is
`publishedAt` (newest featured first) or `trending`; times are UTC ISO 8601 with a Z;
an invalid parameter is a 400 whose `error` says which and why (see views.py).

Also here: `GET /api/papers` (every paper, by cursor), `GET /api/arxiv/{id}/repos`.
"""

from __future__ import annotations

import base64
import binascii
from datetime import timedelta
from typing import Literal
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema
from ninja.decorators import decorate_view
from ninja.errors import HttpError, ValidationError

from paperwire.api.hf import (
    hf_time,
    linked_artifacts_dict,
    list_item,
    paper_dict,
    related,
    with_notes,
)
from paperwire.api.schemas import ErrorOut, PaperListItemOut, PaperOut
from paperwire.front.caching import cached_list, rows_version
from paperwire.lib.arxiv_ids import InvalidArxivId, parse_arxiv_id
from paperwire.lib.periods import InvalidPeriod, Period
from paperwire.lib.urls import site_url
from paperwire.papers.models import CARD_RELATIONS, Paper

router = Router(tags=["papers"])
MAX_LIMIT = 100
MAX_PAGE = 10_000
MAX_COMMENTS = 1_000


class DailyPaperOut(PaperListItemOut):
    # Also inside `paper`, where the Hub puts them; huggingface_hub reads them here.
    githubRepo: str | None = None
    projectPage: str | None = None
    githubStars: int | None = None
    thumbnail: str | None = None


class CommentAuthorOut(Schema):
    name: str
    fullname: str
    type: str = "user"


class CommentOut(Schema):
    id: str
    parentId: str | None = None
    author: CommentAuthorOut | None = None
    createdAt: str
    raw: str
    html: str
    deleted: bool = False


class PaperDetailOut(PaperOut):
    numComments: int
    # The Hub's models, datasets and Spaces citing the paper, as the enrich app last
    # read them (absent until it has).
    linkedModels: list[dict] | None = None
    numTotalModels: int | None = None
    linkedDatasets: list[dict] | None = None
    numTotalDatasets: int | None = None
    linkedSpaces: list[dict] | None = None
    numTotalSpaces: int | None = None
    comments: list[CommentOut] | None = None


class ReposOut(Schema):
    models: list[dict]
    datasets: list[dict]
    spaces: list[dict]


def _invalid(name: str, message: str) -> ValidationError:
    """A bad query parameter, named (answered 400 with an `error`: see views.py)."""
    return ValidationError([{"loc": ["query", name], "msg": message, "type": "value_error"}])


def _limit():
    return Query(50, ge=1, le=MAX_LIMIT, description=f"entries per page, 1 to {MAX_LIMIT}")


ERRORS = {400: ErrorOut}
# A cached list answers 304 to a matching If-None-Match (front/caching.py).
NOT_MODIFIED = {304: None}


@router.get("/daily_papers", response={200: list[DailyPaperOut], **NOT_MODIFIED, **ERRORS},
            exclude_none=True)
@decorate_view(cached_list(version=lambda request: _daily_version(request)))
def daily_papers(
    request: HttpRequest,
    date: str | None = Query(None, description="one day, YYYY-MM-DD"),
    week: str | None = Query(None, description="one ISO week, YYYY-Www"),
    month: str | None = Query(None, description="one month, YYYY-MM"),
    submitter: str | None = Query(
        None, max_length=300, description="the Daily Papers submitter's name (any case)"),
    sort: Query[Literal["publishedAt", "trending"]] = "publishedAt",
    p: int = Query(0, ge=0, le=MAX_PAGE, description="page, from 0"),
    limit: int = _limit(),
) -> list[dict]:
    """Featured papers: the newest by default, or of one `date` (YYYY-MM-DD), `week`
    (YYYY-Www) or `month` (YYYY-MM); `submitter` keeps one Daily Papers submitter's
    entries (who submitted it there, not arXiv's uploader)."""
    rows = _daily_rows(date, week, month, submitter, sort)[p * limit:(p + 1) * limit]
    return [_entry(paper) for paper in with_notes(rows)]


def _daily_rows(date, week, month, submitter, sort):
    given = {k: v for k, v in {"date": date, "week": week, "month": month}.items() if v}
    if len(given) > 1:
        raise _invalid(list(given)[1], "give one of date, week and month")
    period = None
    if given:
        ((kind, value),) = given.items()
        try:
            period = Period.parse(kind, value)
        except InvalidPeriod as e:
            raise _invalid(kind, str(e)) from None

    if sort == "trending" and period:
        # Ages count from the period's last featured day, as the trending page's do
        # from the newest one.
        last = Paper.objects.featured_day_before(period.end + timedelta(days=1))
        papers = (Paper.objects.trending(last, period.start)
                  if last and last >= period.start else Paper.objects.none())
    elif sort == "trending":
        papers = Paper.objects.trending()
    elif period:
        papers = Paper.objects.featured_between(period.start, period.end).sorted_by("time")
    else:
        papers = Paper.objects.visible().exclude(featured_on=None).sorted_by("time")
    if submitter:
        papers = papers.filter(daily_submitter__iexact=submitter[:300])
    return papers.select_related(*CARD_RELATIONS)


def _daily_version(request: HttpRequest) -> str | None:
    """What this page of the list holds, for its ETag; None (the whole site's version)
    when the parameters are not valid, and the view answers the error."""
    g = request.GET
    try:
        p, limit = int(g.get("p", 0)), int(g.get("limit", 50))
        if not (0 <= p <= MAX_PAGE and 1 <= limit <= MAX_LIMIT):
            return None
        rows = _daily_rows(g.get("date"), g.get("week"), g.get("month"), g.get("submitter"),
                           g.get("sort", "publishedAt"))
    except (ValueError, ValidationError):
        return None
    return rows_version(rows[p * limit:(p + 1) * limit])


def _entry(paper: Paper) -> dict:
    item = list_item(paper)
    item["githubRepo"] = item["paper"].get("githubRepo")
    item["projectPage"] = item["paper"].get("projectPage")
    item["githubStars"] = item["paper"].get("githubStars")
    item["thumbnail"] = item["paper"].get("thumbnail")
    return item


def _cursor(pk: int) -> str:
    return base64.urlsafe_b64encode(f"before:{pk}".encode()).decode().rstrip("=")


def _cursor_pk(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        kind, _, pk = text.partition(":")
        if kind != "before" or not pk.isascii() or not pk.isdigit() or len(pk) > 18:
            raise ValueError
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise _invalid("cursor", "not a cursor this API gave") from None
    return int(pk)


@router.get("/papers", response={200: list[PaperListItemOut], **ERRORS}, exclude_none=True)
def list_papers(
    request: HttpRequest,
    response: HttpResponse,
    cursor: str | None = Query(None, max_length=100,
                                      description="from the `next` link of the page before"),
    limit: int = _limit(),
) -> list[dict]:
    """Every paper, the most recently added first, `limit` at a time. The next page's
    URL is in the `Link: <…>; rel="next"` header (none on the last page), as the Hub
    pages its lists; huggingface_hub's `paginate()` follows it."""
    papers = Paper.objects.visible().select_related(*CARD_RELATIONS).order_by("-pk")
    if cursor:
        papers = papers.filter(pk__lt=_cursor_pk(cursor))
    rows = list(papers[:limit + 1])
    if len(rows) > limit:
        rows = rows[:limit]
        query = urlencode({"cursor": _cursor(rows[-1].pk), "limit": limit})
        response.headers["Link"] = f'<{site_url()}/api/papers?{query}>; rel="next"'
    return [list_item(paper) for paper in with_notes(rows)]


def _visible_paper(paper_id: str) -> Paper:
    try:
        arxiv_id = parse_arxiv_id(paper_id).id
    except InvalidArxivId:
        raise HttpError(404, f"no paper {paper_id[:100]!r}") from None
    paper = (Paper.objects.visible().select_related(*CARD_RELATIONS)
             .filter(arxiv_id=arxiv_id).first())
    if paper is None:
        raise HttpError(404, f"no paper {arxiv_id!r}")
    return paper


@router.get("/arxiv/{path:paper_id}/repos", response={200: ReposOut, 404: ErrorOut})
def paper_repos(request: HttpRequest, paper_id: str) -> dict:
    """The models, datasets and Spaces on the Hub that cite a paper, in the Hub's
    listing shape, as last read (empty lists until they have been); the paper's code
    repository is its `githubRepo` in GET /api/papers/{id}."""
    artifacts = related(_visible_paper(paper_id), "artifacts")
    if artifacts is None:
        return {"models": [], "datasets": [], "spaces": []}
    return {"models": artifacts.models_found, "datasets": artifacts.datasets_found,
            "spaces": artifacts.spaces_found}


@router.get("/papers/{path:paper_id}", response={200: PaperDetailOut, 404: ErrorOut, **ERRORS},
            exclude_none=True)
def paper_info(
    request: HttpRequest,
    paper_id: str,
    field: Literal["comments"] | None = Query(
        None, description="`comments` adds the paper's discussion"),
) -> dict:
    """One paper by arXiv id (`2401.10241`, `2401.10241v2`, `hep-th/9901001`)."""
    paper = _visible_paper(paper_id)
    data = {**paper_dict(paper), "numComments": paper.num_comments,
            **linked_artifacts_dict(paper)}
    if field == "comments":
        data["comments"] = _comments(paper)
    return data


def _comments(paper: Paper) -> list[dict]:
    """The shown comments, oldest first (the first MAX_COMMENTS); a deleted one keeps
    its place in its thread, without its text or author."""
    from paperwire.community.models import Comment, display_name

    rows = (Comment.objects.filter(paper=paper, is_hidden=False)
            .select_related("user__profile").order_by("created_at", "pk")[:MAX_COMMENTS])
    out = []
    for comment in rows:
        name = "" if comment.is_deleted else display_name(comment.user)
        out.append({
            "id": str(comment.pk),
            "parentId": str(comment.parent_id) if comment.parent_id else None,
            "author": {"name": name, "fullname": name, "type": "user"} if name else None,
            "createdAt": hf_time(comment.created_at),
            "raw": "" if comment.is_deleted else comment.body,
            "html": "" if comment.is_deleted else comment.html,
            "deleted": comment.is_deleted,
        })
    return out
