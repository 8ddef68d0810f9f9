"""A generic webhook: one signed JSON POST per item.

The body is signed as GitHub signs its webhooks: HMAC-SHA256 with the destination's
secret over the raw body, in `X-Paperwire-Signature-256: sha256=<hex>`. Each item's
outbox id is in `X-Paperwire-Delivery` (and the body), the same on every try, so a
receiver that keeps the ids it has seen drops a repeat.
"""

from __future__ import annotations

import hashlib
import hmac

from paperwire.deliveries.transport import HttpTransport, Paper


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class Webhook(HttpTransport):
    kind = "webhook"
    batch_size = 1

    def payload(self, papers: list[Paper], *, test: bool = False) -> dict:
        paper = papers[0]
        return {
            "event": "test" if test else "paper",
            "delivery": paper.delivery,
            "destination": self.destination.pk,
            "feed": self.destination.feed,
            "feedName": self.destination.feed_name,
            "reason": paper.reason,
            "paper": {
                "id": paper.arxiv_id, "title": paper.title, "authors": paper.authors,
                "summary": paper.summary, "upvotes": paper.upvotes, "url": paper.url,
                "arxivUrl": paper.arxiv_url, "pdfUrl": paper.pdf_url,
                "featuredOn": paper.featured_on,
            },
        }

    def headers(self, body: bytes, papers: list[Paper], *, test: bool) -> dict[str, str]:
        return {"Content-Type": "application/json",
                "X-Paperwire-Event": "test" if test else "paper",
                "X-Paperwire-Delivery": papers[0].delivery,
                "X-Paperwire-Signature-256": signature(self.destination.secret, body)}
