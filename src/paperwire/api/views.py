"""The JSON API, shaped like the Hugging Face papers API (OpenAPI at /api/docs)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI, Query

from paperwire.api.hf import list_item
from paperwire.api.schemas import PaperListItemOut

api = NinjaAPI(title="paperwire", version="1",
               description="Papers in the Hugging Face Hub's shapes: "
                           "`huggingface_hub.HfApi(endpoint=...)` reads them.",
               urls_namespace="api")
COVERAGE_HEADER = "X-Paperwire-Semantic-Coverage"


@api.get("/papers/search", response=list[PaperListItemOut], exclude_none=True,
         tags=["papers"])
def search_papers(
    request: HttpRequest,
    response: HttpResponse,
    q: Query[str] = "",
    limit: Query[int] = 20,
) -> list[dict]:
    """Hybrid (lexical + semantic) search over every paper; best first.

    The `X-Paperwire-Semantic-Coverage` header says how many papers semantic search
    knows, as `indexed/papers` (`412/753`): below the total, papers not yet embedded are
    found by their words only."""
    from paperwire.search.query import search
    from paperwire.search.store import semantic_coverage

    # Validated here rather than with Field bounds so the 422 names the parameter.
    if not 1 <= limit <= 100:
        from ninja.errors import ValidationError

        raise ValidationError([{"loc": ["query", "limit"], "msg": "must be 1 to 100",
                                "type": "value_error"}])
    results = search(q[:10_000], per_page=limit)
    indexed, papers = semantic_coverage()
    response.headers[COVERAGE_HEADER] = f"{indexed}/{papers}"
    return [list_item(hit.paper) for hit in results.hits]


# Writes (POST /papers/submit, /papers/{id}/upvote, /papers/{id}/comments) before the
# catch-all GET /papers/{id}, whose path would match them first.
api.add_router("", "paperwire.api.community.router")
# /api/daily_papers and /api/papers/{id}, after /papers/search so that route wins.
api.add_router("", "paperwire.api.daily.router")
