"""Helpers the page views share."""

from __future__ import annotations

from django.db.models import QuerySet
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

PAGE_SIZE = 30


def paginate(queryset: QuerySet, page: int, size: int = PAGE_SIZE) -> tuple[list, bool]:
    """One page of `queryset` and whether another follows, in one query (no COUNT)."""
    start = (page - 1) * size
    rows = list(queryset[start:start + size + 1])
    return rows[:size], len(rows) > size


def bad_request(request: HttpRequest, form: Form) -> HttpResponse:
    """A 400 page that says which parameter was wrong."""
    errors = [str(e) for field_errors in form.errors.values() for e in field_errors]
    return render(request, "front/bad_request.html", {"errors": errors}, status=400)
