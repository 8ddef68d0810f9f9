"""Fixtures of the reader tests: personas (alice, bob), the real embedded subset of
papers (search/testing.py), all featured on two chosen days, and frozen time."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from paperwire.community.tests.conftest import alice, bob, logged_in  # noqa: F401
from paperwire.papers.models import Paper
from paperwire.search.testing import embedded_subset, papers  # noqa: F401

NOW = datetime(2024, 10, 25, 7, 0, tzinfo=UTC)
DAY = date(2024, 10, 24)  # the newest featured day
EARLIER = DAY - timedelta(days=2)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def featured(papers) -> dict:  # noqa: F811
    """Every paper of the subset featured: the first half on DAY, the rest two days
    before; by arXiv id."""
    ordered = sorted(papers)
    half = len(ordered) // 2
    Paper.objects.filter(arxiv_id__in=ordered[:half]).update(featured_on=DAY)
    Paper.objects.filter(arxiv_id__in=ordered[half:]).update(featured_on=EARLIER)
    return {p.arxiv_id: p for p in Paper.objects.filter(arxiv_id__in=ordered)}


def speculative(featured: dict) -> list[Paper]:
    return [p for p in featured.values() if "speculative" in
            (p.title + p.abstract).lower()]
