"""Helpers shared by the benchmarks: the real data, medians, memory sampling."""

from __future__ import annotations

import os
import socket
import statistics
import threading
import time
from pathlib import Path


def shared_data_dir() -> Path:
    """../shared/data next to the checkout (or PAPERWIRE_SHARED_DATA)."""
    configured = os.environ.get("PAPERWIRE_SHARED_DATA")
    candidates = [Path(configured)] if configured else []
    candidates += [Path.cwd() / "../shared/data",
                   Path(__file__).resolve().parents[4] / "shared/data"]
    for path in candidates:
        if path.is_dir():
            return path.resolve()
    raise SystemExit("shared data not found; set PAPERWIRE_SHARED_DATA to ../shared/data")


def median(values: list[float]) -> float:
    return statistics.median(values)


class RssSampler:
    """Samples a process's resident memory (from /proc) in a background thread."""

    def __init__(self, pid: int, interval: float = 0.1) -> None:
        self.pid, self.interval = pid, interval
        self.samples: list[tuple[float, int]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> RssSampler:
        self._started = time.monotonic()
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        status = Path(f"/proc/{self.pid}/status")
        while not self._stop.is_set():
            try:
                for line in status.read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        kb = int(line.split()[1])
                        self.samples.append((time.monotonic() - self._started, kb * 1024))
            except (FileNotFoundError, ProcessLookupError):
                return
            self._stop.wait(self.interval)

    @property
    def peak(self) -> int:
        return max((rss for _, rss in self.samples), default=0)

    def at_fraction(self, fraction: float) -> int:
        if not self.samples:
            return 0
        return self.samples[min(len(self.samples) - 1, int(len(self.samples) * fraction))][1]


def mib(n: int) -> str:
    return f"{n / 1024 / 1024:.0f} MiB"


def write_json(path: str | Path | None, bench: str, document: dict) -> None:
    """Write a bench's results as JSON (for `paperwire bench all`), when a path is given.

    Every document has `bench`, `schema` (bumped when a key changes meaning), `params`
    (what it ran with) and its figures as plain numbers, units in the key names
    (`_per_s`, `_ms`, `_s`, `_bytes`). Written to a temporary name and renamed, so a
    reader never sees half a file.
    """
    if not path:
        return
    import json

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps({"bench": bench, "schema": 1, **document}, indent=2) + "\n")
    partial.replace(path)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on (for servers that need one named)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
