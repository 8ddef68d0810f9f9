"""A paper's page and its Markdown, and the author, organisation and category pages."""

from __future__ import annotations

import logging

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers

from paperwire.front.caching import cached_list
from paperwire.front.forms import PageForm
from paperwire.front.markdown import paper_markdown
from paperwire.front.views.common import PAGE_SIZE, bad_request, paginate
from paperwire.lib.arxiv_ids import InvalidArxivId, parse_arxiv_id
from paperwire.lib.urls import site_url
from paperwire.papers.models import CARD_RELATIONS, Author, Organisation, Paper, PaperAuthor
from paperwire.search.query import similar_papers

log = logging.getLogger(__name__)
SIMILAR = 5


def _get_paper(arxiv_id: str) -> Paper:
    paper = get_object_or_404(
        Paper.objects.visible().select_related(*CARD_RELATIONS, "artifacts", "full_text"),
        arxiv_id=arxiv_id)
    # A JSON column: ingest stores a list of names, but a row written another way (admin,
    # an older release) may hold anything. The page shows the names it can read.
    names = paper.author_names if isinstance(paper.author_names, list) else []
    paper.author_names = [n for n in names if isinstance(n, str) and n.strip()]
    return paper


def _canonical(arxiv_id: str) -> str:
    """The stored form of an id given in a URL (no version, no subject class)."""
    try:
        return parse_arxiv_id(arxiv_id).id
    except InvalidArxivId:
        return arxiv_id


def paper(request: HttpRequest, arxiv_id: str) -> HttpResponse:
    canonical = _canonical(arxiv_id)
    if canonical != arxiv_id:
        return redirect("pw-paper", canonical, permanent=True)
    # `Accept: text/markdown` asks for the Markdown (/papers/<id>.md); a browser's
    # `*/*` or `text/html` gets the page.
    if request.get_preferred_type(["text/html", "text/markdown"]) == "text/markdown":
        response = paper_md(request, arxiv_id)
        patch_vary_headers(response, ["Accept"])
        return response
    paper = _get_paper(arxiv_id)
    # One query links the names to author pages; a name with no Author row stays text.
    by_name = {pa.author.name: pa.author for pa in
               PaperAuthor.objects.filter(paper=paper).select_related("author")}
    authors = [(name, by_name.get(name)) for name in paper.author_names]
    try:
        similar = similar_papers(paper, SIMILAR)
    except Exception:
        # Similar papers are a nicety: a broken model or index must not take the page down.
        log.exception("similar papers failed for %s", paper.arxiv_id)
        similar = []
    response = render(request, "front/paper.html", {
        "paper": paper,
        "authors": authors,
        "similar": similar,
        "markdown_url": reverse("pw-paper-md", args=[paper.arxiv_id]),
        # Link previews and the canonical link name the site's address, not the Host
        # header this request came with.
        "page_url": site_url() + reverse("pw-paper", args=[paper.arxiv_id]),
    })
    patch_vary_headers(response, ["Accept"])
    return response


def paper_md(request: HttpRequest, arxiv_id: str) -> HttpResponse:
    """The paper as Markdown, for reading in a terminal or handing to a language model."""
    canonical = _canonical(arxiv_id)
    if canonical != arxiv_id:
        return redirect("pw-paper-md", canonical, permanent=True)
    paper = _get_paper(arxiv_id)
    url = request.build_absolute_uri(reverse("pw-paper", args=[paper.arxiv_id]))
    return HttpResponse(paper_markdown(paper, url), content_type="text/markdown; charset=utf-8")


def _paper_list(request: HttpRequest, papers, template: str, context: dict) -> HttpResponse:
    form = PageForm(request.GET)
    if not form.is_valid():
        return bad_request(request, form)
    page = form.cleaned_data["page"] or 1
    rows, has_next = paginate(papers.order_by("-published_at", "arxiv_id").cards(), page)
    if not rows and page > 1:
        raise Http404("no such page")
    return render(request, template, {
        **context, "papers": rows, "page": page, "has_next": has_next,
        "start": (page - 1) * PAGE_SIZE + 1})


@cached_list
def author(request: HttpRequest, pk: int) -> HttpResponse:
    author = get_object_or_404(Author, pk=pk)
    papers = Paper.objects.visible().filter(
        pk__in=PaperAuthor.objects.filter(author=author).values("paper_id"))
    return _paper_list(request, papers, "front/author.html", {"author": author})


@cached_list
def organisation(request: HttpRequest, slug: str) -> HttpResponse:
    organisation = get_object_or_404(Organisation, slug=slug)
    papers = Paper.objects.visible().filter(organisation=organisation)
    return _paper_list(request, papers, "front/organisation.html",
                       {"organisation": organisation})


@cached_list
def category(request: HttpRequest, category: str) -> HttpResponse:
    papers = Paper.objects.visible().in_category(category)
    return _paper_list(request, papers, "front/category.html", {"category": category})
