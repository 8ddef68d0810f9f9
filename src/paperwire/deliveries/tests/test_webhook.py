"""A webhook destination end to end: the feed read into the outbox, one signed POST per
item to a real receiver on loopback, each item once, and the outcomes recorded."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest

from paperwire.deliveries.models import Destination, Send
from paperwire.deliveries.outbox import collect_due, send_due
from paperwire.deliveries.tests.conftest import (
    DAY,
    SECRET,
    days_before,
    make_destination,
    make_paper,
)

pytestmark = pytest.mark.django_db(transaction=True)


def _deliver(**kwargs):
    collect_due(force=True)
    return send_due(**kwargs)


def test_it_posts_each_new_paper_once_signed(alice, receiver, frozen):
    make_paper("2410.00001", DAY, "Breaking the Memory Barrier", upvotes=9)
    make_paper("2410.00002", DAY, "Second paper", upvotes=3)
    make_paper("2410.00003", days_before(DAY, 1), "Yesterday's paper")
    destination = make_destination(alice, receiver.url + "hook?x=1")

    report = _deliver()
    assert report.sent == 2 and receiver.bad_signatures == 0
    assert [r["json"]["paper"]["id"] for r in receiver.requests] == ["2410.00001",
                                                                      "2410.00002"]
    first = receiver.requests[0]
    assert first["path"] == "/hook?x=1"
    body = first["body"]
    expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert first["headers"]["x-paperwire-signature-256"] == expected
    assert first["headers"]["content-type"] == "application/json"
    send = Send.objects.get(paper__arxiv_id="2410.00001")
    assert first["headers"]["x-paperwire-delivery"] == str(send.pk)
    payload = json.loads(body)
    assert payload["delivery"] == str(send.pk) and payload["event"] == "paper"
    assert payload["feed"] == "daily" and payload["destination"] == destination.pk
    assert payload["reason"] == "new in Daily Papers on Thu 24 Oct 2024"
    assert payload["paper"]["title"] == "Breaking the Memory Barrier"
    assert payload["paper"]["url"] == "https://papers.example.org/papers/2410.00001"
    assert payload["paper"]["authors"] == ["Ada Lovelace", "Alan Turing"]
    assert send.status == Send.SENT and send.attempts == 1

    # Read again and sent again: nothing new arrives.
    again = _deliver()
    assert again.sent == 0 and len(receiver.requests) == 2
    destination.refresh_from_db()
    assert destination.last_sent_at is not None and destination.failures == 0


def test_it_retries_a_429_after_its_retry_after(alice, receiver, frozen):
    make_paper("2410.00001", DAY)
    make_destination(alice, receiver.url)
    receiver.answers = [(429, "slow down", {"Retry-After": "600"})]
    report = _deliver()
    assert report.deferred == 1
    send = Send.objects.get()
    assert send.status == Send.PENDING and "HTTP 429" in send.last_error
    # Retry-After (600 s) wins over the backoff (60 s).
    wait = (send.next_attempt_at - send.sending_at).total_seconds()
    assert wait == pytest.approx(600, abs=1)
    frozen.shift(599)
    assert send_due().handled == 0  # not due yet
    frozen.shift(2)
    assert send_due().sent == 1
    assert receiver.deliveries() == {str(send.pk): 2}  # the 429'd try and the retry
    assert Send.objects.get().status == Send.SENT


def test_it_backs_off_on_5xx_and_pauses_a_destination_that_keeps_failing(
        alice, receiver, frozen):
    make_paper("2410.00001", DAY)
    destination = make_destination(alice, receiver.url)
    receiver.answers = [(503, "down", {})] * 3
    assert _deliver().deferred == 1
    send = Send.objects.get()
    assert (send.next_attempt_at - send.sending_at).total_seconds() == pytest.approx(60)
    frozen.shift(61)
    assert send_due().deferred == 1
    send.refresh_from_db()
    assert send.attempts == 2
    assert (send.next_attempt_at - send.sending_at).total_seconds() == pytest.approx(120)
    frozen.shift(121)
    send_due()
    destination.refresh_from_db()
    assert destination.is_paused and destination.failures == 3
    assert "Paused after 3 failed tries in a row" in destination.paused_reason
    assert "HTTP 503" in destination.paused_reason
    # Paused: its items wait, even when due.
    frozen.shift(3600)
    assert send_due().handled == 0
    destination.resume()
    assert send_due().sent == 1


def test_it_fails_a_refused_item_and_pauses_a_gone_endpoint(alice, receiver, frozen):
    make_paper("2410.00001", DAY)
    make_paper("2410.00002", DAY)
    destination = make_destination(alice, receiver.url)
    receiver.answers = [(410, "gone", {})]
    report = _deliver()
    assert report.failed == 1 and report.sent == 0
    destination.refresh_from_db()
    assert destination.is_paused and "endpoint does not exist" in destination.paused_reason
    statuses = sorted(Send.objects.values_list("status", flat=True))
    assert statuses == [Send.FAILED, Send.PENDING]


def test_it_marks_an_unanswered_post_unknown_and_never_resends_it(alice, receiver,
                                                                  frozen, settings):
    settings.DELIVERY_TIMEOUT = 0.5
    make_paper("2410.00001", DAY)
    make_destination(alice, receiver.url)
    receiver.pause_at = 1
    report = _deliver()
    receiver.release.set()
    assert report.unknown == 1
    send = Send.objects.get()
    assert send.status == Send.UNKNOWN and "no answer" in send.last_error
    frozen.shift(3600)
    assert _deliver().handled == 0
    assert len(receiver.requests) == 1


def test_it_defers_when_nothing_listens(alice, frozen):
    from paperwire.benchmarks.common import free_port

    make_paper("2410.00001", DAY)
    make_destination(alice, f"http://127.0.0.1:{free_port()}/")
    assert _deliver().deferred == 1
    send = Send.objects.get()
    assert send.status == Send.PENDING and send.attempts == 1
    assert "connection failed" in send.last_error


def test_a_weekly_destination_gets_the_last_seven_days(alice, receiver, frozen):
    for n in range(9):
        make_paper(f"2410.0000{n}", days_before(DAY, n))
    make_destination(alice, receiver.url, schedule=Destination.WEEKLY)
    assert _deliver().sent == 7


def test_a_destination_without_schedule_due_is_not_read(alice, receiver, frozen,
                                                       settings):
    settings.DIGEST_DAILY_SCHEDULE = "0 7 * * 1-5"
    make_paper("2410.00001", DAY)
    destination = make_destination(alice, receiver.url, schedule=Destination.DAILY)
    assert collect_due().items == 1  # never read before: due
    make_paper("2410.00002", DAY)
    frozen.shift(3600)
    assert collect_due().items == 0  # read since 07:00 today
    frozen.shift(24 * 3600)  # Saturday 08:00: the weekday schedule did not come due
    assert collect_due().items == 0
    frozen.shift(2 * 24 * 3600)  # Monday 08:00
    assert collect_due().items == 1
    destination.refresh_from_db()
    assert destination.collected_at is not None


def test_a_success_resets_the_failures_in_a_row(alice, receiver, frozen):
    make_paper("2410.00001", DAY, upvotes=2)
    make_paper("2410.00002", DAY, upvotes=1)
    destination = make_destination(alice, receiver.url, failures=2)
    receiver.answers = [(200, "ok", {}), (503, "down", {})]
    report = _deliver()
    assert (report.sent, report.deferred) == (1, 1)
    destination.refresh_from_db()
    # 2 before, reset by the first item's success, then the second's failure: 1.
    assert destination.failures == 1 and not destination.is_paused
    assert destination.last_sent_at is not None


def test_a_paper_hidden_after_the_read_is_not_sent(alice, receiver, frozen):
    from paperwire.papers.models import Paper

    make_paper("2410.00001", DAY, "Kept")
    hidden = make_paper("2410.00002", DAY, "Hidden later")
    make_destination(alice, receiver.url)
    collect_due(force=True)
    Paper.objects.filter(pk=hidden.pk).update(is_hidden=True)
    report = send_due()
    assert (report.sent, report.skipped) == (1, 1)
    assert [r["json"]["paper"]["title"] for r in receiver.requests] == ["Kept"]
    assert Send.objects.get(paper=hidden).last_error == "the paper was hidden"
