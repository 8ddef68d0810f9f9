"""The search page: one box, filters and sorts as form controls, all state in the URL."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import cache_control

from paperwire.feeds.links import feed_links
from paperwire.front.forms import SearchForm
from paperwire.search.query import search
from paperwire.search.store import coverage_text, semantic_coverage

PER_PAGE = 20


# Results depend on the vector index as well as the database, and the page carries a
# per-render CSRF token (the subscribe form), so it is never stored by shared caches and
# has no ETag: a content hash would never match.
@cache_control(private=True, no_cache=True)
def search_page(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET)
    context: dict = {"form": form, "results": None}
    if not form.is_valid():
        return render(request, "front/search.html", context, status=400)
    data = form.cleaned_data
    if not data["q"] and not form.has_filters():
        # Nothing asked yet: the box, the filters and a few words on how to search.
        return render(request, "front/search.html", context)
    results = search(data["q"], form.filters(), sort=data["sort"], page=data["page"],
                     per_page=PER_PAGE)
    # The current state, less the page, for the sort links, pager and feeds.
    state = {name: request.GET.get(name, "") for name in form.fields if name != "page"}
    state = {k: v for k, v in state.items() if v}
    indexed, papers = semantic_coverage()
    context.update({
        "results": results,
        # While papers wait for their vectors, say so: they are found by words only.
        "coverage": coverage_text(indexed, papers) if indexed < papers else "",
        "start": (results.page - 1) * results.per_page + 1,
        "has_filters": form.has_filters(),
        "feeds": feed_links("search", f"Search: {data['q'] or 'filtered papers'}", state),
    })
    return render(request, "front/search.html", context)
