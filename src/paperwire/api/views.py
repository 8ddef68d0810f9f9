"""The JSON API, shaped like the Hugging Face papers API (OpenAPI at /api/docs)."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import NinjaAPI, Query

from paperwire.api.hf import list_item
from paperwire.api.schemas import PaperListItemOut

api = NinjaAPI(title="paperwire", version="1",
               description="Papers in the Hugging Face Hub's shapes: "
                           "`huggingface_hub.HfApi(endpoint=...)` reads them.",
               urls_namespace="api")


@api.get("/papers/search", response=list[PaperListItemOut], exclude_none=True,
         tags=["papers"])
def search_papers(
    request: HttpRequest,
    q: Query[str] = "",
    limit: Query[int] = 20,
) -> list[dict]:
    """Hybrid (lexical + semantic) search over every paper; best first."""
    from paperwire.search.query import search

    # Validated here rather than with Field bounds so the 422 names the parameter.
    if not 1 <= limit <= 100:
        from ninja.errors import ValidationError

        raise ValidationError([{"loc": ["query", "limit"], "msg": "must be 1 to 100",
                                "type": "value_error"}])
    results = search(q[:10_000], per_page=limit)
    return [list_item(hit.paper) for hit in results.hits]


# Writes (POST /papers/submit, /papers/{id}/upvote, /papers/{id}/comments) before the
# catch-all GET /papers/{id}, whose path would match them first.
api.add_router("", "paperwire.api.community.router")
# Save and the reader's collections (/papers/{id}/save, /me/collections…).
api.add_router("", "paperwire.library.api.router")
# The reader's destinations (/me/destinations…).
api.add_router("", "paperwire.deliveries.api.router")
# A reader's follows, "not interested" and For you (POST /papers/{id}/not-interested too).
api.add_router("", "paperwire.reader.api.router")
# /api/daily_papers and /api/papers/{id}, after /papers/search so that route wins.
api.add_router("", "paperwire.api.daily.router")
