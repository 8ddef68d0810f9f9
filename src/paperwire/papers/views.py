from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from paperwire.papers.models import Paper


def latest_day(request: HttpRequest) -> HttpResponse:
    """The latest featured day's papers, most upvoted first; a welcome page when empty."""
    day = Paper.objects.latest_featured_day()
    papers = []
    if day is not None:
        papers = Paper.objects.featured_on(day).order_by("-upvotes", "arxiv_id").only(
            "arxiv_id", "title", "author_names", "upvotes", "abstract")
    return render(request, "papers/latest.html", {"day": day, "papers": papers})
