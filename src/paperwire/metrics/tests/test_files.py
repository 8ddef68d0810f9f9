"""`paperwire serve` forgets the value files of processes that have exited."""

import os
import subprocess
import sys

from paperwire.metrics.instruments import forget_gone_processes


def test_it_deletes_only_the_files_of_gone_processes(tmp_path):
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    gone = [tmp_path / f"counter_{child.pid}.db", tmp_path / f"histogram_{child.pid}.db"]
    alive = [tmp_path / f"counter_{os.getpid()}.db", tmp_path / "notes.txt"]
    for path in gone + alive:
        path.write_bytes(b"")

    assert sorted(forget_gone_processes(tmp_path)) == sorted(gone)
    assert sorted(tmp_path.iterdir()) == sorted(alive)
