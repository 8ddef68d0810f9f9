"""The data dir is for paperwire's own user alone.

It holds the SQLite database (whose `django_session` table holds live session keys),
the secret key and the search indexes. paperwire sets a umask of 077 as it starts, so
what it creates there (SQLite gives `-wal` and `-shm` files the database file's mode) is
0600 and 0700 whatever umask it was started with, and takes group and other permissions
off whatever an older release, or a looser umask, left there.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from pathlib import Path

PRIVATE_UMASK = 0o077
_OPEN_TO_OTHERS = 0o077


def make_private(data_dir: Path, files: Iterable[Path] = ()) -> list[tuple[Path, int, int]]:
    """Create `data_dir` (0700) when missing, and take group and other permissions off
    it, everything under it and `files` (a database kept elsewhere, and its -wal/-shm).

    Returns (path, old mode, new mode) for each path it changed. Symbolic links are left
    alone: chmod would change what they point at.
    """
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    changed = []
    paths: list[Path] = [data_dir]
    for root, dirs, names in os.walk(data_dir):
        paths += [Path(root, name) for name in (*dirs, *names)]
    paths += [Path(f) for f in files]
    for path in paths:
        try:
            mode = path.lstat().st_mode
        except FileNotFoundError:
            continue
        if stat.S_ISLNK(mode) or not mode & _OPEN_TO_OTHERS:
            continue
        new = stat.S_IMODE(mode) & ~_OPEN_TO_OTHERS
        os.chmod(path, new)
        changed.append((path, stat.S_IMODE(mode), new))
    return changed


def private_file(path: Path) -> None:
    """Create `path` empty with mode 0600, replacing what is there (for a backup)."""
    path.unlink(missing_ok=True)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
