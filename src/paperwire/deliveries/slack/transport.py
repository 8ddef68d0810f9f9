"""A Slack incoming webhook: up to 10 items per message, as Block Kit.

Each item is a section (title linked, authors, the start of the summary; mrkdwn,
escaped) and a context line saying why it came; a message stays well inside Slack's
50 blocks, 3,000 characters per text and 150 per header. Slack answers a webhook that
was removed with 404 (or 410), and a revoked or disabled one with 400/403 and a code
such as `invalid_token` or `no_service`: those mean the endpoint is gone.
"""

from __future__ import annotations

from paperwire.deliveries.transport import HttpTransport, Paper, TransportError, clip
from paperwire.lib.http import PostOutcome

MAX_BLOCKS = 50
MAX_TEXT = 3000
MAX_HEADER = 150
SUMMARY = 500
GONE_CODES = {"invalid_token", "no_service", "no_service_id", "no_team",
              "team_disabled", "channel_not_found", "channel_is_archived",
              "action_prohibited", "posting_to_general_channel_denied"}


def escape(text: str) -> str:
    """Slack's three escapes for mrkdwn text (its links and mentions use < and >)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class Slack(HttpTransport):
    kind = "slack"
    batch_size = 10

    def payload(self, papers: list[Paper], *, test: bool = False) -> dict:
        name = self.destination.feed_name
        title = ("Test message from paperwire" if test else
                 f"{len(papers)} new from {name}" if len(papers) > 1 else f"New from {name}")
        blocks: list[dict] = [{"type": "header", "text": {
            "type": "plain_text", "text": clip(title, MAX_HEADER), "emoji": False}}]
        for paper in papers:
            by = ", ".join(paper.authors)
            text = (f"*<{paper.url}|{escape(clip(paper.title, 300))}>*\n"
                    + (f"{escape(clip(by, 300))}\n" if by else "")
                    + escape(clip(paper.summary, SUMMARY)))
            blocks.append({"type": "section", "text": {"type": "mrkdwn",
                                                       "text": clip(text, MAX_TEXT)}})
            blocks.append({"type": "context", "elements": [{
                "type": "mrkdwn",
                "text": clip(f"Why: {escape(paper.reason)} · {paper.upvotes} upvotes · "
                             f"<{paper.arxiv_url}|arXiv> · <{paper.pdf_url}|PDF>", MAX_TEXT)}]})
            blocks.append({"type": "divider"})
        fallback = "; ".join(p.title for p in papers)
        return {"text": clip(f"{title}: {fallback}", MAX_TEXT),
                "blocks": blocks[:-1][:MAX_BLOCKS]}  # no divider after the last

    def raise_for_response(self, outcome: PostOutcome) -> None:
        code = outcome.body.decode("utf-8", "replace").strip()[:100]
        if outcome.status in (400, 403) and code in GONE_CODES:
            raise TransportError(f"Slack answered {outcome.status} {code}: the webhook "
                                 "no longer works", gone=True)
        if outcome.status in (404, 410):
            raise TransportError(f"Slack answered {outcome.status}: the webhook was "
                                 "removed", gone=True)
        super().raise_for_response(outcome)
