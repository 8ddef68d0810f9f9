"""Response schemas for the OpenAPI description; names follow the Hub's JSON."""

from __future__ import annotations

from ninja import Schema


class AuthorOut(Schema):
    name: str
    hidden: bool = False


class OrganizationOut(Schema):
    name: str
    fullname: str
    avatarUrl: str = ""


class PaperOut(Schema):
    id: str
    authors: list[AuthorOut]
    publishedAt: str | None
    title: str
    summary: str
    upvotes: int
    githubRepo: str | None = None
    projectPage: str | None = None
    organization: OrganizationOut | None = None


class PaperListItemOut(Schema):
    paper: PaperOut
    publishedAt: str | None
    title: str
    summary: str
    numComments: int
    organization: OrganizationOut | None = None
