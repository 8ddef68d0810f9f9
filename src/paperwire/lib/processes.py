"""Which process holds a row (a digest being sent, an ingest run), and whether it lives.

A row records its holder as `host:pid`. On the same host a gone pid means the holder
died (a crash, SIGKILL) and the row may be taken over at once; another host's holder can
only be judged by its lease or heartbeat.
"""

from __future__ import annotations

import os
import socket


def process_name() -> str:
    """This process, as written in the rows it holds: host and pid."""
    return f"{socket.gethostname()[:80]}:{os.getpid()}"


def process_is_gone(name: str) -> bool:
    """True when `name` (from process_name) is a process on this host that no longer exists."""
    host, _, pid = name.rpartition(":")
    if host != socket.gethostname()[:80] or not pid.isdigit():
        return False  # another machine's process: only its lease can tell
    return pid_is_gone(int(pid))


def pid_is_gone(pid: int) -> bool:
    """True when no process on this host has this pid."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # alive, someone else's
    return False
