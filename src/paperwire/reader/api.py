"""The reader's API: follows, "not interested", For you (Bearer token, as community's).

Everything answers for the token's owner only; a follow of another reader is a 404,
the same as one that does not exist.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError
from ninja.responses import Status

from paperwire.api.community import TokenAuth, _paper
from paperwire.api.hf import paper_dict
from paperwire.api.schemas import PaperOut
from paperwire.reader.models import MAX_FOLLOW_VALUE, Follow, NotInterested
from paperwire.reader.ranking import DAY_CHOICES, MAX_LIMIT, for_you

router = Router(auth=TokenAuth(), tags=["reader"])


class FollowIn(Schema):
    kind: str = Field(description='"author", "organisation", "category" or "topic"',
                      max_length=20)
    value: str = Field(min_length=1, max_length=MAX_FOLLOW_VALUE)


class FollowOut(Schema):
    id: int
    kind: str
    value: str
    createdAt: str


class NotInterestedOut(Schema):
    id: str
    notInterested: bool


class ForYouItemOut(Schema):
    paper: PaperOut
    reasons: list[str]


@router.get("/me/follows", response=list[FollowOut])
def list_follows(request: HttpRequest) -> list[dict]:
    """What the token's owner follows."""
    return [f.as_dict() for f in Follow.objects.of(request.auth)]


@router.post("/me/follows", response={200: FollowOut, 201: FollowOut})
def add_follow(request: HttpRequest, data: FollowIn):
    """Follow an author (by name), an organisation (name or slug), an arXiv category or
    a topic (a search); 201 when new, 200 when already followed."""
    try:
        follow, created = Follow.objects.add(request.auth, data.kind, data.value)
    except ValidationError as e:
        raise HttpError(422, " ".join(e.messages)) from None
    return Status(201 if created else 200, follow.as_dict())


@router.delete("/me/follows/{int:follow_id}", response={204: None})
def delete_follow(request: HttpRequest, follow_id: int):
    """Unfollow; 404 when the follow is not the token owner's."""
    deleted, _ = Follow.objects.filter(pk=follow_id, user=request.auth).delete()
    if not deleted:
        raise HttpError(404, "no such follow")
    return Status(204, None)


@router.post("/papers/{path:paper_id}/not-interested", response=NotInterestedOut)
def not_interested(request: HttpRequest, paper_id: str):
    """Toggle the token owner's "not interested" mark on a paper (as upvote toggles)."""
    paper = _paper(paper_id)
    marked = NotInterested.objects.toggle(request.auth, paper)
    return {"id": paper.arxiv_id, "notInterested": marked}


@router.get("/me/for-you", response=list[ForYouItemOut], exclude_none=True)
def me_for_you(request: HttpRequest, days: Query[int] = 7, limit: Query[int] = 20):
    """The token owner's For you: papers of the last `days` featured days (1, 3 or 7),
    each with the reasons it is there, best first."""
    if days not in DAY_CHOICES:
        raise HttpError(422, f"days must be one of {', '.join(map(str, DAY_CHOICES))}")
    if not 1 <= limit <= MAX_LIMIT:
        raise HttpError(422, f"limit must be 1 to {MAX_LIMIT}")
    return [{"paper": paper_dict(pick.paper), "reasons": pick.reasons}
            for pick in for_you(request.auth, days=days, limit=limit)]
