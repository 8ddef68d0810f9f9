"""A Content-Security-Policy on every response: scripts, styles and images from this
site only, no inline script, no plugins, no framing.

Paper titles and abstracts are untrusted and are always escaped; the policy is the
second line of defence should an escape ever be missed.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])
# Swagger UI (/api/docs, served from ninja's static files) sets inline styles.
DOCS_POLICY = POLICY.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if "Content-Security-Policy" not in response.headers:
            policy = DOCS_POLICY if request.path.startswith("/api/docs") else POLICY
            response.headers["Content-Security-Policy"] = policy
        return response
