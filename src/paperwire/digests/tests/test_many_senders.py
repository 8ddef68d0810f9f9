"""Three `paperwire digest send` processes share one outbox: 1,000 subscribers, one
SMTP server, and each subscriber receives exactly one digest."""

from __future__ import annotations

import re
import subprocess
import sys
import time

import pytest

from paperwire.digests.tests.conftest import BASE_URL, assert_each_sent_once, make_weekly_readers

pytestmark = pytest.mark.timeout(180)
SUBSCRIBERS = 1_000
SENDERS = 3


def test_it_sends_each_digest_once_with_three_senders(cli, smtp):
    make_weekly_readers(SUBSCRIBERS)
    env = {**cli.env, "PAPERWIRE_SMTP_HOST": "127.0.0.1", "PAPERWIRE_SMTP_PORT": str(smtp.port),
           "PAPERWIRE_BASE_URL": BASE_URL}

    # All three build the week's outbox at once (the unique row per subscriber and period
    # keeps one), then send what is due, claiming rows from each other.
    started = time.monotonic()
    senders = [subprocess.Popen([sys.executable, "-m", "paperwire", "digest", "send",
                                 "--period", "weekly"], env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
               for _ in range(SENDERS)]
    outputs = [sender.communicate(timeout=150) for sender in senders]
    elapsed = time.monotonic() - started
    for sender, (_, err) in zip(senders, outputs, strict=True):
        assert sender.returncode == 0, err

    sent = [int(re.search(r"sent (\d+),", err).group(1)) for _, err in outputs]
    assert sum(sent) == SUBSCRIBERS
    assert sum(1 for n in sent if n) >= 2, f"one sender did all the work: {sent}"
    assert_each_sent_once(smtp, SUBSCRIBERS)
    print(f"{SUBSCRIBERS} digests by {SENDERS} senders in {elapsed:.1f} s: {sent}")
