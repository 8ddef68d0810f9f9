"""What crawlers and browsers ask a site for: sitemaps, robots.txt, and the OpenSearch
description that lets a browser offer this site's search box."""

from __future__ import annotations

from django.contrib.sitemaps.views import SitemapIndexItem
from django.contrib.sitemaps.views import sitemap as sitemap_section
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_safe

from paperwire.front.caching import cached_list
from paperwire.front.sitemaps import SITEMAPS
from paperwire.lib.urls import site_url


@require_safe
@cached_list
def sitemap_index(request: HttpRequest) -> HttpResponse:
    """Every page of every section (Django's own index view names them on the request's
    Host; these are on site_url(), PAPERWIRE_BASE_URL when set)."""
    items = []
    for section, sitemap_class in SITEMAPS.items():
        url = site_url() + reverse("pw-sitemap-section", args=[section])
        pages = sitemap_class().paginator.num_pages
        items.extend(SitemapIndexItem(url if page == 1 else f"{url}?p={page}", None)
                     for page in range(1, pages + 1))
    return render(request, "sitemap_index.xml", {"sitemaps": items},
                  content_type="application/xml")


@require_safe
@cached_list
def sitemap(request: HttpRequest, section: str) -> HttpResponse:
    if section not in SITEMAPS:
        raise Http404("no such sitemap")
    response = sitemap_section(request, SITEMAPS, section=section)
    response.render()  # a TemplateResponse: rendered here so the page cache can keep it
    return response


@require_safe
def robots(request: HttpRequest) -> HttpResponse:
    return render(request, "front/robots.txt",
                  {"sitemap_url": site_url() + reverse("pw-sitemap")},
                  content_type="text/plain; charset=utf-8")


@require_safe
def opensearch(request: HttpRequest) -> HttpResponse:
    return render(request, "front/opensearch.xml", {"base_url": site_url()},
                  content_type="application/opensearchdescription+xml")
