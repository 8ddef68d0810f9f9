"""A running ingest is a lock on its source and parameters: a second one refuses while
the first one's heartbeat is fresh, and resumes it only once it is stale (or its process
on this host is gone)."""

import os
import socket
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from paperwire.ingest.models import (
    STALE_AFTER,
    IngestRun,
    RunInProgress,
    RunTakenOver,
    lock_key,
)
from paperwire.ingest.runner import Checkpoint, run_ingest
from paperwire.ingest.tests.test_runner import ListSource, record
from paperwire.papers.models import Paper

pytestmark = pytest.mark.django_db

NOW = datetime(2024, 10, 25, 12, 0, tzinfo=UTC)
ELSEWHERE = "another-host:4242"  # a process this host cannot look at


def _running(heartbeat_at: datetime, owner: str = ELSEWHERE, **fields) -> IngestRun:
    fields.setdefault("new", 5)
    return IngestRun.objects.create(
        source="list", params={"list": 1}, status=IngestRun.RUNNING, cursor={"page": 5},
        heartbeat_at=heartbeat_at, started_at=heartbeat_at, owner=owner, **fields)


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("resume", [True, False])
def test_it_refuses_while_the_same_run_has_a_fresh_heartbeat(resume):
    alive = _running(NOW - timedelta(seconds=20))
    source = ListSource(record(1), Checkpoint({"page": 6}))

    with pytest.raises(RunInProgress) as refused:
        run_ingest(source, resume=resume)

    message = str(refused.value)
    assert f"ingest run {alive.pk} of list" in message
    assert "still running (last heartbeat 20 s ago)" in message
    assert "no heartbeat for 10 minutes is resumed" in message
    assert source.cursors == []  # nothing was read
    assert IngestRun.objects.count() == 1
    alive.refresh_from_db()
    assert (alive.status, alive.new, alive.cursor) == (IngestRun.RUNNING, 5, {"page": 5})
    assert not Paper.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_other_sources_and_parameters_are_not_locked():
    _running(NOW - timedelta(seconds=20))
    assert run_ingest(ListSource(record(1), params={"list": 2})).run.status == \
        IngestRun.FINISHED
    other = ListSource(record(2))
    other.name = "other"
    assert run_ingest(other).run.status == IngestRun.FINISHED


@time_machine.travel(NOW, tick=False)
def test_it_resumes_a_run_whose_heartbeat_is_stale():
    stale = _running(NOW - STALE_AFTER - timedelta(seconds=1))
    source = ListSource(record(1), record(2), Checkpoint({"page": 6}))

    run = run_ingest(source).run

    assert source.cursors == [{"page": 5}]
    assert run.pk == stale.pk
    run.refresh_from_db()
    assert (run.status, run.new, run.cursor, run.lock) == \
        (IngestRun.FINISHED, 7, {"page": 6}, None)


@time_machine.travel(NOW, tick=False)
def test_a_fresh_start_marks_a_stale_run_interrupted():
    stale = _running(NOW - STALE_AFTER - timedelta(seconds=1))
    run = run_ingest(ListSource(record(1)), resume=False).run
    assert run.pk != stale.pk and run.new == 1
    stale.refresh_from_db()
    assert (stale.status, stale.lock) == (IngestRun.INTERRUPTED, None)
    assert stale.error == "no heartbeat since 2024-10-25 11:49:59 UTC; its process is gone"


@time_machine.travel(NOW, tick=False)
def test_it_resumes_at_once_a_run_whose_process_on_this_host_is_gone():
    killed = _running(NOW - timedelta(seconds=5),
                      owner=f"{socket.gethostname()[:80]}:{_dead_pid()}")
    run = run_ingest(ListSource(record(1), Checkpoint({"page": 6}))).run
    assert run.pk == killed.pk
    assert (run.status, run.new) == (IngestRun.FINISHED, 6)


@time_machine.travel(NOW, tick=False)
def test_a_run_on_this_host_whose_process_lives_is_a_lock():
    _running(NOW - timedelta(seconds=5), owner=f"{socket.gethostname()[:80]}:{os.getpid()}")
    with pytest.raises(RunInProgress):
        run_ingest(ListSource(record(1)))


def test_a_run_another_process_took_over_stops_without_writing():
    # This process paused past STALE_AFTER; meanwhile another resumed its run.
    class Source(ListSource):
        def items(self, cursor):
            yield record(1)
            yield Checkpoint({"page": 1}, commit=True)
            IngestRun.objects.update(heartbeat_at=datetime(2030, 1, 1, tzinfo=UTC),
                                     owner=ELSEWHERE, new=40, cursor={"page": 9})
            yield record(2)
            yield Checkpoint({"page": 2}, commit=True)

    with pytest.raises(RunTakenOver):
        run_ingest(Source())

    run = IngestRun.objects.get()
    assert (run.status, run.new, run.cursor, run.owner) == \
        (IngestRun.RUNNING, 40, {"page": 9}, ELSEWHERE)
    assert list(Paper.objects.values_list("arxiv_id", flat=True)) == ["2401.00001"]


def test_it_beats_at_a_checkpoint_when_a_batch_takes_long():
    beats = []

    class Source(ListSource):
        def items(self, cursor):
            for n in range(1, 4):
                yield record(n)
                traveller.shift(timedelta(seconds=31))
                yield Checkpoint({"line": n})
                beats.append(IngestRun.objects.get().cursor)

    with time_machine.travel(NOW, tick=False) as traveller:
        run_ingest(Source(), batch_size=1000)
    # Each checkpoint came 31 s after the last write: each stored the batch and a beat.
    assert beats == [{"line": 1}, {"line": 2}, {"line": 3}]


def test_the_lock_is_released_when_a_run_ends():
    run = run_ingest(ListSource(record(1))).run
    assert IngestRun.objects.get(pk=run.pk).lock is None
    again = run_ingest(ListSource(record(1))).run
    assert again.pk != run.pk


def test_the_unique_lock_refuses_a_second_run_that_got_past_the_check():
    # Two processes that both found no running run: the second insert hits the unique
    # lock of the first (here a row that holds the lock without looking like it runs).
    holder = IngestRun.objects.create(source="list", params={"list": 1},
                                      status=IngestRun.FINISHED,
                                      lock=lock_key("list", {"list": 1}))
    with pytest.raises(RunInProgress) as refused:
        run_ingest(ListSource(record(1)), resume=False)
    assert refused.value.run == holder
    assert IngestRun.objects.count() == 1
