"""Three `paperwire digest send` processes share one outbox: 1,000 subscribers, one
SMTP server, and each subscriber receives exactly one digest."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone

from paperwire.digests.models import WEEKLY, Delivery, Subscriber
from paperwire.digests.tests.conftest import BASE_URL, make_paper

pytestmark = pytest.mark.timeout(180)
SUBSCRIBERS = 1_000
SENDERS = 3


def test_it_sends_each_digest_once_with_three_senders(cli, smtp):
    yesterday = timezone.localdate() - timedelta(days=1)
    for n in range(5):
        make_paper(f"2410.1724{n}", yesterday, f"Paper number {n}", upvotes=n)
    now = timezone.now()
    # Trending only: no alerts or picks, so no sender loads the embedding model.
    Subscriber.objects.bulk_create(
        [Subscriber(email=f"reader{n}@example.org", confirmed_at=now, frequency=WEEKLY,
                    trending_count=3, alerts=False, picks=False)
         for n in range(SUBSCRIBERS)], batch_size=500)
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
    smtp.wait_for(SUBSCRIBERS, timeout=10)
    time.sleep(0.5)  # a duplicate would arrive now
    received = Counter(m["To"] for m in smtp.messages)
    assert len(received) == SUBSCRIBERS
    assert set(received.values()) == {1}
    assert Delivery.objects.count() == SUBSCRIBERS
    assert set(Delivery.objects.values_list("status", flat=True)) == {Delivery.SENT}
    print(f"{SUBSCRIBERS} digests by {SENDERS} senders in {elapsed:.1f} s: {sent}")
