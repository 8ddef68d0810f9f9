"""Fixtures for the digest tests: the real SMTP server on loopback (paperwire/conftest.py)
checking every mail it received, personas, and papers featured on chosen days.

Time is frozen at NOW, a Friday morning: a digest built then covers Thursday, DAY.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage

import pytest
import time_machine
from django.core.cache import cache

from paperwire.community.tests.conftest import alice, charlie  # noqa: F401  (fixtures)
from paperwire.digests.models import Subscriber
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


def parts(message: EmailMessage) -> tuple[str, str]:
    """The text and HTML parts of a multipart/alternative message."""
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    return text, html
