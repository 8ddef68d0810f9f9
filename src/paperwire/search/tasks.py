"""Background work for search: embedding newly ingested papers."""

from __future__ import annotations

from django.conf import settings
from django_tasks import task


@task()
def embed_papers_task(paper_ids: list[int]) -> int:
    """Embed one ingested batch (skipping papers whose vector is current)."""
    from paperwire.search.store import embed_papers

    return embed_papers(paper_ids)


def enqueue_embedding(paper_ids: list[int]) -> None:
    """run_ingest's after_batch hook: queue the batch for embedding."""
    if settings.EMBED_ON_INGEST and paper_ids:
        embed_papers_task.enqueue(list(paper_ids))
