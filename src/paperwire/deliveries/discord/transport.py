"""A Discord webhook: up to 10 items per message, one embed each.

Discord's limits: 10 embeds a message, 6,000 characters over all of them, a title of
256, a description of 4,096, a footer of 2,048; content of 2,000. Each embed gets an
equal share of the 6,000. Mentions are turned off (`allowed_mentions`), so a paper
title holding "@everyone" pings nobody. Discord answers a deleted webhook with 404
("Unknown Webhook") and a bad token with 401: the endpoint is gone. A 429 says how long
to wait in Retry-After (and `retry_after` in its JSON body).
"""

from __future__ import annotations

import json

from paperwire.deliveries.transport import HttpTransport, Paper, TransportError, clip
from paperwire.lib.http import MAX_RETRY_AFTER, PostOutcome

MAX_EMBEDS = 10
MAX_TOTAL = 6000
MAX_TITLE = 256
MAX_DESCRIPTION = 4096
MAX_FOOTER = 2048
MAX_CONTENT = 2000
COLOUR = 0xFF9D00


class Discord(HttpTransport):
    kind = "discord"
    batch_size = MAX_EMBEDS

    def payload(self, papers: list[Paper], *, test: bool = False) -> dict:
        papers = papers[:MAX_EMBEDS]
        share = MAX_TOTAL // len(papers) - 20  # a margin for rounding
        embeds = []
        for paper in papers:
            title = clip(paper.title, min(MAX_TITLE, share // 3))
            footer = clip(f"Why: {paper.reason}", min(MAX_FOOTER, share // 4))
            by = ", ".join(paper.authors)
            room = min(MAX_DESCRIPTION, share - len(title) - len(footer))
            description = clip((f"{by}\n\n" if by else "") + paper.summary
                               + f"\n\n{paper.upvotes} upvotes · [arXiv]({paper.arxiv_url})"
                               f" · [PDF]({paper.pdf_url})", max(0, room))
            embeds.append({"title": title, "url": paper.url, "description": description,
                           "color": COLOUR, "footer": {"text": footer}})
        name = self.destination.feed_name
        content = ("Test message from paperwire" if test else
                   f"{len(papers)} new from {name}" if len(papers) > 1 else f"New from {name}")
        return {"content": clip(content, MAX_CONTENT), "embeds": embeds,
                "allowed_mentions": {"parse": []}}

    def raise_for_response(self, outcome: PostOutcome) -> None:
        if outcome.status in (401, 404):
            raise TransportError(f"Discord answered {outcome.status}: the webhook was "
                                 "deleted or its token is wrong", gone=True)
        if outcome.status == 429 and outcome.retry_after is None:
            try:
                wait = min(float(json.loads(outcome.body).get("retry_after")),
                           MAX_RETRY_AFTER)
            except (ValueError, TypeError, AttributeError):
                wait = None
            raise TransportError("HTTP 429", retry=True, retry_after=wait)
        super().raise_for_response(outcome)
