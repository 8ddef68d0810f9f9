"""API writes for signed-up readers: upvote, comment, submit.

Each call carries a personal token (`Authorization: Bearer pw_…`, made on the profile
page or with `paperwire user token EMAIL`); only a hash of it is stored. No session
cookie is read here, so these calls need no CSRF token and cannot be forged by a page.
"""

from __future__ import annotations

from datetime import datetime

from django.http import Http404, HttpRequest
from ninja import Field, Router, Schema
from ninja.errors import HttpError
from ninja.responses import Status
from ninja.security import HttpBearer

from paperwire.api.schemas import ErrorOut
from paperwire.community import throttle
from paperwire.community.models import MAX_COMMENT, ApiToken, Comment, Vote
from paperwire.community.submit import SubmitError, submit_paper
from paperwire.lib.arxiv_ids import InvalidArxivId, parse_arxiv_id
from paperwire.papers.models import Paper


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str):
        user = ApiToken.objects.user_for(token.strip())
        if user is not None:
            request.user = user
        return user


router = Router(auth=TokenAuth(), tags=["community"])


class UpvoteOut(Schema):
    id: str
    upvoted: bool
    upvotes: int


class CommentIn(Schema):
    body: str = Field(min_length=1, max_length=MAX_COMMENT)
    parent: int | None = None


class CommentOut(Schema):
    id: int
    paper: str
    parent: int | None
    body: str
    html: str
    createdAt: datetime


class SubmitIn(Schema):
    id: str = Field(min_length=1, max_length=300)


class SubmitOut(Schema):
    id: str
    title: str
    created: bool
    featuredOn: str | None
    url: str


def _paper(paper_id: str) -> Paper:
    try:
        arxiv_id = parse_arxiv_id(paper_id).id
    except InvalidArxivId:
        raise Http404("no such paper") from None
    paper = Paper.objects.visible().filter(arxiv_id=arxiv_id).first()
    if paper is None:
        raise Http404("no such paper")
    return paper


# What every write can answer besides its success: a bad body (400), no valid token
# (401), no such paper (404), too many calls (429); each with an `error`.
WRITE_ERRORS = {400: ErrorOut, 401: ErrorOut, 404: ErrorOut}


@router.post("/papers/submit", response={200: SubmitOut, 201: SubmitOut, **WRITE_ERRORS,
                                         403: ErrorOut, 429: ErrorOut, 502: ErrorOut})
def submit(request: HttpRequest, data: SubmitIn):
    """Submit a paper by arXiv id or arXiv URL; 201 when new, 200 when it was already in."""
    try:
        parse_arxiv_id(data.id)
    except InvalidArxivId as e:
        raise HttpError(400, f"not an arXiv id or arXiv URL: {e}") from None
    if not throttle.allow(submit_user=str(request.auth.pk)):
        raise HttpError(429, "too many submissions; wait and try again")
    try:
        result = submit_paper(request.auth, data.id)
    except SubmitError as e:
        raise HttpError(e.status, str(e)) from None
    paper = result.paper
    return Status(201 if result.created else 200, {
        "id": paper.arxiv_id, "title": paper.title, "created": result.created,
        "featuredOn": paper.featured_on.isoformat() if paper.featured_on else None,
        "url": request.build_absolute_uri(f"/papers/{paper.arxiv_id}"),
    })


@router.post("/papers/{path:paper_id}/upvote", response={200: UpvoteOut, **WRITE_ERRORS})
def upvote(request: HttpRequest, paper_id: str):
    """Toggle the token owner's upvote; answers the new state and count."""
    paper = _paper(paper_id)
    voted, count = Vote.objects.toggle(request.auth, paper)
    return {"id": paper.arxiv_id, "upvoted": voted, "upvotes": count}


@router.post("/papers/{path:paper_id}/comments",
             response={201: CommentOut, **WRITE_ERRORS, 429: ErrorOut})
def comment(request: HttpRequest, paper_id: str, data: CommentIn):
    """Comment on a paper, or reply to one of its comments (`parent`)."""
    paper = _paper(paper_id)
    body = data.body.strip()
    if not body:
        raise HttpError(400, "the comment is empty")
    parent = None
    if data.parent is not None:
        parent = Comment.objects.filter(pk=data.parent, paper=paper, is_deleted=False,
                                        is_hidden=False).first()
        if parent is None:
            raise HttpError(400, "no such comment to reply to on this paper")
    if not throttle.allow(comment_user=str(request.auth.pk)):
        raise HttpError(429, "too many comments; wait and try again")
    new = Comment.post(request.auth, paper, body, parent)
    return Status(201, {"id": new.pk, "paper": paper.arxiv_id, "parent": new.parent_id,
                        "body": new.body, "html": new.html, "createdAt": new.created_at})
