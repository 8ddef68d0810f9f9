"""Fixtures for the delivery tests: personas, papers featured on chosen days, and a real
webhook receiver on loopback (benchmarks/webhook_receiver.py) that verifies signatures.

Time is frozen at NOW, a Friday morning; DAY is the latest featured day before it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from paperwire.benchmarks.webhook_receiver import Receiver
from paperwire.community.tests.conftest import alice, bob  # noqa: F401  (fixtures)
from paperwire.deliveries.models import Destination
from paperwire.papers.models import Paper

NOW = datetime(2024, 10, 25, 7, 0, tzinfo=UTC)  # Friday
DAY = date(2024, 10, 24)
BASE_URL = "https://papers.example.org"
SECRET = "s3cret-" + "0" * 57


@pytest.fixture(autouse=True)
def _delivery_settings(settings):
    settings.BASE_URL = BASE_URL
    settings.WEBHOOK_ALLOW_PRIVATE = True
    settings.DELIVERY_RETRY_DELAY = 60
    settings.DELIVERY_MAX_FAILURES = 3
    settings.DELIVERY_TIMEOUT = 5


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def receiver():
    with Receiver(secret=SECRET) as server:
        yield server


def make_paper(arxiv_id: str, day: date | None = DAY, title: str = "", **fields) -> Paper:
    fields.setdefault("abstract", f"The abstract of {title or arxiv_id}.")
    fields.setdefault("author_names", ["Ada Lovelace", "Alan Turing"])
    return Paper.objects.create(arxiv_id=arxiv_id, title=title or f"Paper {arxiv_id}",
                                featured_on=day, **fields)


def make_destination(owner, url: str, kind: str = "webhook", feed: str = "daily",
                     **fields) -> Destination:
    fields.setdefault("secret", SECRET)
    return Destination.objects.create(owner=owner, kind=kind, url=url, feed=feed, **fields)


def days_before(day: date, n: int) -> date:
    return day - timedelta(days=n)
