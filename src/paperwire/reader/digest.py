"""The For you section of a signed-in reader's digest: the picks of the digest's window
with their reasons, and signed one-click "save" / "not interested" links (tokens.py).

digests/build.py stores `content["for_you"] = [[paper id, [reasons]], …]`;
digests/emails.py renders it with `section()`.
"""

from __future__ import annotations

import logging

from django.contrib.auth import get_user_model

from paperwire.reader import tokens
from paperwire.reader.ranking import for_you, library_installed

log = logging.getLogger(__name__)
MAX_DIGEST_PICKS = 5


def digest_picks(user_id: int, first, last, exclude: set[int]) -> list[list]:
    """[[paper id, reasons], …] for the window; [] when anything goes wrong (For you is
    one section: it never stops a digest)."""
    try:
        user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
        if user is None:
            return []
        picks = for_you(user, first=first, last=last, limit=MAX_DIGEST_PICKS,
                        exclude=exclude, record=False)
    except Exception:
        log.exception("For you failed for user %s", user_id)
        return []
    return [[pick.paper.pk, pick.reasons] for pick in picks]


def section(items: list, user_id: int | None, cards: dict) -> list[dict]:
    """What the templates show for each pick: its card (html, text), reasons, links."""
    shown = []
    for item in items or []:
        try:
            pk, reasons = int(item[0]), [str(r) for r in item[1]][:3]
        except (TypeError, ValueError, IndexError):
            continue  # a stored row of another shape: skip it, never fail the digest
        card = cards.get(pk)
        if card is None or user_id is None:
            continue
        shown.append({
            "card": card, "reasons": reasons,
            "save_url": tokens.url(user_id, pk, "save") if library_installed() else "",
            "not_interested_url": tokens.url(user_id, pk, "not-interested"),
        })
    return shown
