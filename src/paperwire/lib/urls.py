"""The site's own address, for links that leave the page: mail, one-click unsubscribe.

PAPERWIRE_BASE_URL, when set, is always used. When it is empty, links follow the
address the current request came in on (its Host, already checked against
ALLOWED_HOSTS, so a client cannot point them elsewhere); outside a request (the worker
building mail) they use the host and port `paperwire serve` was started with, which
serve hands its worker as PAPERWIRE_BASE_URL.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse

# What `paperwire serve` listens on by default; a worker started alone has nothing better.
FALLBACK = "http://127.0.0.1:8000"
_request_url: ContextVar[str] = ContextVar("paperwire_request_url", default="")


def site_url() -> str:
    """"https://papers.example.org", without a trailing slash."""
    return settings.BASE_URL or _request_url.get() or FALLBACK


def site_host() -> str:
    return urlsplit(site_url()).hostname or "localhost"


def _trusts_host_header() -> bool:
    # A wildcard lets any Host through: links built on it could point anywhere.
    return not any(host == "*" or host.startswith(".") for host in settings.ALLOWED_HOSTS)


class RequestSiteUrlMiddleware:
    """With no PAPERWIRE_BASE_URL, links made while answering a request use its address."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if settings.BASE_URL or not _trusts_host_header():
            return self.get_response(request)
        token = _request_url.set(f"{request.scheme}://{request.get_host()}")
        try:
            return self.get_response(request)
        finally:
            _request_url.reset(token)
