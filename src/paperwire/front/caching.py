"""ETag, Cache-Control and a server-side page cache for the lists and feeds.

Every list is a function of the stored papers and the URL. `Paper.objects.data_version()`
(two indexed MAX lookups) changes whenever a paper is added or modified, so

    ETag = hash(paperwire version, data version, view, full URL)

is known before anything is rendered: a matching If-None-Match is answered 304 at once,
and the rendered page is kept in Django's cache under the same key. A change to any
paper changes the key, so a cached page is never served after the data it shows has
changed; PAPERWIRE_PAGE_CACHE_SECONDS bounds how long an unchanged page is kept (and
what browsers may reuse without asking). A request that carries a session or messages
cookie gets a personal page: never from the shared cache, `private, no-cache`, and an
ETag that also names those cookies.

A list that can say cheaply what it holds passes `version=`: a function of the request
giving, say, `rows_version()` of its rows. Its ETag then changes only when that list
changes (a vote on a paper in another list leaves it alone); None from the function
falls back to the data version.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.http import parse_etags, quote_etag

import paperwire
from paperwire.papers.models import Paper

# Cookies that make a page personal: a signed-in reader (their votes, a CSRF token), a
# message waiting to be shown, or the stamp the reader app moves when the reader follows
# something or marks a paper (neither changes a paper, so the data version misses it).
PERSONAL_COOKIES = (settings.SESSION_COOKIE_NAME, CookieStorage.cookie_name, "pw_signals")


def _personal(request: HttpRequest) -> list[str]:
    return [request.COOKIES.get(name, "") for name in PERSONAL_COOKIES]


def rows_version(rows) -> str:
    """What a list holds, as a short key: its papers' ids and modification times in
    order (one query of two columns)."""
    pairs = list(rows.values_list("pk", "modified_at"))
    return hashlib.blake2b(repr(pairs).encode(), digest_size=12).hexdigest()


def list_etag(request: HttpRequest, view_name: str, version: str | None = None) -> str:
    version = version or Paper.objects.data_version()
    # Those cookies are part of the key, so a page is never revalidated across a log in
    # or out.
    raw = "|".join([paperwire.__version__, version, view_name, request.get_full_path(),
                    *_personal(request)])
    return quote_etag(hashlib.blake2b(raw.encode(), digest_size=12).hexdigest())


def cached_list(view: Callable[..., HttpResponse] | None = None, *,
                version: Callable[[HttpRequest], str | None] | None = None):
    """Decorate a view whose answer depends only on the URL and the stored papers
    (`@cached_list`, or `cached_list(version=…)` for a list with its own version)."""
    if view is None:
        return lambda view: cached_list(view, version=version)
    view_name = f"{view.__module__}.{getattr(view, '__qualname__', type(view).__name__)}"

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.method not in ("GET", "HEAD"):
            return view(request, *args, **kwargs)
        seconds = settings.PAGE_CACHE_SECONDS
        shared = seconds > 0 and not any(_personal(request))
        etag = list_etag(request, view_name, version(request) if version else None)

        def headers(response: HttpResponse) -> HttpResponse:
            response.headers["ETag"] = etag
            patch_vary_headers(response, ["Cookie"])
            if shared:
                patch_cache_control(response, public=True, max_age=seconds)
            else:
                patch_cache_control(response, private=True, no_cache=True)
            return response

        # Weak comparison (RFC 9110): GZipMiddleware marks the tag of what it
        # compressed weak, and a client sends it back so.
        sent = [tag.removeprefix("W/") for tag in
                parse_etags(request.headers.get("If-None-Match", ""))]
        if etag in sent:
            return headers(HttpResponseNotModified())
        key = f"pw-page:{etag}"
        if shared:
            cached = cache.get(key)
            if cached is not None:
                content, content_type = cached
                return headers(HttpResponse(content, content_type=content_type))
        response = view(request, *args, **kwargs)
        if response.status_code != 200 or response.streaming:
            return response
        if shared:
            cache.set(key, (response.content, response["Content-Type"]), seconds)
        return headers(response)

    return wrapper
