"""Slack (Block Kit) and Discord (embeds) destinations: the payloads parsed as each
service reads them, their limits kept, and their "this webhook is gone" answers."""

from __future__ import annotations

import pytest

from paperwire.deliveries.models import Send
from paperwire.deliveries.outbox import collect_due, send_due
from paperwire.deliveries.tests.conftest import DAY, make_destination, make_paper

pytestmark = pytest.mark.django_db(transaction=True)

LONG = "A very long title about transformers " * 20
ABSTRACT = "Long abstract <b>with</b> & markup. " * 400


def _twelve_papers():
    for n in range(12):
        make_paper(f"2410.{n:05d}", DAY, f"@everyone <!channel> {LONG} number {n}",
                   abstract=ABSTRACT, upvotes=n,
                   author_names=[f"Author {i}" for i in range(30)])


def _deliver():
    collect_due(force=True)
    return send_due()


def _slack_texts(blocks):
    for block in blocks:
        if block["type"] in ("section", "header"):
            yield block["text"]["text"]
        elif block["type"] == "context":
            for element in block["elements"]:
                yield element["text"]


def test_slack_gets_block_kit_within_its_limits(alice, receiver, frozen):
    receiver.secret = None  # Slack checks no signature
    _twelve_papers()
    make_destination(alice, receiver.url + "services/T0/B0/xyz", kind="slack")
    report = _deliver()
    assert report.sent == 12
    assert len(receiver.requests) == 2  # 10 items, then 2
    for request in receiver.requests:
        payload = request["json"]
        blocks = payload["blocks"]
        assert len(blocks) <= 50
        assert blocks[0]["type"] == "header" and len(blocks[0]["text"]["text"]) <= 150
        assert blocks[0]["text"]["type"] == "plain_text"
        assert all(len(text) <= 3000 for text in _slack_texts(blocks))
        assert payload["text"] and len(payload["text"]) <= 3000
        assert blocks[-1]["type"] != "divider"
    first = receiver.requests[0]["json"]
    assert first["blocks"][0]["text"]["text"] == "10 new from Daily Papers"
    section = first["blocks"][1]["text"]["text"]
    assert section.startswith("*<https://papers.example.org/papers/2410.")
    # Slack's escapes: no raw markup or mentions from a paper's text.
    body = "".join(_slack_texts(first["blocks"][1:]))
    assert "<b>" not in body and "&lt;b&gt;" in body
    assert "<!channel>" not in body and "&lt;!channel&gt;" in body
    context = first["blocks"][2]["elements"][0]["text"]
    assert context.startswith("Why: new in Daily Papers on Thu 24 Oct 2024")


@pytest.mark.parametrize("status,body", [(404, "no_service"), (403, "invalid_token"),
                                         (400, "invalid_token"), (410, "")])
def test_slack_pauses_a_removed_webhook_at_once(alice, receiver, frozen, status, body):
    receiver.secret = None
    make_paper("2410.00001", DAY)
    destination = make_destination(alice, receiver.url, kind="slack")
    receiver.answers = [(status, body, {})]
    assert _deliver().failed == 1
    destination.refresh_from_db()
    assert destination.is_paused and "Slack answered" in destination.paused_reason
    assert Send.objects.get().status == Send.FAILED


def test_slack_invalid_payload_fails_the_message_without_pausing(alice, receiver, frozen):
    receiver.secret = None
    make_paper("2410.00001", DAY)
    destination = make_destination(alice, receiver.url, kind="slack")
    receiver.answers = [(400, "invalid_blocks", {})]
    assert _deliver().failed == 1
    destination.refresh_from_db()
    assert not destination.is_paused and "invalid_blocks" in destination.last_error


def test_discord_gets_embeds_within_its_limits(alice, receiver, frozen):
    receiver.secret = None
    _twelve_papers()
    make_destination(alice, receiver.url + "api/webhooks/1/abc", kind="discord")
    assert _deliver().sent == 12
    assert len(receiver.requests) == 2
    for request in receiver.requests:
        payload = request["json"]
        embeds = payload["embeds"]
        assert 1 <= len(embeds) <= 10
        total = sum(len(e["title"]) + len(e["description"]) + len(e["footer"]["text"])
                    for e in embeds)
        assert total <= 6000
        for embed in embeds:
            assert len(embed["title"]) <= 256 and len(embed["description"]) <= 4096
            assert embed["url"].startswith("https://papers.example.org/papers/2410.")
            assert embed["footer"]["text"].startswith("Why: new in Daily Papers")
        assert len(payload["content"]) <= 2000
        assert payload["allowed_mentions"] == {"parse": []}


@pytest.mark.parametrize("status", [401, 404])
def test_discord_pauses_a_deleted_webhook(alice, receiver, frozen, status):
    receiver.secret = None
    make_paper("2410.00001", DAY)
    destination = make_destination(alice, receiver.url, kind="discord")
    receiver.answers = [(status, '{"message": "Unknown Webhook", "code": 10015}', {})]
    assert _deliver().failed == 1
    destination.refresh_from_db()
    assert destination.is_paused and "Discord answered" in destination.paused_reason


def test_discord_429_waits_what_its_body_says(alice, receiver, frozen):
    receiver.secret = None
    make_paper("2410.00001", DAY)
    make_destination(alice, receiver.url, kind="discord")
    receiver.answers = [(429, '{"retry_after": 300.5, "global": false}', {})]
    assert _deliver().deferred == 1
    send = Send.objects.get()
    assert (send.next_attempt_at - send.sending_at).total_seconds() == pytest.approx(300.5)
