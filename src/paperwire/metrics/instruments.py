"""What paperwire's processes count as they work, in prometheus_client's instruments.

gunicorn runs several worker processes; with PROMETHEUS_MULTIPROC_DIR set (settings.py
points it at the data dir's `metrics/` folder before anything imports prometheus_client)
each process writes its values to memory-mapped files there and a scrape adds them up.
Without it (prometheus_client imported first) they are this process's own.

Every instrument here has labels: a labelled instrument writes no file until a value
is recorded, so importing this module costs a process nothing.
"""

from __future__ import annotations

import re
from pathlib import Path

from prometheus_client import CollectorRegistry, Counter, Histogram

from paperwire.lib.processes import pid_is_gone

# The single-process registry; in multiprocess mode the files are read instead.
LOCAL = CollectorRegistry(auto_describe=True)

HTTP_REQUESTS = Counter(
    "paperwire_http_requests", "Requests answered, by URL pattern, method and status.",
    ["route", "method", "status"], registry=LOCAL)
HTTP_SECONDS = Histogram(
    "paperwire_http_request_duration_seconds",
    "Time from a request reaching paperwire to its response, by URL pattern and method.",
    ["route", "method"], registry=LOCAL,
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30))
SEARCH_SECONDS = Histogram(
    "paperwire_search_duration_seconds",
    "Time search() took, by mode (hybrid, lexical, semantic).", ["mode"], registry=LOCAL,
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))


def forget_gone_processes(directory: Path) -> list[Path]:
    """Delete the value files of processes that have exited (`paperwire serve` does this
    as it starts): their counts would otherwise be added to every scrape forever, and a
    restart is a counter reset Prometheus understands. Returns the files deleted."""
    gone = []
    for path in directory.glob("*.db"):
        m = re.search(r"_(\d+)\.db$", path.name)
        if m and pid_is_gone(int(m[1])):
            path.unlink(missing_ok=True)
            gone.append(path)
    return gone
