"""`paperwire deliver` killed with SIGKILL and run again: the receiver (a webhook, or the
SMTP server for email) sees no item twice, and every item not caught in the ambiguous
instant (`unknown`: the whole body had arrived, the answer had not) arrives exactly
once."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter

import pytest

from paperwire.deliveries.models import Send
from paperwire.deliveries.tests.conftest import DAY, make_destination, make_paper

pytestmark = [pytest.mark.timeout(300), pytest.mark.django_db(transaction=True)]


@pytest.fixture
def sender(cli, alice, receiver):
    def make(items: int, destinations: int = 1) -> None:
        for n in range(items):
            make_paper(f"2410.{n:05d}", DAY, f"Paper number {n}", upvotes=n % 7)
        for _ in range(destinations):
            make_destination(alice, receiver.url)

    def start(*args: str) -> subprocess.Popen:
        return subprocess.Popen([sys.executable, "-m", "paperwire", "deliver", *args],
                                env=cli.env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE)

    make.start = start
    make.cli = cli
    return make


def _kill(process: subprocess.Popen) -> None:
    os.kill(process.pid, signal.SIGKILL)
    process.wait()  # reaped: its pid is free, so the next sender knows it is gone


def _wait(event, timeout: float = 60) -> None:
    assert event.wait(timeout), "the receiver was never reached"


def test_the_command_delivers_and_reports(sender, receiver):
    sender(3)
    result = sender.cli("deliver", "--now", check=True)
    assert "read 1 feeds: 3 new items" in result.stderr
    assert "sent 3, deferred 0, failed 0, unknown 0" in result.stderr
    assert len(receiver.requests) == 3 and receiver.bad_signatures == 0
    again = sender.cli("deliver", "--now", check=True)
    assert "0 new items" in again.stderr and "sent 0" in again.stderr


def test_killed_after_the_whole_body_arrived_the_item_is_not_sent_again(sender, receiver):
    sender(20)
    receiver.pause_at = 5  # the 5th item: received whole, killed before the answer
    process = sender.start("--now")
    _wait(receiver.paused)
    _kill(process)
    receiver.release.set()
    sender.cli("deliver", check=True)
    counts = receiver.deliveries()
    assert len(counts) == 20 and set(counts.values()) == {1}
    statuses = dict(Send.objects.values_list("pk", "status"))
    fifth = receiver.requests[4]["headers"]["x-paperwire-delivery"]
    assert statuses.pop(int(fifth)) == Send.UNKNOWN
    assert set(statuses.values()) == {Send.SENT}


def test_killed_again_and_again_at_random_moments(sender, receiver):
    sender(60, destinations=2)
    receiver.delay = 0.01
    rng = random.Random(15)
    for _ in range(4):
        process = sender.start("--now")
        time.sleep(rng.uniform(0.6, 2.0))
        _kill(process)
    for _ in range(3):  # 60 papers: a feed read takes 50 at a time
        sender.cli("deliver", "--now", check=True)
    counts = receiver.deliveries()
    assert all(n == 1 for n in counts.values()), "an item arrived twice"
    rows = dict(Send.objects.values_list("pk", "status"))
    assert len(rows) == 120
    assert set(rows.values()) <= {Send.SENT, Send.UNKNOWN}, "an item was left behind"
    for pk, status in rows.items():
        if status == Send.SENT:
            assert counts[str(pk)] == 1
    # Unknown rows arrived at most once (the count above) and are never resent.


def test_a_mail_killed_after_its_end_of_data_is_not_mailed_again(cli, smtp, alice):
    cli.env.update({"PAPERWIRE_SMTP_HOST": "127.0.0.1", "PAPERWIRE_SMTP_PORT": str(smtp.port)})
    for n in range(3):
        make_paper(f"2410.{n:05d}", DAY, f"Paper number {n}")
    mailed = [make_destination(alice, "", kind="email") for _ in range(3)]
    smtp.pause_data_at = 2  # the 2nd mail: read whole, killed before its 250
    process = subprocess.Popen([sys.executable, "-m", "paperwire", "deliver", "--now"],
                               env=cli.env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
    _wait(smtp.paused)
    _kill(process)
    smtp.release.set()

    cli("deliver", check=True)

    # One mail per destination, its 3 papers in it, none twice.
    by_destination = Counter(int(m["Message-ID"].split(".")[1]) for m in smtp.messages)
    assert by_destination == {d.pk: 1 for d in mailed}
    statuses = {d.pk: set(Send.objects.filter(destination=d).values_list("status", flat=True))
                for d in mailed}
    assert statuses == {mailed[0].pk: {Send.SENT}, mailed[1].pk: {Send.UNKNOWN},
                        mailed[2].pk: {Send.SENT}}
