"""A collection's papers as citations (lib/citations.py writes the formats)."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils import timezone

from paperwire.lib.citations import EXPORT_TYPES, EXPORTERS, Citation
from paperwire.library.models import Collection
from paperwire.papers.models import Paper

FORMATS = tuple(EXPORTERS)


def citation_for(paper: Paper) -> Citation:
    published = paper.published_at or paper.updated_at
    # author_names is JSON a source wrote: only its strings are names.
    names = paper.author_names if isinstance(paper.author_names, list) else []
    return Citation(
        arxiv_id=paper.arxiv_id, title=paper.title or "",
        authors=[n for n in names if isinstance(n, str)],
        date=timezone.localdate(published) if published else paper.featured_on,
        version=paper.version, primary_category=paper.primary_category
        or (paper.category_list[0] if paper.category_list else ""),
        categories=paper.category_list, abstract=paper.abstract,
        # A journal DOI when the paper has one; else the exports use arXiv's own.
        doi=paper.doi if paper.doi.startswith("10.") else "",
    )


def export_response(collection: Collection, fmt: str) -> HttpResponse:
    """The collection in `fmt` (one of FORMATS), as a download."""
    papers = list(collection.papers())
    body = EXPORTERS[fmt]([citation_for(p) for p in papers])
    content_type, extension = EXPORT_TYPES[fmt]
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{collection.slug}.{extension}"'
    return response
