"""Fixtures for the digest tests: a real SMTP server on loopback (aiosmtpd) that can be
told how to answer, personas, and papers featured on chosen days.

Time is frozen at NOW, a Friday morning: a digest built then covers Thursday, DAY.
"""

from __future__ import annotations

import asyncio
import email
import socket
import threading
import time
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from email.policy import default as default_policy

import pytest
import time_machine
from aiosmtpd.controller import Controller
from django.core.cache import cache

from paperwire.community.tests.conftest import make_user
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


class Inbox:
    """An aiosmtpd handler that keeps what it accepts and answers as it is told.

    `rcpt_answers[address]` and `data_answers` are queues of replies ("451 ...") used
    before the default 250; `pause_rcpt_at` / `pause_data_at` hold the n-th RCPT (before
    answering) or the n-th message (after reading it whole, before answering 250) until
    `release` is set, and set `paused` meanwhile.
    """

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.rcpt_answers: dict[str, list[str]] = {}
        self.data_answers: list[str] = []
        self.pause_rcpt_at: int | None = None
        self.pause_data_at: int | None = None
        self.paused = threading.Event()
        self.release = threading.Event()
        self.rcpts = 0
        self.datas = 0
        self.delay = 0.0  # seconds each message takes: half at RCPT, half after DATA

    async def _hold(self) -> None:
        self.paused.set()
        deadline = time.monotonic() + 60
        while not self.release.is_set() and time.monotonic() < deadline:
            await asyncio.sleep(0.02)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        self.rcpts += 1
        if self.delay:
            await asyncio.sleep(self.delay / 2)
        if self.rcpts == self.pause_rcpt_at:
            await self._hold()
        queue = self.rcpt_answers.get(address.lower())
        if queue:
            answer = queue.pop(0)
            if not answer.startswith("250"):
                return answer
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.datas += 1
        if self.data_answers:
            answer = self.data_answers.pop(0)
            if not answer.startswith("250"):
                return answer
        message = email.message_from_bytes(envelope.content, policy=default_policy)
        self.messages.append(message)
        if self.delay:
            await asyncio.sleep(self.delay / 2)
        if self.datas == self.pause_data_at:
            await self._hold()
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]

    def wait_for(self, count: int, timeout: float = 30) -> list[EmailMessage]:
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        assert len(self.messages) >= count, f"{len(self.messages)} of {count} mails arrived"
        return self.messages


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp(settings):
    """A real SMTP server on 127.0.0.1; Django (and the digest sender) point at it."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 10
    inbox.port = controller.port
    try:
        yield inbox
    finally:
        inbox.release.set()
        controller.stop()
    # Whatever a test looked at, every mail paperwire sent has both parts, and both
    # carry the message.
    for message in inbox.messages:
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


@pytest.fixture
def alice(db):
    """A reader with a confirmed account."""
    return make_user("alice@example.org", "Alice")


@pytest.fixture
def charlie(db):
    """A site admin."""
    return make_user("charlie@example.org", "Charlie", admin=True)


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
