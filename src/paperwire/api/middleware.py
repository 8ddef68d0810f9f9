"""CORS for the read API: any page, on any origin, may GET it (no credentials).

Only GET and HEAD under /api/ are shared; a preflight (OPTIONS) is answered for those
methods alone, so a page elsewhere can never make a reader's browser upvote, comment
or submit. No cookie is read by the API anyway (writes take a bearer token).
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

READ_METHODS = ("GET", "HEAD")
PREFLIGHT_MAX_AGE = 86_400


class ReadApiCorsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith("/api/"):
            return self.get_response(request)
        if request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers:
            response = HttpResponse(status=204)
            if request.headers["Access-Control-Request-Method"] in READ_METHODS:
                response["Access-Control-Allow-Origin"] = "*"
                response["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
                response["Access-Control-Allow-Headers"] = "Accept, If-None-Match"
                response["Access-Control-Max-Age"] = str(PREFLIGHT_MAX_AGE)
            return response
        response = self.get_response(request)
        if request.method in READ_METHODS:
            response.headers["Access-Control-Allow-Origin"] = "*"
            # Pages follow Link; caches revalidate with ETag.
            response.headers["Access-Control-Expose-Headers"] = "Link, ETag"
        return response
