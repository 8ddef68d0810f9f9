"""Sending the outbox over a real SMTP server: retries, refusals, claims, recovery."""

from datetime import timedelta

import pytest

from paperwire.digests.build import build_digests
from paperwire.digests.models import Delivery, Subscriber
from paperwire.digests.outbox import send_due
from paperwire.digests.smtp import HeldDataBackend
from paperwire.digests.tests.conftest import DAY, NOW, make_paper, make_subscriber, parts

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]


@pytest.fixture
def outbox(db):
    """One featured paper and a built digest for alice (and bob, when asked)."""
    make_paper("2410.00001", DAY, "Breaking the Memory Barrier", upvotes=12)

    def build(*addresses: str) -> list[Delivery]:
        for address in addresses:
            make_subscriber(address)
        build_digests("daily")
        return list(Delivery.objects.order_by("pk"))

    return build


def test_it_sends_each_digest_once_with_both_parts(smtp, outbox):
    outbox("alice@example.org", "bob@example.org")

    report = send_due()
    assert (report.sent, report.deferred, report.failed) == (2, 0, 0)
    assert sorted(m["To"] for m in smtp.messages) == ["alice@example.org", "bob@example.org"]
    for message in smtp.messages:
        text, html = parts(message)
        assert "Breaking the Memory Barrier" in text and "Breaking the Memory Barrier" in html
    assert set(Delivery.objects.values_list("status", flat=True)) == {Delivery.SENT}
    assert send_due().sent == 0  # nothing twice


def test_a_451_is_retried_later_and_the_mail_arrives_once(smtp, outbox, frozen):
    [row] = outbox("alice@example.org")
    smtp.data_answers = ["451 4.3.0 Try again later"]

    report = send_due()
    assert (report.sent, report.deferred) == (0, 1)
    row.refresh_from_db()
    assert row.status == Delivery.PENDING and row.attempts == 1
    assert row.last_error == "451 4.3.0 Try again later"
    assert row.next_attempt_at == NOW + timedelta(seconds=300)
    assert send_due().handled == 0  # not due yet

    frozen.shift(301)
    assert send_due().sent == 1
    assert len(smtp.messages) == 1
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == (Delivery.SENT, 2, "")


def test_a_451_at_rcpt_is_retried_with_a_doubling_delay(smtp, outbox, frozen):
    [row] = outbox("alice@example.org")
    smtp.rcpt_answers["alice@example.org"] = ["451 4.7.1 Greylisted", "452 4.2.2 Full"]

    send_due()
    row.refresh_from_db()
    assert row.next_attempt_at == NOW + timedelta(seconds=300)
    frozen.shift(301)
    send_due()
    row.refresh_from_db()
    assert row.attempts == 2 and row.status == Delivery.PENDING
    assert row.next_attempt_at == NOW + timedelta(seconds=301 + 600)
    frozen.shift(601)
    assert send_due().sent == 1
    assert len(smtp.messages) == 1


@pytest.mark.parametrize("stage", ["rcpt", "data"])
def test_a_550_fails_at_once_and_counts_a_hard_failure(smtp, outbox, frozen, stage):
    [row] = outbox("alice@example.org")
    if stage == "rcpt":
        smtp.rcpt_answers["alice@example.org"] = ["550 5.1.1 No such user"]
    else:
        smtp.data_answers = ["550 5.7.1 Rejected as spam"]

    report = send_due()
    assert (report.sent, report.failed) == (0, 1)
    row.refresh_from_db()
    assert row.status == Delivery.FAILED and row.last_error.startswith("550 5.")
    assert Subscriber.objects.get().hard_failures == 1
    frozen.shift(86_400)
    assert send_due().handled == 0  # never retried
    assert smtp.messages == []


def test_hard_failures_in_a_row_stop_mail_to_the_address(smtp, frozen):
    alice = make_subscriber("alice@example.org")
    smtp.rcpt_answers["alice@example.org"] = ["550 5.1.1 No such user"] * 3
    for day in range(3):
        make_paper(f"2410.{day:05d}", DAY + timedelta(days=day))
        frozen.shift(86_400 if day else 0)
        build_digests("daily")
        send_due()
    alice.refresh_from_db()
    assert alice.hard_failures == 3 and alice.status == "stopped"
    make_paper("2410.00009", DAY + timedelta(days=3))
    frozen.shift(86_400)
    assert build_digests("daily").considered == 0


def test_a_success_clears_the_hard_failure_count(smtp, outbox):
    outbox("alice@example.org")
    Subscriber.objects.update(hard_failures=2)
    assert send_due().sent == 1
    assert Subscriber.objects.get().hard_failures == 0


def test_an_unreachable_server_leaves_every_digest_pending(outbox, settings):
    outbox("alice@example.org", "bob@example.org")
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 1  # nothing listens there

    report = send_due()
    assert report.handled == 0 and "cannot reach the mail server" in report.stopped
    assert set(Delivery.objects.values_list("status", "attempts")) == {(Delivery.PENDING, 0)}


