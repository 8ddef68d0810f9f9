"""A Content-Security-Policy on every response: scripts, styles and images from this
site only, no inline script, no plugins, no framing.

Paper titles and abstracts are untrusted and are always escaped; the policy is the
second line of defence should an escape ever be missed.

Off by default, a second middleware names the process that answered (ProcessHeader).
A third compresses the public, cookie-free answers (PublicGZip), a fourth sends HSTS
when the site's base URL is https, and a fifth refuses large request bodies before
anything reads them.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.middleware.gzip import GZipMiddleware

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


# Paths whose answers hold nothing personal and no CSRF token: compressing them cannot
# leak a secret through their size (BREACH), so they are compressed; pages, which carry
# a CSRF token in forms, are not.
PUBLIC_PREFIXES = ("/api/", "/feeds/", "/sitemap", "/opensearch.xml")


class PublicGZipMiddleware(GZipMiddleware):
    """Django's GZipMiddleware, for the JSON API, the feeds and the sitemaps only."""

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        if request.method not in ("GET", "HEAD") or not request.path.startswith(
                PUBLIC_PREFIXES):
            return response
        return super().process_response(request, response)


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


# No form takes a file. A signed-out visitor's forms (subscribe, sign-up, login, reset)
# are a few hundred bytes; a signed-in reader's largest is a comment (MAX_COMMENT
# characters, up to 4 bytes each, 6 when JSON-escaped).
ANONYMOUS_BODY_LIMIT = 64 * 1024
BODY_LIMIT = 1024 * 1024


class RequestBodyLimitMiddleware:
    """413 for a body over the limit, by its Content-Length, before the CSRF check or a
    view parses it (Django spools multipart files of any size to disk otherwise)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0  # Django reads no body then
        if length > ANONYMOUS_BODY_LIMIT:
            limit = BODY_LIMIT if request.user.is_authenticated else ANONYMOUS_BODY_LIMIT
            if length > limit:
                return HttpResponse(f"Request body too large (at most {limit:,} bytes).\n",
                                    status=413, content_type="text/plain; charset=utf-8")
        return self.get_response(request)
