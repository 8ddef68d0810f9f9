"""The one place paperwire makes outgoing HTTP requests.

Timeouts, retries with exponential backoff on timeouts, connection errors, 429 and 5xx
(honouring Retry-After), a politeness delay between requests to the same source, and a
bound on the size of every body read. Tests point the sources' base URLs at local servers.

Posts to webhooks (`post_held`) go to public addresses only, checked when the URL is
given and again at each send, with the last byte of the body held back for the outbox's
commit point.
"""

from __future__ import annotations

import email.utils
import http.client
import ipaddress
import logging
import socket
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlsplit

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


# -- posts to webhooks: public addresses only, the last byte held back ------------------

MAX_URL = 2000
MAX_ANSWER = 64 * 1024  # of a webhook's answer, read only to say why it refused


class UnsafeUrl(ValueError):
    """A URL paperwire will not post to, with the reason in words."""


def _refused_address(address: str) -> str | None:
    """Why this address is not one to post to (None: a public unicast address)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_loopback:
        return "a loopback address"
    if ip.is_link_local:
        return "a link-local address"
    if ip.is_private or ip.is_unspecified or ip.is_reserved or ip.is_multicast \
            or not ip.is_global:
        return "a private or reserved address"
    return None


def check_post_url(url: str, *, allow_private: bool) -> tuple[str, int, list[str]]:
    """The host, port and checked addresses of a URL to post to; UnsafeUrl otherwise.

    Only http(s) URLs with a host, no credentials, and (unless `allow_private`) a host
    whose every address is public: no loopback, private, link-local or reserved one,
    as the name resolves now (called again at each send, so a name that later resolves
    elsewhere is caught then).
    """
    if not url or len(url) > MAX_URL:
        raise UnsafeUrl(f"The URL must be 1 to {MAX_URL} characters.")
    if any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in url):
        raise UnsafeUrl("The URL holds spaces or control characters.")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as e:
        raise UnsafeUrl(f"Not a URL: {e}.") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UnsafeUrl("The URL must start with https:// (or http://) and name a host.")
    if parts.username is not None or parts.password is not None:
        raise UnsafeUrl("The URL must not carry a user name or password.")
    host = parts.hostname
    port = port or (443 if parts.scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise UnsafeUrl(f"The host {host} cannot be resolved.") from None
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    if not addresses:
        raise UnsafeUrl(f"The host {host} cannot be resolved.")
    if not allow_private:
        for address in addresses:
            why = _refused_address(address)
            if why:
                raise UnsafeUrl(f"The host {host} resolves to {why} ({address}).")
    return host, port, addresses


@dataclass
class PostOutcome:
    """What became of one held post.

    kind: "answered" (status, headers and the start of the body are set);
    "unreachable" (no connection, or it broke before the commit: nothing was
    delivered); "aborted" (commit() said no: nothing was delivered); "no-answer" (the
    whole body went out, then no answer: it may have been delivered).
    """

    kind: str
    status: int = 0
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    error: str = ""

    @property
    def retry_after(self) -> float | None:
        wait = _retry_after(self.headers.get("retry-after"))
        return None if wait is None else min(wait, MAX_RETRY_AFTER)


def post_held(url: str, body: bytes, headers: dict[str, str], *,
              commit: Callable[[], bool], timeout: float,
              allow_private: bool) -> PostOutcome:
    """POST `body` to `url`, holding back its last byte until `commit()` returns True.

    A server handles a request only once it has read the whole body that
    Content-Length announced, so a sender that dies before the commit delivers
    nothing; after the commit the request may have arrived (see digests/outbox_rows.py).
    The host is resolved and checked here, and the connection goes to the checked
    address itself (no second lookup a DNS rebinding could change). Redirects are not
    followed: they answer as 3xx. UnsafeUrl when the URL is refused.
    """
    host, port, addresses = check_post_url(url, allow_private=allow_private)
    parts = urlsplit(url)
    https = parts.scheme == "https"
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    conn_class = http.client.HTTPSConnection if https else http.client.HTTPConnection
    conn = conn_class(host, port, timeout=timeout)
    try:
        try:
            sock = socket.create_connection((addresses[0], port), timeout=timeout)
            # The last byte is a segment of its own: without this, Nagle's algorithm
            # holds it until the first part is acknowledged (a delayed ACK: ~40 ms).
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if https:
                sock = ssl.create_default_context().wrap_socket(sock, server_hostname=host)
            conn.sock = sock
            conn.putrequest("POST", target, skip_accept_encoding=True)
            for name, value in {"User-Agent": USER_AGENT, **headers,
                                "Content-Length": str(len(body))}.items():
                conn.putheader(name, value)
            conn.endheaders(body[:-1])
        except (OSError, http.client.HTTPException) as e:
            return PostOutcome("unreachable", error=f"connection failed: {e}")
        if not commit():
            return PostOutcome("aborted", error="the claim was lost")
        try:
            conn.send(body[-1:])
            response = conn.getresponse()
            answer = response.read(MAX_ANSWER)
        except TimeoutError:
            return PostOutcome("no-answer", error=f"no answer within {timeout:g}s")
        except (OSError, http.client.HTTPException) as e:
            return PostOutcome("no-answer", error=f"the connection broke: {e}")
        return PostOutcome("answered", response.status,
                           {k.lower(): v for k, v in response.getheaders()}, answer)
    finally:
        conn.close()