def test_an_unsubscribe_before_sending_skips_the_digest(smtp, outbox):
    outbox("alice@example.org")
    Subscriber.objects.get().unsubscribe()
    assert send_due().handled == 0
    assert Delivery.objects.get().status == Delivery.SKIPPED
    assert smtp.messages == []


def test_a_sender_whose_claim_was_taken_back_does_not_finish_the_message(smtp, outbox):
    [row] = outbox("alice@example.org")
    token, [claimed] = Delivery.objects.claim(10)
    # Meanwhile the claim is taken back (as if this sender had been thought dead) and
    # another sender claims the row.
    Delivery.objects.filter(pk=row.pk).update(status=Delivery.PENDING, claim_token="")
    other_token, _ = Delivery.objects.claim(10)

    from paperwire.digests.emails import Renderer

    backend = HeldDataBackend()
    outcome = backend.send_held(Renderer().message(claimed),
                                commit=lambda: claimed.mark_sending(token))
    backend.close()
    assert outcome.kind == "aborted"
    assert smtp.messages == []  # the server got the data but never its end
    row.refresh_from_db()
    assert row.status == Delivery.CLAIMED and row.claim_token == other_token


def test_claims_hand_each_row_to_one_sender(outbox):
    outbox(*[f"reader{n}@example.org" for n in range(5)])
    first_token, first = Delivery.objects.claim(3, "host:1")
    second_token, second = Delivery.objects.claim(3, "host:2")
    assert len(first) == 3 and len(second) == 2
    assert not {r.pk for r in first} & {r.pk for r in second}
    assert Delivery.objects.claim(3, "host:3")[1] == []


def test_recovery_resends_claimed_rows_and_never_sending_ones(outbox, frozen):
    rows = outbox("alice@example.org", "bob@example.org", "carol@example.org")
    dead = "this-host-is-gone:1"
    Delivery.objects.filter(pk=rows[0].pk).update(
        status=Delivery.CLAIMED, claim_token="a", claimed_by=dead, claimed_at=frozen_now())
    Delivery.objects.filter(pk=rows[1].pk).update(
        status=Delivery.SENDING, claim_token="b", claimed_by=dead, claimed_at=frozen_now())
    # Another host's sender: only its lease tells; within it nothing moves.
    assert Delivery.objects.recover() == (0, 0)

    frozen.shift(11 * 60)
    assert Delivery.objects.recover() == (1, 1)
    statuses = dict(Delivery.objects.values_list("pk", "status"))
    assert statuses == {rows[0].pk: Delivery.PENDING, rows[1].pk: Delivery.UNKNOWN,
                        rows[2].pk: Delivery.PENDING}


def test_recovery_takes_back_a_dead_local_process_at_once(outbox):
    import socket
    import subprocess
    import sys

    [row] = outbox("alice@example.org")
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()  # a process of this host that is gone
    Delivery.objects.filter(pk=row.pk).update(
        status=Delivery.CLAIMED, claim_token="a", claimed_at=frozen_now(),
        claimed_by=f"{socket.gethostname()[:80]}:{child.pid}")
    assert Delivery.objects.recover() == (1, 0)


def frozen_now():
    from django.utils import timezone

    return timezone.now()


@pytest.mark.django_db(transaction=True)
def test_senders_claiming_at_the_same_moment_never_share_a_row():
    import threading

    from django.db import connection

    make_paper("2410.00001", DAY)
    for n in range(60):
        make_subscriber(f"reader{n}@example.org")
    build_digests("daily")
    claimed: list[list[int]] = []
    start = threading.Barrier(4)

    def claimer(n: int) -> None:
        try:
            start.wait()
            mine = []
            while rows := Delivery.objects.claim(7, f"host:{n}")[1]:
                mine += [row.pk for row in rows]
            claimed.append(mine)
        finally:
            connection.close()

    threads = [threading.Thread(target=claimer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    every = [pk for mine in claimed for pk in mine]
    assert len(every) == len(set(every)) == 60
    assert sum(1 for mine in claimed if mine) >= 2  # they really ran side by side


def test_a_connection_closed_between_two_digests_is_opened_again(smtp, outbox):
    import socket

    from paperwire.digests.emails import Renderer

    outbox("alice@example.org", "bob@example.org")
    token, rows = Delivery.objects.claim(10)
    backend, renderer = HeldDataBackend(), Renderer()
    try:
        first = backend.send_held(renderer.message(rows[0]),
                                  commit=lambda: rows[0].mark_sending(token))
        backend.connection.sock.shutdown(socket.SHUT_RDWR)  # as an idle timeout would
        second = backend.send_held(renderer.message(rows[1]),
                                   commit=lambda: rows[1].mark_sending(token))
    finally:
        backend.close()
    assert (first.kind, second.kind) == ("sent", "sent")
    assert len(smtp.messages) == 2
