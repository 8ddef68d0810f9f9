"""The enrich refresh as background tasks: one per kind, so a slow source (arXiv's
politeness delay) never holds back the others."""

from __future__ import annotations

from django.conf import settings
from django_tasks import task

KINDS = ("stars", "artifacts", "thumbnails", "fulltext")


def refresh_kind(kind: str) -> dict:
    from paperwire.enrich import artifacts, fulltext, stars, thumbnails

    runs = {"stars": stars.refresh_stars, "artifacts": artifacts.refresh_artifacts,
            "thumbnails": thumbnails.refresh_thumbnails, "fulltext": fulltext.refresh_full_text}
    if kind not in runs:
        raise ValueError(f"unknown enrich kind {kind!r}: use one of {', '.join(KINDS)}")
    if kind == "thumbnails" and not settings.THUMBNAILS:
        return {"kind": kind, "fetched": 0, "failed": 0, "stopped": "thumbnails are off",
                "errors": []}
    return runs[kind]().as_dict()


@task()
def refresh(kind: str) -> dict:
    """Fetch one kind of enrichment for the papers due (bounded; see refresh.py)."""
    return refresh_kind(kind)
