"""The search page: one box, filters and sorts as form controls, all state in the URL."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.views.decorators.cache import cache_control

import paperwire
from paperwire.feeds.links import feed_links
from paperwire.front.caching import PERSONAL_COOKIES
from paperwire.front.forms import SearchForm
from paperwire.search.query import search, search_version
from paperwire.search.store import coverage_text, semantic_coverage

PER_PAGE = 20


# Results depend on the vector index as well as the database, and the page carries a
# per-render CSRF token (the subscribe form), so it is never stored by shared caches and
# has no ETag: a content hash would never match.
@cache_control(private=True, no_cache=True)
def search_page(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET)
    context: dict = {"form": form, "searched": False}
    if not form.is_valid():
        return render(request, "front/search.html", context, status=400)
    data = form.cleaned_data
    if not data["q"] and not form.has_filters():
        # Nothing asked yet: the box, the filters and a few words on how to search.
        return render(request, "front/search.html", context)
    # The current state, less the page, for the sort links, pager and feeds.
    state = {name: request.GET.get(name, "") for name in form.fields if name != "page"}
    state = {k: v for k, v in state.items() if v}
    key = _results_key(request)
    results_html = cache.get(key) if key else None
    if results_html is not None:
        results_html = mark_safe(results_html)  # our own rendering, kept as it was
    else:
        results = search(data["q"], form.filters(), sort=data["sort"], page=data["page"],
                         per_page=PER_PAGE)
        results_html = render_to_string("front/_search_results.html", {
            "results": results, "form": form, "has_filters": form.has_filters(),
            "start": (results.page - 1) * results.per_page + 1}, request)
        if key:
            cache.set(key, results_html, settings.SEARCH_CACHE_SECONDS)
    indexed, papers = semantic_coverage()
    context.update({
        "searched": True,
        # While papers wait for their vectors, say so: they are found by words only.
        "coverage": coverage_text(indexed, papers) if indexed < papers else "",
        "results_html": results_html,
        "has_filters": form.has_filters(),
        "feeds": feed_links("search", f"Search: {data['q'] or 'filtered papers'}", state),
    })
    return render(request, "front/search.html", context)


def _results_key(request: HttpRequest) -> str | None:
    """Where the results' HTML is kept for a reader signed out, or None.

    The cards are the same for every such reader of a URL until a paper or vector
    changes (search_version); rendering them is most of a search page whose ranking
    is kept already. A signed-in reader's cards show their own votes: never kept.
    """
    if settings.SEARCH_CACHE_SECONDS <= 0 or any(request.COOKIES.get(name)
                                                 for name in PERSONAL_COOKIES):
        return None
    raw = repr((paperwire.__version__, request.get_full_path(), *search_version()))
    return "pw-search:" + hashlib.blake2b(raw.encode(), digest_size=16).hexdigest()
