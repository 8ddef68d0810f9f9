"""Three `paperwire worker` processes share one task queue. The weekly digest task,
queued once as the scheduler queues it, builds the outbox and then hands it out in
shares (PAPERWIRE_DIGEST_SEND_SHARE), queueing the next share before sending its own, so
the three workers send side by side: 1,000 subscribers get exactly one digest each, sent
by more than one worker, every task is run by one worker, and SIGTERM stops each worker
cleanly."""

from __future__ import annotations

import time
from collections import Counter

import pytest
from django_tasks_db.models import DBTaskResult

from paperwire.digests.models import Delivery
from paperwire.digests.tasks import send_digests, send_outbox
from paperwire.digests.tests.conftest import BASE_URL, assert_each_sent_once, make_weekly_readers
from paperwire.tests.workers import WorkerPool

pytestmark = pytest.mark.timeout(180)
SUBSCRIBERS = 1_000
SHARE = 100  # ten shares at least: enough for the three workers to overlap


def _pid(worker_id: str) -> int:
    """The pid in a worker id: "host-pid" (task queue) or "host:pid" (outbox claim)."""
    return int(worker_id.replace(":", "-").rsplit("-", 1)[1])


def test_it_sends_each_digest_once_with_three_workers(cli, smtp, tmp_path):
    make_weekly_readers(SUBSCRIBERS)
    env = {**cli.env, "PAPERWIRE_SMTP_HOST": "127.0.0.1", "PAPERWIRE_SMTP_PORT": str(smtp.port),
           "PAPERWIRE_BASE_URL": BASE_URL, "PAPERWIRE_DIGEST_SEND_SHARE": str(SHARE)}
    pool = WorkerPool(env, tmp_path)
    try:
        pool.wait_until_polling()
        started = time.monotonic()
        send_digests.enqueue("weekly")
        deadline = started + 120
        while (Delivery.objects.filter(status=Delivery.SENT).count() < SUBSCRIBERS
               or DBTaskResult.objects.filter(status__in=["READY", "RUNNING"]).exists()):
            assert time.monotonic() < deadline, f"the digests were not sent:\n{pool.output()}"
            time.sleep(0.2)
        elapsed = time.monotonic() - started
        exit_codes = pool.stop()
    finally:
        pool.kill()
    assert exit_codes == [0, 0, 0], pool.output()
    assert "Traceback" not in pool.output()

    assert_each_sent_once(smtp, SUBSCRIBERS)

    # Every task succeeded, each claimed by exactly one of the three workers.
    tasks = list(DBTaskResult.objects.all())
    assert {t.task_path for t in tasks} == {send_digests.module_path, send_outbox.module_path}
    assert {t.status for t in tasks} == {"SUCCESSFUL"}
    assert all(len(t.worker_ids) == 1 for t in tasks)
    task_pids = Counter(_pid(t.worker_ids[0]) for t in tasks)
    assert set(task_pids) <= pool.pids
    assert len(task_pids) >= 2, f"one worker ran every task: {task_pids}"
    assert sum(t.return_value["sent"] for t in tasks) == SUBSCRIBERS

    # And the digests themselves went out through more than one worker.
    senders = Counter(_pid(c) for c in Delivery.objects.values_list("claimed_by", flat=True))
    assert set(senders) <= pool.pids
    assert len(senders) >= 2, f"one worker sent every digest: {senders}"
    print(f"{SUBSCRIBERS} digests by 3 workers in {elapsed:.1f} s: {len(tasks)} tasks "
          f"{sorted(task_pids.values())}, digests {sorted(senders.values())}")
