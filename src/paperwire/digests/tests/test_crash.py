"""A sender killed with SIGKILL and started again: no subscriber receives two digests, and
every digest not caught in the instant between "sending" and the end of its data arrives
exactly once, as the SMTP server counts them."""

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone

from paperwire.digests.models import Delivery
from paperwire.digests.tests.conftest import BASE_URL, make_paper, make_subscriber, parts

pytestmark = pytest.mark.timeout(300)
SEND = ["digest", "send", "--period", "daily"]


@pytest.fixture
def readers(cli, smtp):
    """Subscribers with a digest to receive, and a way to start the sender."""
    cli.env.update({"PAPERWIRE_SMTP_HOST": "127.0.0.1", "PAPERWIRE_SMTP_PORT": str(smtp.port),
                    "PAPERWIRE_BASE_URL": BASE_URL})
    make_paper("2410.17243", timezone.localdate() - timedelta(days=1),
               "Breaking the Memory Barrier", upvotes=7)

    def make(count: int) -> list[str]:
        addresses = [f"reader{n:02d}@example.org" for n in range(count)]
        for address in addresses:
            make_subscriber(address)
        return addresses

    def start() -> subprocess.Popen:
        return subprocess.Popen([sys.executable, "-m", "paperwire", *SEND], env=cli.env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    make.start = start
    make.cli = cli
    return make


def _kill(process: subprocess.Popen) -> None:
    os.kill(process.pid, signal.SIGKILL)
    process.wait()  # reaped: its pid is free, so the next sender knows it is gone


def _assert_exactly_once(smtp, addresses: list[str]) -> None:
    counts = Counter(m["To"] for m in smtp.messages)
    assert counts == dict.fromkeys(addresses, 1)
    for message in smtp.messages:
        text, html = parts(message)
        assert "Breaking the Memory Barrier" in text and "Breaking the Memory Barrier" in html


def test_killed_before_the_end_of_data_the_digest_is_sent_again(readers, smtp):
    addresses = readers(6)
    smtp.pause_rcpt_at = 4  # the 4th digest: killed while the envelope is being given
    sender = readers.start()
    assert smtp.paused.wait(60), "the sender never reached the 4th digest"
    assert Delivery.objects.filter(status=Delivery.CLAIMED).count() == 3
    _kill(sender)
    smtp.release.set()
    assert len(smtp.messages) == 3

    readers.cli(*SEND, check=True)
    _assert_exactly_once(smtp, addresses)
    assert set(Delivery.objects.values_list("status", flat=True)) == {Delivery.SENT}


def test_killed_after_the_end_of_data_the_digest_is_not_sent_again(readers, smtp):
    addresses = readers(6)
    smtp.pause_data_at = 4  # the 4th digest: received whole, killed before the 250
    sender = readers.start()
    assert smtp.paused.wait(60), "the sender never reached the 4th digest"
    row = Delivery.objects.get(subscriber__email=smtp.messages[3]["To"])
    assert row.status == Delivery.SENDING
    _kill(sender)
    smtp.release.set()

    readers.cli(*SEND, check=True)
    _assert_exactly_once(smtp, addresses)
    row.refresh_from_db()
    assert row.status == Delivery.UNKNOWN  # never resent: it may have been delivered
    assert Delivery.objects.filter(status=Delivery.SENT).count() == 5


def test_killed_again_and_again_at_random_moments(readers, smtp):
    addresses = readers(24)
    smtp.delay = 0.03  # each message takes a little while, so kills land mid-send
    rng = random.Random(6)
    for _ in range(6):
        before = len(smtp.messages)
        sender = readers.start()
        deadline = time.monotonic() + 60
        # Wait until it is sending, then kill it at a random moment.
        while len(smtp.messages) == before and sender.poll() is None \
                and time.monotonic() < deadline:
            time.sleep(0.005)
        time.sleep(rng.uniform(0, 0.2))
        if sender.poll() is None:
            _kill(sender)
        else:
            sender.wait()
    readers.cli(*SEND, check=True)
    assert Delivery.objects.filter(status__in=[Delivery.PENDING, Delivery.CLAIMED,
                                               Delivery.SENDING]).count() == 0
    # A kill between committing "sending" and writing the final "." leaves a digest the
    # server never took; the next sender cannot tell it from one that arrived, marks it
    # "unknown" and, rather than risk a second copy, does not send it again. So: no one
    # gets two, every "sent" digest arrived once, and only "unknown" ones may be missing.
    counts = Counter(m["To"] for m in smtp.messages)
    assert max(counts.values()) == 1
    status = dict(Delivery.objects.values_list("subscriber__email", "status"))
    assert set(status) == set(addresses)
    for address in addresses:
        if status[address] == Delivery.SENT:
            assert counts[address] == 1, address
        else:
            assert status[address] == Delivery.UNKNOWN and counts[address] <= 1, address
