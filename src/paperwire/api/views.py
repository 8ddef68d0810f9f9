"""The JSON API, shaped like the Hugging Face papers API (OpenAPI at /api/docs).

Errors answer as the Hub's do: a status and `{"error": "<reason>"}`, which
huggingface_hub puts in the exception it raises. An invalid parameter is a 400 (ninja
says 422, with a list of details, which huggingface_hub cannot show).
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI, Query
from ninja.errors import HttpError, ValidationError

from paperwire.api.hf import list_item, with_notes
from paperwire.api.schemas import ErrorOut, PaperListItemOut

MAX_SEARCH_LIMIT = 120  # as the Hub's search

api = NinjaAPI(title="paperwire", version="1",
               description="Papers in the Hugging Face Hub's shapes: "
                           "`huggingface_hub.HfApi(endpoint=...)` reads them. "
                           "Every error is `{\"error\": \"<reason>\"}`; an invalid "
                           "parameter is a 400. Reads (GET) may be called from any "
                           "origin (CORS); writes may not.",
               urls_namespace="api")
COVERAGE_HEADER = "X-Paperwire-Semantic-Coverage"


def validation_reason(errors: list[dict]) -> str:
    """ninja's (pydantic's) error list as one line: `limit: must be 1 to 100; …`."""
    parts = []
    for error in errors[:10]:
        loc = [str(x) for x in error.get("loc", ()) if x not in ("query", "body", "path")]
        where = ".".join(loc)
        message = str(error.get("msg", "invalid"))[:200]
        parts.append(f"{where}: {message}" if where else message)
    return "; ".join(parts) or "invalid request"


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return api.create_response(request, {"error": validation_reason(exc.errors)}, status=400)


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return api.create_response(request, {"error": str(exc)}, status=exc.status_code)


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(request, {"error": str(exc) or "not found"}, status=404)


@api.get("/papers/search", response={200: list[PaperListItemOut], 400: ErrorOut},
         exclude_none=True, tags=["papers"])
def search_papers(
    request: HttpRequest,
    response: HttpResponse,
    q: str = Query("", max_length=10_000, description="what to look for"),
    limit: int = Query(20, ge=1, le=MAX_SEARCH_LIMIT,
                       description=f"results, 1 to {MAX_SEARCH_LIMIT}"),
) -> list[dict]:
    """Hybrid (lexical + semantic) search over every paper; best first.

    The `X-Paperwire-Semantic-Coverage` header says how many papers semantic search
    knows, as `indexed/papers` (`412/753`): below the total, papers not yet embedded are
    found by their words only."""
    from paperwire.search.query import search
    from paperwire.search.store import semantic_coverage

    results = search(q, per_page=limit)
    indexed, papers = semantic_coverage()
    response.headers[COVERAGE_HEADER] = f"{indexed}/{papers}"
    return [list_item(paper) for paper in with_notes(hit.paper for hit in results.hits)]


# Writes (POST /papers/submit, /papers/{id}/upvote, /papers/{id}/comments) before the
# catch-all GET /papers/{id}, whose path would match them first.
api.add_router("", "paperwire.api.community.router")
# Save and the reader's collections (/papers/{id}/save, /me/collections…).
api.add_router("", "paperwire.library.api.router")
# The reader's destinations (/me/destinations…).
api.add_router("", "paperwire.deliveries.api.router")
# A reader's follows, "not interested" and For you (POST /papers/{id}/not-interested too).
api.add_router("", "paperwire.reader.api.router")
# /api/daily_papers, /api/papers and /api/papers/{id}, after /papers/search so that
# route wins.
api.add_router("", "paperwire.api.daily.router")
