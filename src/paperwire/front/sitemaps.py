"""Sitemaps (django.contrib.sitemaps) of the paper pages, the featured days and the
author pages, every URL on the site's address (lib/urls.site_url(): PAPERWIRE_BASE_URL when set).

Django splits a section into pages of `limit` URLs; /sitemap.xml indexes them all.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from paperwire.lib.urls import site_url
from paperwire.papers.models import Author, Paper


class SiteSitemap(Sitemap):
    limit = 10_000

    def get_domain(self, site=None) -> str:
        return urlsplit(site_url()).netloc

    def get_protocol(self, protocol=None) -> str:
        return urlsplit(site_url()).scheme or "https"

    def get_urls(self, page=1, site=None, protocol=None):
        # BASE_URL may hold a path prefix: put it before each location.
        prefix = urlsplit(site_url()).path.rstrip("/")
        urls = super().get_urls(page, site, protocol)
        if prefix:
            base = f"{self.get_protocol()}://{self.get_domain()}"
            for url in urls:
                url["location"] = base + prefix + url["location"][len(base):]
        return urls


class PaperSitemap(SiteSitemap):
    def items(self):
        return Paper.objects.visible().order_by("pk").only("arxiv_id", "modified_at")

    def location(self, paper: Paper) -> str:
        return reverse("pw-paper", args=[paper.arxiv_id])

    def lastmod(self, paper: Paper):
        return paper.modified_at


class DaySitemap(SiteSitemap):
    changefreq = "daily"

    def items(self):
        return (Paper.objects.visible().exclude(featured_on=None).order_by("-featured_on")
                .values_list("featured_on", flat=True).distinct())

    def location(self, day) -> str:
        return f"{reverse('pw-papers')}?date={day.isoformat()}"


class AuthorSitemap(SiteSitemap):
    def items(self):
        return Author.objects.order_by("pk").only("pk")

    def location(self, author: Author) -> str:
        return reverse("pw-author", args=[author.pk])


SITEMAPS = {"papers": PaperSitemap, "days": DaySitemap, "authors": AuthorSitemap}
