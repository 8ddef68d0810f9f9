"""Destinations in the JSON API (Bearer token, as the community writes):

- `POST /api/me/destinations` with `{"kind", "url", "feed", "schedule"}` makes one and
  answers `{"id", "secret"}`: the signing secret, shown this once (`"kind": "email"`
  takes no URL, and ignores one given: it mails the token owner's own confirmed
  address);
- `GET /api/me/destinations` lists the token owner's (without their secrets);
- `DELETE /api/me/destinations/{id}` deletes one.

`/me/…` names the token owner's own destinations only: any other id is a 404.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema
from ninja.errors import HttpError
from ninja.responses import Status

from paperwire.api.community import WRITE_ERRORS, TokenAuth
from paperwire.api.schemas import ErrorOut
from paperwire.deliveries.models import MAX_FEED, Destination, DestinationError
from paperwire.lib.http import MAX_URL

router = Router(auth=TokenAuth(), tags=["deliveries"])


class DestinationIn(Schema):
    kind: Literal["webhook", "slack", "discord", "email"]
    url: str = Field("", max_length=MAX_URL)
    feed: str = Field(min_length=1, max_length=MAX_FEED)
    schedule: Literal["immediate", "daily", "weekly"] = "immediate"


class CreatedOut(Schema):
    id: int
    secret: str


class DestinationOut(Schema):
    id: int
    kind: str
    url: str
    feed: str
    schedule: str
    paused: bool
    pausedReason: str
    lastSentAt: datetime | None
    lastError: str
    createdAt: datetime


def _out(d: Destination) -> dict:
    return {"id": d.pk, "kind": d.kind, "url": d.url_shown, "feed": d.feed,
            "schedule": d.schedule, "paused": d.is_paused, "pausedReason": d.paused_reason,
            "lastSentAt": d.last_sent_at, "lastError": d.last_error,
            "createdAt": d.created_at}


@router.get("/me/destinations", response={200: list[DestinationOut], 401: ErrorOut})
def list_destinations(request: HttpRequest):
    """The token owner's destinations (their URLs' secret paths cut, no secrets)."""
    return [_out(d) for d in Destination.objects.owned_by(request.auth)]


@router.post("/me/destinations", response={201: CreatedOut, **WRITE_ERRORS})
def create_destination(request: HttpRequest, data: DestinationIn):
    """Deliver a feed to a webhook, Slack, Discord, or by email to the token owner's own
    confirmed address (`"kind": "email"`, no URL). The answer's `secret` signs every
    webhook body (`X-Paperwire-Signature-256: sha256=<HMAC-SHA256 hex>`); it is not
    shown again."""
    for value in (data.url, data.feed):
        if "\x00" in value:
            raise HttpError(400, "NUL bytes are not allowed")
    try:
        made = Destination.objects.create_for(request.auth, kind=data.kind, url=data.url,
                                              feed=data.feed, schedule=data.schedule)
    except DestinationError as e:
        raise HttpError(400, str(e)) from None
    return Status(201, {"id": made.pk, "secret": made.secret})


@router.delete("/me/destinations/{destination_id}",
               response={204: None, 401: ErrorOut, 404: ErrorOut})
def delete_destination(request: HttpRequest, destination_id: int):
    get_object_or_404(Destination, pk=destination_id, owner=request.auth).delete()
    return Status(204, None)
