"""Fixtures for the digest tests: the real SMTP server on loopback (paperwire/conftest.py)
checking every mail it received, personas, and papers featured on chosen days.

Time is frozen at NOW, a Friday morning: a digest built then covers Thursday, DAY.
"""

from __future__ import annotations

import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage

import pytest
import time_machine
from django.core.cache import cache
from django.utils import timezone

from paperwire.community.tests.conftest import alice, charlie  # noqa: F401  (fixtures)
from paperwire.digests.models import WEEKLY, Delivery, Subscriber
from paperwire.papers.models import Paper
from paperwire.search.testing import (  # noqa: F401  (fixtures)
    committed_papers,
    embedded_subset,
    papers,
)

NOW = datetime(2024, 10, 25, 7, 0, tzinfo=UTC)  # Friday
DAY = date(2024, 10, 24)  # the latest featured day before NOW
BASE_URL = "https://papers.example.org"


@pytest.fixture
def smtp(smtp):
    """The real SMTP server of paperwire/conftest.py; Django (and the digest sender)
    point at it."""
    yield smtp
    # Whatever a test looked at, every mail paperwire sent has both parts, and both
    # carry the message.
    for message in smtp.messages:
        text, html = parts(message)
        assert text.strip() and "</html>" in html, f"{message['Subject']}: a part is empty"
        assert "paperwire" in text and "paperwire" in html


@pytest.fixture
def frozen():
    """Time stands at NOW (a test moves it with `frozen.shift(seconds)`)."""
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def _digest_settings(settings):
    settings.BASE_URL = BASE_URL
    settings.DIGEST_RETRY_DELAY = 300
    settings.DIGEST_MAX_HARD_FAILURES = 3
    cache.clear()


def make_paper(arxiv_id: str, day: date | None, title: str = "", **fields) -> Paper:
    fields.setdefault("abstract", f"The abstract of {title or arxiv_id}.")
    fields.setdefault("author_names", ["Ada Lovelace", "Alan Turing"])
    fields.setdefault("published_at", datetime.combine(
        (day or DAY) - timedelta(days=2), datetime.min.time(), UTC))
    return Paper.objects.create(arxiv_id=arxiv_id, title=title or f"Paper {arxiv_id}",
                                featured_on=day, **fields)


def make_subscriber(email_address: str, **fields) -> Subscriber:
    fields.setdefault("confirmed_at", NOW - timedelta(days=30))
    return Subscriber.objects.create(email=email_address, **fields)


def make_weekly_readers(count: int) -> None:
    """Yesterday's five papers and `count` confirmed weekly subscribers of the trending
    list only: no alerts or picks, so no process sending to them loads the model."""
    yesterday = timezone.localdate() - timedelta(days=1)
    for n in range(5):
        make_paper(f"2410.1724{n}", yesterday, f"Paper number {n}", upvotes=n)
    Subscriber.objects.bulk_create(
        [Subscriber(email=f"reader{n}@example.org", confirmed_at=timezone.now(),
                    frequency=WEEKLY, trending_count=3, alerts=False, picks=False)
         for n in range(count)], batch_size=500)


def assert_each_sent_once(smtp, count: int) -> None:
    """Each of make_weekly_readers' `count` readers got one digest, and it is recorded."""
    smtp.wait_for(count, timeout=10)
    time.sleep(0.5)  # a duplicate would arrive now
    received = Counter(m["To"] for m in smtp.messages)
    assert len(received) == count
    assert set(received.values()) == {1}
    assert Delivery.objects.count() == count
    assert set(Delivery.objects.values_list("status", flat=True)) == {Delivery.SENT}


def parts(message: EmailMessage) -> tuple[str, str]:
    """The text and HTML parts of a multipart/alternative message."""
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    return text, html
