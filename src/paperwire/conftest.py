"""Fixtures shared by every app's tests."""

from __future__ import annotations

import asyncio
import email
import os
import subprocess
import sys
import threading
import time
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from django.db import connection

from paperwire.benchmarks.common import free_port  # noqa: F401  (also for test modules)
from paperwire.lib.tests.local_server import LocalServer

if TYPE_CHECKING:
    from playwright.sync_api import Browser

SHARED_DATA = Path(os.environ.get(
    "PAPERWIRE_SHARED_DATA", Path(__file__).resolve().parents[3] / "shared" / "data"))
CHROMIUM = "/usr/bin/chromium"

# The mark of every browser test module: they drive Debian's Chromium, never a
# downloaded browser.
needs_chromium = pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                    reason="needs Debian's chromium")


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """../shared/data: real paper metadata, read in place, never copied."""
    if not SHARED_DATA.is_dir():
        pytest.fail(f"shared data not found at {SHARED_DATA}; set PAPERWIRE_SHARED_DATA")
    return SHARED_DATA


def database_url_for_subprocess() -> str:
    """A PAPERWIRE_DATABASE_URL naming the database this test run uses."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgresql://{auth}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def cli(transactional_db, tmp_path):
    """Run `paperwire …` in a subprocess against the test database."""
    from paperwire.search.testing import link_query_model

    env = {**os.environ, "PAPERWIRE_DATABASE_URL": database_url_for_subprocess(),
           "PAPERWIRE_DATA_DIR": str(tmp_path / "data")}
    link_query_model(tmp_path / "data")

    def run(*args: str, check: bool = False, **kwargs) -> subprocess.CompletedProcess:
        result = subprocess.run([sys.executable, "-m", "paperwire", *args], env=env,
                                capture_output=True, text=True, timeout=300, **kwargs)
        if check and result.returncode != 0:
            raise AssertionError(f"paperwire {args} failed:\n{result.stdout}\n{result.stderr}")
        return result

    run.env = env
    return run



@pytest.fixture(autouse=True)
def _fresh_backgrounds():
    """Each test ranks For you against its own papers: no background kept from an
    earlier test (whose rows vanished with its transaction, their ids reused)."""
    import paperwire.reader.ranking as ranking

    ranking._backgrounds.clear()
    yield
    ranking._backgrounds.clear()


@pytest.fixture(autouse=True)
def _fresh_semantic_coverage():
    """Each test counts its own papers: no coverage kept from an earlier test."""
    import paperwire.search.store as store

    store._coverage = None
    yield
    store._coverage = None


@pytest.fixture
def local_server():
    """A real HTTP server on 127.0.0.1 (see lib/tests/local_server.py)."""
    with LocalServer() as server:
        yield server


# -- a real SMTP server ------------------------------------------------------------------

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


@pytest.fixture
def smtp(settings):
    """A real SMTP server (aiosmtpd) on 127.0.0.1 that Django's mail points at: an
    `Inbox`, with the server's port as `smtp.port` (for a `paperwire` subprocess)."""
    from aiosmtpd.controller import Controller

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


# -- a real browser ----------------------------------------------------------------------

@pytest.fixture(scope="session")
def browser() -> Browser:
    """Debian's Chromium driven by Playwright, one for the whole run (mark the module
    `needs_chromium`)."""
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop running in this thread for as long as
    # the browser lives; the ORM calls tests make between browser steps are still plain
    # synchronous code.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update"])
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser):
    """A fresh desktop-sized page in its own context, with a list `page.problems`."""
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.problems = []  # dialogs opened, CSP violations, script errors
    page.on("dialog", lambda d: (page.problems.append(f"dialog: {d.message}"), d.dismiss()))
    page.on("pageerror", lambda e: page.problems.append(f"error: {e}"))
    page.on("console", lambda m: m.type == "error" and page.problems.append(m.text))
    yield page
    context.close()
