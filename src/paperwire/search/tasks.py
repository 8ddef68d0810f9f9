"""Background work for search: embedding newly ingested papers.

Embedding runs on its own queue, EMBEDDING_QUEUE, which `paperwire worker` serves in a
lane of its own: a scheduled fetch waiting on an unreachable source (minutes of
retries) never holds up the vectors of papers already stored.
"""

from __future__ import annotations

from django.conf import settings
from django_tasks import task

EMBEDDING_QUEUE = "embedding"
# Papers whose vectors are committed together: each commit is visible to every search
# process within a second (search/vectors.py), so the count on the search page grows
# while a large ingest is embedded, instead of every vector landing at the end.
COMMIT_EVERY = 128


@task(queue_name=EMBEDDING_QUEUE)
def embed_papers_task(paper_ids: list[int]) -> int:
    """Embed one ingested batch (skipping papers whose vector is current), committing
    every COMMIT_EVERY papers, then note their keywords and summaries."""
    from paperwire.search.notes import note_papers
    from paperwire.search.store import embed_papers
    from paperwire.search.vectors import vector_index

    done = 0
    for start in range(0, len(paper_ids), COMMIT_EVERY):
        done += embed_papers(paper_ids[start:start + COMMIT_EVERY], update_index=False)
    if done:
        index = vector_index()
        index.update()
        index.invalidate()
    # After the vectors, so search has them first; the notes reuse each stored vector.
    for start in range(0, len(paper_ids), COMMIT_EVERY):
        note_papers(paper_ids[start:start + COMMIT_EVERY])
    return done


def enqueue_embedding(paper_ids: list[int]) -> None:
    """run_ingest's after_batch hook: queue the batch for embedding."""
    if settings.EMBED_ON_INGEST and paper_ids:
        embed_papers_task.enqueue(list(paper_ids))
