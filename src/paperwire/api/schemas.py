"""Response schemas for the OpenAPI description; names follow the Hub's JSON."""

from __future__ import annotations

from ninja import Schema


class AuthorOut(Schema):
    name: str
    hidden: bool = False


class OrganizationOut(Schema):
    name: str
    fullname: str
    avatar: str = ""
    avatarUrl: str = ""


class SubmitterOut(Schema):
    name: str
    user: str
    fullname: str
    avatarUrl: str = ""
    type: str = "user"


class ErrorOut(Schema):
    """Every error answer: the reason, as the Hub gives it (huggingface_hub shows it)."""

    error: str


class PaperOut(Schema):
    id: str
    authors: list[AuthorOut]
    publishedAt: str | None
    title: str
    summary: str
    upvotes: int
    discussionId: str
    ai_keywords: list[str] = []
    ai_summary: str = ""
    submittedOnDailyAt: str | None = None
    submittedOnDailyBy: SubmitterOut | None = None
    githubRepo: str | None = None
    projectPage: str | None = None
    organization: OrganizationOut | None = None
    githubStars: int | None = None
    thumbnail: str | None = None


class PaperListItemOut(Schema):
    paper: PaperOut
    publishedAt: str | None
    title: str
    summary: str
    numComments: int
    organization: OrganizationOut | None = None
    submittedBy: SubmitterOut | None = None
