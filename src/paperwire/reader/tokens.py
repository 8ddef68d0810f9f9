"""Signed one-click links in digests: "save" and "not interested" on one paper.

A link names the reader, the paper and the action, signed with a salt of its own (so
no digests token opens it, nor it one) and dated: it works for LINK_MAX_AGE. It opens a
confirmation page on GET (link scanners follow GET links) and acts on POST, as the
digests' unsubscribe link does; it needs no login.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.urls import reverse

from paperwire.papers.models import Paper

SALT = "paperwire.reader.signal"
ACTIONS = ("save", "not-interested")
LINK_MAX_AGE = 60 * 24 * 3600  # two months: a weekly digest read late still works


def make(user_id: int, paper_id: int, action: str) -> str:
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    return signing.TimestampSigner(salt=SALT).sign(f"{user_id}.{paper_id}.{action}")


def check(token: str):
    """(user, paper, action) a token names, or None when forged, expired or stale."""
    try:
        value = signing.TimestampSigner(salt=SALT).unsign(token[:500], max_age=LINK_MAX_AGE)
    except signing.BadSignature:
        return None
    user_id, _, rest = value.partition(".")
    paper_id, _, action = rest.partition(".")
    if not (user_id.isdigit() and paper_id.isdigit()) or action not in ACTIONS:
        return None
    user = get_user_model().objects.filter(pk=int(user_id), is_active=True).first()
    paper = Paper.objects.visible().filter(pk=int(paper_id)).first()
    if user is None or paper is None:
        return None
    return user, paper, action


def url(user_id: int, paper_id: int, action: str) -> str:
    """An absolute link on PAPERWIRE_BASE_URL."""
    return settings.BASE_URL + reverse("pw-reader-link", args=[make(user_id, paper_id, action)])
