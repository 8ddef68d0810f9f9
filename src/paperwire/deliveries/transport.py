"""The transports of the destination kinds. `Transport` is what the outbox calls (one
message of one or more items, a commit point, a `Result`); `HttpTransport`, which the
webhook, Slack and Discord kinds subclass (as Healthchecks' integrations subclass one
`HttpTransport`), builds the message, posts it with lib/http.py's `post_held` (public
addresses only, the last byte held for the outbox's commit point), and reads the answer
in `raise_for_response`, which each kind narrows: which refusals mean the endpoint is
gone for good (pause the destination at once), which refuse this message only, and
which are worth another try (429, 5xx). The email kind (mail/transport.py) sends
through the digests' SMTP sender instead.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.urls import reverse

from paperwire.lib.http import PostOutcome, UnsafeUrl, post_held
from paperwire.lib.urls import site_url

MAX_AUTHORS = 8


def clip(text: str, limit: int) -> str:
    """`text` cut to `limit` characters, an ellipsis marking the cut."""
    return text if len(text) <= limit else text[:max(0, limit - 1)].rstrip() + "…"


class TransportError(Exception):
    """A refusal. `retry`: worth another try later (at least `retry_after` seconds);
    `gone`: the endpoint will never work again, so the destination pauses now."""

    def __init__(self, message: str, *, retry: bool = False, gone: bool = False,
                 retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry, self.gone, self.retry_after = retry, gone, retry_after


@dataclass(frozen=True)
class Paper:
    """An item as every transport renders it."""

    delivery: str  # the Send row's id ("test-…" for a test message)
    arxiv_id: str
    title: str
    authors: list[str]
    summary: str
    upvotes: int
    url: str
    arxiv_url: str
    pdf_url: str
    reason: str
    featured_on: str | None

    @classmethod
    def of(cls, send) -> Paper:
        paper = send.paper
        authors = list(paper.author_names or [])
        return cls(
            delivery=str(send.pk), arxiv_id=paper.arxiv_id, title=" ".join(paper.title.split()),
            authors=[str(a) for a in authors[:MAX_AUTHORS]]
            + ([f"and {len(authors) - MAX_AUTHORS} more"] if len(authors) > MAX_AUTHORS else []),
            summary=" ".join((paper.abstract or "").split()), upvotes=paper.upvotes,
            url=site_url() + reverse("pw-paper", args=[paper.arxiv_id]),
            arxiv_url=paper.abs_url, pdf_url=paper.pdf_url, reason=send.reason,
            featured_on=paper.featured_on.isoformat() if paper.featured_on else None)


@dataclass
class Result:
    """What became of one message: kind is "sent", "deferred", "failed", "unknown",
    "aborted" (the commit said no: nothing went out) or "logged" (mail is not set up:
    the message went to the server log). `site_down`: the failure is this site's (its
    mail server is unreachable), so it is not counted against the destination."""

    kind: str
    error: str = ""
    retry_after: float | None = None
    gone: bool = False
    site_down: bool = False


class Transport:
    """What the outbox needs of every kind: `send` one message of `batch_size` items
    at most, calling `commit()` just before its last piece goes out."""

    kind = ""
    batch_size = 1  # items one message holds

    def __init__(self, destination) -> None:
        self.destination = destination

    def send(self, papers: list[Paper], commit: Callable[[], bool], *,
             test: bool = False) -> Result:
        raise NotImplementedError

    def send_test(self) -> Result:
        """A test message through the same path, outside the outbox."""
        sample = Paper(
            delivery=f"test-{datetime.now(UTC):%Y%m%d%H%M%S}", arxiv_id="0000.00000",
            title="Test message from paperwire", authors=["paperwire"],
            summary="This destination is set up: the items of its feed will arrive "
                    "like this.", upvotes=0, url=site_url() + reverse("pw-deliveries"),
            arxiv_url=site_url(), pdf_url=site_url(),
            reason=f"a test message for {self.destination.feed_name}", featured_on=None)
        return self.send([sample], commit=lambda: True, test=True)


class HttpTransport(Transport):

    # -- what each kind decides ----------------------------------------------------------

    def payload(self, papers: list[Paper], *, test: bool = False) -> dict:
        raise NotImplementedError

    def headers(self, body: bytes, papers: list[Paper], *, test: bool) -> dict[str, str]:
        return {"Content-Type": "application/json"}

    def raise_for_response(self, outcome: PostOutcome) -> None:
        status = outcome.status
        if 200 <= status < 300:
            return
        if status == 429 or status >= 500:
            raise TransportError(f"HTTP {status}", retry=True, retry_after=outcome.retry_after)
        if status in (404, 410):
            raise TransportError(f"HTTP {status}: the endpoint does not exist", gone=True)
        if 300 <= status < 400:
            raise TransportError(f"HTTP {status}: redirects are not followed; give the "
                                 "final URL")
        raise TransportError(f"HTTP {status}{_said(outcome.body)}")

    # -- the same path for every kind ----------------------------------------------------

    def send(self, papers: list[Paper], commit: Callable[[], bool], *,
             test: bool = False) -> Result:
        body = json.dumps(self.payload(papers, test=test), ensure_ascii=False,
                          separators=(",", ":")).encode()
        try:
            outcome = post_held(self.destination.url, body,
                                self.headers(body, papers, test=test), commit=commit,
                                timeout=settings.DELIVERY_TIMEOUT,
                                allow_private=settings.WEBHOOK_ALLOW_PRIVATE)
        except UnsafeUrl as e:
            return Result("failed", f"refused to post: {e}", gone=True)
        if outcome.kind == "aborted":
            return Result("aborted", outcome.error)
        if outcome.kind == "unreachable":
            return Result("deferred", outcome.error)
        if outcome.kind == "no-answer":
            return Result("unknown", f"{outcome.error}; it may have arrived, so it is not "
                                     "sent again")
        try:
            self.raise_for_response(outcome)
        except TransportError as e:
            if e.retry:
                return Result("deferred", str(e), retry_after=e.retry_after)
            return Result("failed", str(e), gone=e.gone)
        return Result("sent")


def _said(body: bytes) -> str:
    text = clip(" ".join(body.decode("utf-8", "replace").split()), 200)
    return f": {text}" if text else ""


def transport_for(destination, mailer=None) -> Transport:
    """The destination's transport; `mailer` (mail/transport.py) is the SMTP connection
    an email destination shares with the others of one run."""
    from paperwire.deliveries.discord.transport import Discord
    from paperwire.deliveries.mail.transport import Email
    from paperwire.deliveries.slack.transport import Slack
    from paperwire.deliveries.webhook.transport import Webhook

    if destination.kind == "email":
        return Email(destination, mailer)
    return {"webhook": Webhook, "slack": Slack, "discord": Discord}[destination.kind](
        destination)
