"""The data dir and everything paperwire writes in it, and its backups, are for its own
user alone (0700 and 0600), even when it is started under the common umask 022."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.timeout(240)
HF_PAPERS = "hf-daily-papers-2023-12_2024-04.jsonl"


@pytest.fixture
def paperwire(tmp_path):
    """`paperwire …` under umask 022, with its real settings, on SQLite in its own data dir."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("PAPERWIRE_DATABASE_URL", "PAPERWIRE_SECRET_KEY",
                        "DJANGO_SETTINGS_MODULE")}
    env["PAPERWIRE_DATA_DIR"] = str(tmp_path / "data")

    def run(*args: str) -> subprocess.CompletedProcess:
        result = subprocess.run(
            [sys.executable, "-m", "paperwire", *args], env=env, capture_output=True,
            text=True, timeout=200, preexec_fn=lambda: os.umask(0o022))
        assert result.returncode == 0, result.stderr
        return result

    run.data_dir = tmp_path / "data"
    return run


def modes(root: Path) -> dict[str, int]:
    found = {".": stat.S_IMODE(root.stat().st_mode)}
    for path in root.rglob("*"):
        found[str(path.relative_to(root))] = stat.S_IMODE(path.lstat().st_mode)
    return found


def test_everything_it_writes_is_private_under_umask_022(paperwire, shared_data, tmp_path):
    paperwire("init")
    paperwire("ingest", "jsonl", str(shared_data / HF_PAPERS), "-q")
    backup = tmp_path / "backups" / "paperwire.backup"
    paperwire("backup", str(backup))
    # Hold a connection open so the WAL and shared-memory files exist while we look.
    db = sqlite3.connect(paperwire.data_dir / "paperwire.sqlite3")
    db.execute("SELECT count(*) FROM papers_paper").fetchone()

    found = modes(paperwire.data_dir)
    assert {"paperwire.sqlite3", "paperwire.sqlite3-wal", "paperwire.sqlite3-shm",
            "secret_key"} <= set(found)
    for name, mode in found.items():
        path = paperwire.data_dir / name
        assert mode == (0o700 if path.is_dir() else 0o600), f"{name}: {mode:04o}"
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600
    db.close()


def test_init_tightens_a_data_dir_left_open_and_says_so(paperwire):
    paperwire("init")
    data = paperwire.data_dir
    database = data / "paperwire.sqlite3"
    (data / "search").mkdir(exist_ok=True)
    (data / "search" / "index.usearch").write_bytes(b"x")
    for path, mode in ((data, 0o755), (database, 0o644), (data / "search", 0o775),
                       (data / "search" / "index.usearch", 0o666)):
        os.chmod(path, mode)

    said = paperwire("init").stderr
    assert f"{database} was mode 0644, open to other users: now 0600" in said
    assert f"{data} was mode 0755, open to other users: now 0700" in said
    assert f"{data / 'search' / 'index.usearch'} was mode 0666" in said
    for name, mode in modes(data).items():
        assert not mode & 0o077, f"{name}: {mode:04o}"

    assert "open to other users" not in paperwire("init").stderr  # nothing left to say
