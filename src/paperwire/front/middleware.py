"""A Content-Security-Policy on every response: scripts, styles and images from this
site only, no inline script, no plugins, no framing.

Paper titles and abstracts are untrusted and are always escaped; the policy is the
second line of defence should an escape ever be missed.

Off by default, a second middleware names the process that answered (ProcessHeader).
A third sends HSTS when the site's base URL is https.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from django.conf import settings
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


class ProcessHeaderMiddleware:
    """`X-Paperwire-Process: <pid>` on every response (PAPERWIRE_PROCESS_HEADER): behind
    one port, gunicorn hands each connection to any of its workers, and this says which.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # Read per response, not once here: gunicorn loads the app before it forks.
        response.headers["X-Paperwire-Process"] = str(os.getpid())
        return response


class StrictTransportSecurityMiddleware:
    """`Strict-Transport-Security` on every response when the base URL is https.

    Sent whether or not this request came over TLS as paperwire sees it (behind a proxy
    it rarely does): browsers ignore the header on plain http (RFC 6797 §8.1), and the
    base URL says the site is meant to be reached over https only.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        seconds = settings.HSTS_SECONDS
        if seconds > 0 and settings.BASE_URL.startswith("https://"):
            response.headers.setdefault("Strict-Transport-Security", f"max-age={seconds}")
        return response
