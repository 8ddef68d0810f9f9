"""The one place paperwire makes outgoing HTTP requests.

Timeouts, retries with exponential backoff on timeouts, connection errors, 429 and 5xx
(honouring Retry-After), a politeness delay between requests to the same source, and a
bound on the size of every body read. Tests point the sources' base URLs at local servers.
"""

from __future__ import annotations

import email.utils
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx

from paperwire import __version__

log = logging.getLogger(__name__)
USER_AGENT = f"paperwire/{__version__} (+https://github.com/paperwire/paperwire)"
MAX_BODY = 64 * 1024 * 1024
MAX_RETRY_AFTER = 600.0


class FetchError(Exception):
    """A request failed for good; `status` is the last HTTP status, if any."""

    def __init__(self, message: str, status: int | None = None, body: bytes = b"",
                 headers: httpx.Headers | None = None):
        super().__init__(message)
        self.status = status
        self.body = body
        self.headers = headers if headers is not None else httpx.Headers()


@dataclass(frozen=True)
class Answer:
    """A 2xx or 304 answer: what a conditional request or a paged list needs to read."""

    status: int
    body: bytes
    headers: httpx.Headers


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():  # isdigit alone also passes "²"
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


class HttpClient:
    def __init__(
        self,
        *,
        timeout: float,
        retries: int,
        backoff: float,
        delay: float = 0.0,
        max_body: int = MAX_BODY,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.retries = retries
        self.backoff = backoff
        self.delay = delay
        self.max_body = max_body
        self.sleep = sleep
        self._last_request = 0.0
        self._client = httpx.Client(
            timeout=timeout, follow_redirects=True, headers={"User-Agent": USER_AGENT}
        )

    @classmethod
    def from_settings(cls, *, delay: float = 0.0) -> HttpClient:
        from django.conf import settings

        return cls(timeout=settings.HTTP_TIMEOUT, retries=settings.HTTP_RETRIES,
                   backoff=settings.HTTP_BACKOFF, delay=delay)

    def close(self) -> None:
        self._client.close()

    def _polite_wait(self) -> None:
        wait = self._last_request + self.delay - time.monotonic()
        if wait > 0:
            self.sleep(wait)
        self._last_request = time.monotonic()

    def get(self, url: str, params: dict | None = None) -> bytes:
        """The body of a 2xx answer, after retries; FetchError otherwise."""
        return self.fetch(url, params).body

    def fetch(self, url: str, params: dict | None = None,
              headers: dict[str, str] | None = None) -> Answer:
        """A 2xx answer, or a 304 to a conditional request (`headers` with
        If-None-Match), with its headers, after retries; FetchError otherwise."""
        attempt = 0
        while True:
            self._polite_wait()
            wait: float | None = None
            answer_headers = httpx.Headers()
            try:
                status, body, answer_headers = self._get_once(url, params, headers)
            except httpx.TimeoutException:
                reason, status, body = "timed out", None, b""
            except httpx.TransportError as e:
                reason, status, body = f"connection failed: {e}", None, b""
            else:
                if 200 <= status < 300 or status == 304:
                    return Answer(status, body, answer_headers)
                reason = f"HTTP {status}"
                if status != 429 and status < 500:
                    raise FetchError(f"{reason} from {url}", status, body, answer_headers)
                wait = _retry_after(answer_headers.get("retry-after"))
            if attempt >= self.retries:
                raise FetchError(f"{reason} from {url} after {attempt + 1} tries", status,
                                 body, answer_headers)
            if wait is None:
                wait = self.backoff * (2 ** attempt)
            wait = min(wait, MAX_RETRY_AFTER)
            log.warning("%s from %s; retrying in %.1fs", reason, url, wait)
            self.sleep(wait)
            attempt += 1

    def _get_once(self, url: str, params: dict | None,
                  headers: dict[str, str] | None = None) -> tuple[int, bytes, httpx.Headers]:
        with self._client.stream("GET", url, params=params, headers=headers) as response:
            chunks, size = [], 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > self.max_body:
                    raise FetchError(f"answer from {url} is larger than {self.max_body} bytes",
                                     response.status_code)
                chunks.append(chunk)
            return response.status_code, b"".join(chunks), response.headers
