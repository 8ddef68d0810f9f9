"""Helpers for the tests that run several `paperwire worker` processes at once: start
them against the test database, wait until each polls the queue, stop them with SIGTERM.

`note_run` is a task for those tests; it lives here, outside any test module, because
the workers import it by its module path to run it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from django_tasks import task

STARTED = "Starting worker worker_id="  # django_tasks_db logs this once it polls


@task()
def note_run(path: str, n: int) -> int:
    """Append "n pid" to `path` (one short O_APPEND write: lines never interleave)."""
    with open(path, "a") as f:
        f.write(f"{n} {os.getpid()}\n")
    time.sleep(0.01)  # a task that takes a moment, so the workers take turns
    return os.getpid()


@task()
def report_site_url() -> str:
    """The base of the links the worker's mail would carry."""
    from paperwire.lib.urls import site_url

    return site_url()


class WorkerPool:
    """`count` `paperwire worker` processes; logs go to files (a pipe nobody reads
    would fill up and stall a busy worker)."""

    def __init__(self, env: dict[str, str], log_dir: Path, count: int = 3) -> None:
        self.logs = [log_dir / f"worker{n}.log" for n in range(count)]
        self.processes = []
        for log in self.logs:
            with log.open("w") as out:
                self.processes.append(subprocess.Popen(
                    [sys.executable, "-m", "paperwire", "worker"], env=env,
                    stdout=out, stderr=subprocess.STDOUT))

    @property
    def pids(self) -> set[int]:
        return {p.pid for p in self.processes}

    def output(self) -> str:
        return "\n".join(f"--- {log.name}\n{log.read_text()}" for log in self.logs)

    def wait_until_polling(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while not all(STARTED in log.read_text() for log in self.logs):
            gone = [p for p in self.processes if p.poll() is not None]
            assert not gone, f"a worker exited early:\n{self.output()}"
            assert time.monotonic() < deadline, f"the workers did not start:\n{self.output()}"
            time.sleep(0.1)

    def stop(self, timeout: float = 30) -> list[int]:
        """SIGTERM each; the exit codes."""
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        return [process.wait(timeout=timeout) for process in self.processes]

    def kill(self) -> None:
        """Whatever still runs after a failed test."""
        for process in self.processes:
            if process.poll() is None:
                process.kill()
                process.wait()
