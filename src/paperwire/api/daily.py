"""`GET /api/daily_papers` and `GET /api/papers/{id}` in the Hugging Face Hub's shapes.

`huggingface_hub.HfApi(endpoint=...)` reads them with `list_daily_papers()` and
`paper_info()`. The lists come from the same queryset methods as the pages and feeds;
the JSON from the search app's serialiser (`paperwire.api.hf`), plus what these two
endpoints add: who submitted an entry, and when a paper was featured.

Hub conventions kept: `p` counts pages from 0, `limit` defaults to 50, `sort` is
`publishedAt` (newest featured first) or `trending`; times are UTC ISO 8601 with a Z.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Literal

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.decorators import decorate_view
from ninja.errors import HttpError, ValidationError

from paperwire.api.hf import hf_time, list_item, paper_dict
from paperwire.api.schemas import PaperListItemOut, PaperOut
from paperwire.front.caching import cached_list
from paperwire.lib.arxiv_ids import InvalidArxivId, parse_arxiv_id
from paperwire.lib.periods import InvalidPeriod, Period
from paperwire.papers.models import Paper

router = Router(tags=["papers"])
MAX_LIMIT = 100
MAX_PAGE = 10_000


class SubmitterOut(Schema):
    name: str
    fullname: str
    avatarUrl: str = ""
    type: str = "user"


class DailyPaperOut(PaperListItemOut):
    submittedBy: SubmitterOut | None = None
    # Also inside `paper`, where the Hub puts them; huggingface_hub reads them here.
    githubRepo: str | None = None
    projectPage: str | None = None


class PaperDetailOut(PaperOut):
    numComments: int
    submittedOnDailyAt: str | None = None


class ErrorOut(Schema):
    detail: str


def _invalid(name: str, message: str) -> ValidationError:
    """A 422 in ninja's own shape, naming the query parameter."""
    return ValidationError([{"loc": ["query", name], "msg": message, "type": "value_error"}])


def _featured_at(paper: Paper) -> str | None:
    if paper.featured_on is None:
        return None
    return hf_time(datetime.combine(paper.featured_on, time.min, UTC))


def _submitter(paper: Paper) -> dict | None:
    if not paper.submitter:
        return None
    return {"name": paper.submitter, "fullname": paper.submitter, "avatarUrl": "",
            "type": "user"}


@router.get("/daily_papers", response=list[DailyPaperOut], exclude_none=True)
@decorate_view(cached_list)
def daily_papers(
    request: HttpRequest,
    date: Query[str | None] = None,
    week: Query[str | None] = None,
    month: Query[str | None] = None,
    submitter: Query[str | None] = None,
    sort: Query[Literal["publishedAt", "trending"]] = "publishedAt",
    p: Query[int] = 0,
    limit: Query[int] = 50,
) -> list[dict]:
    """Featured papers: the newest by default, or of one `date` (YYYY-MM-DD), `week`
    (YYYY-Www) or `month` (YYYY-MM); `submitter` keeps one submitter's entries."""
    if not 1 <= limit <= MAX_LIMIT:
        raise _invalid("limit", f"must be 1 to {MAX_LIMIT}")
    if not 0 <= p <= MAX_PAGE:
        raise _invalid("p", f"must be 0 to {MAX_PAGE}")
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
        papers = papers.filter(submitter__iexact=submitter[:300])
    rows = papers.select_related("organisation")[p * limit:(p + 1) * limit]
    return [_entry(paper) for paper in rows]


def _entry(paper: Paper) -> dict:
    item = list_item(paper)
    item["submittedBy"] = _submitter(paper)
    item["githubRepo"] = item["paper"].get("githubRepo")
    item["projectPage"] = item["paper"].get("projectPage")
    return item


@router.get("/papers/{path:paper_id}", response={200: PaperDetailOut, 404: ErrorOut},
            exclude_none=True)
def paper_info(request: HttpRequest, paper_id: str) -> dict | tuple[int, dict]:
    """One paper by arXiv id (`2401.10241`, `2401.10241v2`, `hep-th/9901001`)."""
    try:
        arxiv_id = parse_arxiv_id(paper_id).id
    except InvalidArxivId:
        raise HttpError(404, f"no paper {paper_id[:100]!r}") from None
    paper = (Paper.objects.visible().select_related("organisation")
             .filter(arxiv_id=arxiv_id).first())
    if paper is None:
        raise HttpError(404, f"no paper {arxiv_id!r}")
    return {**paper_dict(paper), "numComments": paper.num_comments,
            "submittedOnDailyAt": _featured_at(paper)}
