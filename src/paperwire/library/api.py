"""The library in the JSON API (Bearer token, as the community writes):

- `POST /api/papers/{id}/save` toggles the paper in the token owner's "Saved";
- `GET/POST /api/me/collections` lists or makes their collections;
- `POST /api/me/collections/{slug}/papers` adds a paper (fetched from arXiv when this
  site does not have it yet);
- `GET /api/me/collections/{slug}/export?format=bibtex|ris|csl-json`.

`/me/…` names the token owner's own collections only: any other slug is a 404.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError
from ninja.responses import Status

from paperwire.api.community import WRITE_ERRORS, TokenAuth, _paper
from paperwire.api.schemas import ErrorOut
from paperwire.lib.arxiv_ids import InvalidArxivId, parse_arxiv_id
from paperwire.library.exports import export_response
from paperwire.library.imports import fetch_from_arxiv
from paperwire.library.models import MAX_NAME, Collection, LibraryError, toggle_save
from paperwire.papers.models import Paper

router = Router(auth=TokenAuth(), tags=["library"])


class SaveOut(Schema):
    id: str
    saved: bool


class CollectionIn(Schema):
    name: str = Field(min_length=1, max_length=MAX_NAME)
    visibility: Literal["private", "public", "shared"] = "private"


class CollectionOut(Schema):
    name: str
    slug: str
    visibility: str
    papers: int
    url: str
    createdAt: datetime


class PaperIn(Schema):
    id: str = Field(min_length=1, max_length=300)


class AddedOut(Schema):
    collection: str
    id: str
    added: bool


def _out(request: HttpRequest, collection: Collection, count: int) -> dict:
    return {"name": collection.name, "slug": collection.slug,
            "visibility": collection.visibility, "papers": count,
            "url": request.build_absolute_uri(collection.get_absolute_url()),
            "createdAt": collection.created_at}


def _own(request: HttpRequest, slug: str) -> Collection:
    return get_object_or_404(Collection, owner=request.auth, slug=slug[:60])


@router.post("/papers/{path:paper_id}/save", response={200: SaveOut, **WRITE_ERRORS})
def save(request: HttpRequest, paper_id: str):
    """Toggle the paper in the token owner's "Saved" collection; answers the new state."""
    paper = _paper(paper_id)
    try:
        saved = toggle_save(request.auth, paper)
    except LibraryError as e:
        raise HttpError(400, str(e)) from None
    return {"id": paper.arxiv_id, "saved": saved}


@router.get("/me/collections", response={200: list[CollectionOut], 401: ErrorOut})
def list_collections(request: HttpRequest):
    """The token owner's collections, with how many papers each holds."""
    return [_out(request, c, c.paper_count)
            for c in Collection.objects.owned_by(request.auth).with_counts()]


@router.post("/me/collections", response={201: CollectionOut, **WRITE_ERRORS})
def create_collection(request: HttpRequest, data: CollectionIn):
    """Make a collection; the answer carries its `slug`, which the other calls take."""
    try:
        made = Collection.objects.create_for(request.auth, data.name, data.visibility)
    except LibraryError as e:
        raise HttpError(400, str(e)) from None
    return Status(201, _out(request, made, 0))


@router.post("/me/collections/{slug}/papers",
             response={200: AddedOut, 201: AddedOut, **WRITE_ERRORS, 502: ErrorOut})
def add_paper(request: HttpRequest, slug: str, data: PaperIn):
    """Add a paper by arXiv id or URL: 201 when added, 200 when it was in already. A
    paper this site does not have yet is fetched from arXiv (404 when arXiv has none)."""
    collection = _own(request, slug)
    try:
        arxiv_id = parse_arxiv_id(data.id).id
    except InvalidArxivId as e:
        raise HttpError(400, f"not an arXiv id or arXiv URL: {e}") from None
    paper = Paper.objects.filter(arxiv_id=arxiv_id).first()
    if paper is None:
        reason = fetch_from_arxiv([arxiv_id]).get(arxiv_id)
        paper = Paper.objects.filter(arxiv_id=arxiv_id).first()
        if paper is None:
            raise HttpError(404 if reason in (None, "not found on arXiv") else 502,
                            reason or "not found on arXiv")
    if paper.is_hidden:
        raise Http404("no such paper")
    try:
        added = collection.add(paper, request.auth)
    except LibraryError as e:
        raise HttpError(400, str(e)) from None
    return Status(201 if added else 200,
                  {"collection": collection.slug, "id": paper.arxiv_id, "added": added})


@router.get("/me/collections/{slug}/export",
            openapi_extra={"responses": {200: {
                "description": "The collection as BibTeX, RIS or CSL-JSON",
                "content": {"application/x-bibtex": {"schema": {"type": "string"}},
                            "application/x-research-info-systems": {
                                "schema": {"type": "string"}},
                            "application/vnd.citationstyles.csl+json": {
                                "schema": {"type": "array", "items": {"type": "object"}}}},
            }}})
def export(request: HttpRequest, slug: str,
           format: Query[Literal["bibtex", "ris", "csl-json"]] = "bibtex") -> HttpResponse:
    """The collection's papers as BibTeX, RIS or CSL-JSON."""
    return export_response(_own(request, slug), format)
