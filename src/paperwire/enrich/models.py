"""What paperwire fetches about a paper from elsewhere: its repository's GitHub stars
(with a count per day, for trending by code), a thumbnail of its first PDF page, the
Hub's models, datasets and Spaces that cite it, and its full text from arXiv's HTML.

One row per paper and kind, written by the scheduled refresh (tasks.py). A fetch that
failed keeps its reason in `error`; pages read only what is stored, so a source that
cannot be reached never breaks one.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.db import models
from django.urls import reverse

from paperwire.papers.models import Paper

# Trending by code ranks by the stars gained over this many days.
STARS_WINDOW_DAYS = 7
# Linked artifacts kept per kind for the page and the API (the counts are the totals).
ARTIFACTS_KEPT = 20


class Fetched(models.Model):
    fetched_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # Why the latest fetch failed; empty when it worked.
    error = models.CharField(max_length=500, blank=True, default="")

    class Meta:
        abstract = True


class CodeRepo(Fetched):
    """The GitHub repository of a paper's `code_url`, with its latest star count."""

    paper = models.OneToOneField(Paper, on_delete=models.CASCADE, primary_key=True,
                                 related_name="code_repo")
    full_name = models.CharField(max_length=200)  # owner/name
    stars = models.PositiveIntegerField(null=True, blank=True)
    # GitHub's ETag for the last 200: the next request is conditional, and a 304
    # costs no rate limit.
    etag = models.CharField(max_length=200, blank=True, default="")

    def __str__(self) -> str:
        return f"{self.full_name}: {self.stars} stars"


class StarCount(models.Model):
    """The stars of a paper's repository on one day (the last count read that day)."""

    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="star_counts")
    day = models.DateField()
    stars = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["paper", "day"], name="starcount_once_a_day"),
        ]
        indexes = [models.Index(fields=["day", "paper"])]

    def __str__(self) -> str:
        return f"paper {self.paper_id}: {self.stars} stars on {self.day}"


def papers_by_stars_gained(today: date) -> models.QuerySet:
    """Papers with a counted repository, most stars gained over the STARS_WINDOW_DAYS
    before `today` first. The baseline is the earliest count in the window (a
    repository first counted inside it has gained nothing yet), annotated
    `stars_then` and `stars_then_day` beside `stars_now` and `stars_gained`."""
    since = today - timedelta(days=STARS_WINDOW_DAYS)
    first = (StarCount.objects.filter(paper=models.OuterRef("pk"), day__gte=since,
                                      day__lte=today).order_by("day"))
    now = (StarCount.objects.filter(paper=models.OuterRef("pk"), day__lte=today)
           .order_by("-day"))
    return (
        Paper.objects.visible()
        .annotate(stars_now=models.Subquery(now.values("stars")[:1]),
                  stars_then=models.Subquery(first.values("stars")[:1]),
                  stars_then_day=models.Subquery(first.values("day")[:1]))
        .filter(stars_now__isnull=False, stars_then__isnull=False)
        .annotate(stars_gained=models.F("stars_now") - models.F("stars_then"))
        .order_by("-stars_gained", "-stars_now", "arxiv_id")
    )


class Thumbnail(Fetched):
    """A small picture of the first page of the paper's PDF, as a file in the data dir
    (thumbnails.py); `file_name` is empty until one was made."""

    paper = models.OneToOneField(Paper, on_delete=models.CASCADE, primary_key=True,
                                 related_name="thumbnail")
    file_name = models.CharField(max_length=100, blank=True, default="")
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return self.file_name or f"no thumbnail for paper {self.paper_id}"

    @property
    def url(self) -> str:
        """The picture's path, versioned by when it was made (it is cached for a year);
        empty when there is none or thumbnails are turned off."""
        if not self.file_name or not settings.THUMBNAILS or self.fetched_at is None:
            return ""
        return (reverse("pw-thumbnail", args=[self.file_name])
                + f"?v={int(self.fetched_at.timestamp())}")

    @property
    def absolute_url(self) -> str:
        url = self.url
        return settings.BASE_URL + url if url else ""


class LinkedArtifacts(Fetched):
    """The Hub's models, datasets and Spaces that cite the paper (`arxiv:<id>` in their
    cards): the first ARTIFACTS_KEPT of each, in the Hub's listing shape, and the
    totals."""

    paper = models.OneToOneField(Paper, on_delete=models.CASCADE, primary_key=True,
                                 related_name="artifacts")
    models_found = models.JSONField(default=list, blank=True)
    datasets_found = models.JSONField(default=list, blank=True)
    spaces_found = models.JSONField(default=list, blank=True)
    num_models = models.PositiveIntegerField(default=0)
    num_datasets = models.PositiveIntegerField(default=0)
    num_spaces = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name_plural = "linked artifacts"

    def __str__(self) -> str:
        return (f"paper {self.paper_id}: {self.num_models} models, "
                f"{self.num_datasets} datasets, {self.num_spaces} Spaces")

    @property
    def total(self) -> int:
        return self.num_models + self.num_datasets + self.num_spaces

    def sections(self) -> list[dict]:
        """For the paper page: each kind with its count and its entries' Hub pages."""
        web = hub_web_url()
        out = []
        for label, path, entries, count in (
                ("Models", "", self.models_found, self.num_models),
                ("Datasets", "datasets/", self.datasets_found, self.num_datasets),
                ("Spaces", "spaces/", self.spaces_found, self.num_spaces)):
            items = [{"id": e["id"], "url": f"{web}/{path}{e['id']}",
                      "likes": e.get("likes"), "downloads": e.get("downloads")}
                     for e in entries if isinstance(e, dict) and isinstance(e.get("id"), str)]
            out.append({"label": label, "count": count, "items": items,
                        "more": max(0, count - len(items))})
        return out


def hub_web_url() -> str:
    """The Hub's web site: its API URL without the `/api`."""
    url = settings.HUB_API_URL.rstrip("/")
    return url[:-4] if url.endswith("/api") else url


class FullText(Fetched):
    """The paper's text from arXiv's HTML version, as Markdown; empty when arXiv has
    none (`found` False) or it could not be read (`error`)."""

    paper = models.OneToOneField(Paper, on_delete=models.CASCADE, primary_key=True,
                                 related_name="full_text")
    found = models.BooleanField(default=False)
    markdown = models.TextField(blank=True, default="")
    truncated = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"full text of paper {self.paper_id}" if self.found else "no full text"
