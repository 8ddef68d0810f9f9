"""Three `paperwire worker` processes share one task queue: tasks queued at once are each
run exactly once, the three workers between them, and SIGTERM stops each cleanly."""

from __future__ import annotations

import time
from collections import Counter

import pytest
from django_tasks_db.models import DBTaskResult

from paperwire.tests.workers import WorkerPool, note_run

pytestmark = pytest.mark.timeout(120)
TASKS = 300


def test_it_runs_each_task_once_across_three_workers(cli, tmp_path):
    runs = tmp_path / "runs.txt"
    runs.touch()
    pool = WorkerPool(cli.env, tmp_path)
    try:
        pool.wait_until_polling()
        for n in range(TASKS):
            note_run.enqueue(str(runs), n)
        deadline = time.monotonic() + 60
        while DBTaskResult.objects.exclude(status="SUCCESSFUL").exists():
            failed = DBTaskResult.objects.filter(status="FAILED").first()
            assert failed is None, failed.traceback
            assert time.monotonic() < deadline, f"the tasks did not all run:\n{pool.output()}"
            time.sleep(0.2)
        exit_codes = pool.stop()
    finally:
        pool.kill()
    assert exit_codes == [0, 0, 0], pool.output()
    assert "Traceback" not in pool.output()

    lines = [line.split() for line in runs.read_text().splitlines()]
    assert sorted(int(n) for n, _ in lines) == list(range(TASKS))  # each once, none lost
    by_worker = Counter(int(pid) for _, pid in lines)
    assert set(by_worker) <= pool.pids
    assert len(by_worker) >= 2, f"one worker ran every task: {by_worker}"
    assert DBTaskResult.objects.count() == TASKS
    assert all(len(ids) == 1 for ids in DBTaskResult.objects.values_list("worker_ids",
                                                                         flat=True))
    print(f"{TASKS} tasks by 3 workers: {sorted(by_worker.values())}")
