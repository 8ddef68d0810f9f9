"""Back up and restore the database, whichever backend it is.

SQLite goes through its online backup API (`sqlite3.Connection.backup`): it copies the
pages of a consistent snapshot while the site keeps reading and writing, which a plain
file copy of a WAL database cannot promise. PostgreSQL goes through `pg_dump` and
`pg_restore` in the custom format (compressed, restorable table by table).

Every function takes Django's `DATABASES["default"]` dict, so this module imports no
app and can be tested on any database.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from paperwire.lib.datadir import private_file

# Tables `migrate` fills by itself: rows there do not make a database "in use".
MIGRATION_TABLES = {"django_migrations", "django_content_type", "auth_permission"}


class BackupError(Exception):
    """A backup or restore that could not be done; the message says why."""


def backup(db: dict, path: Path) -> None:
    """Write a backup of the database `db` describes to `path` (replaced if present)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    # 0600 from the start, whatever the umask: a backup holds live session keys.
    private_file(tmp)
    if _is_sqlite(db):
        # pages=-1 copies in one step: the snapshot is consistent and a writer waits
        # at most for the copy (milliseconds to seconds), never fails.
        _sqlite_copy(sqlite3.connect(db["NAME"], timeout=_timeout(db)), sqlite3.connect(tmp))
    else:
        _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges",
              "--file", str(tmp), *_pg_args(db)], db)
    # Written whole, then renamed: a crash never leaves a half backup under the name.
    os.replace(tmp, path)


def restore(db: dict, path: Path, *, force: bool = False) -> None:
    """Replace the contents of the database `db` describes with the backup at `path`.

    Refuses (BackupError) when the database holds data, unless `force`.
    """
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"{path} does not exist")
    if not force and not is_empty(db):
        raise BackupError("the database is not empty; use --force to overwrite it")
    if _is_sqlite(db):
        with sqlite3.connect(path) as check:
            try:
                check.execute("SELECT count(*) FROM sqlite_master").fetchone()
            except sqlite3.DatabaseError as e:
                raise BackupError(f"{path} is not a SQLite backup: {e}") from None
        Path(db["NAME"]).parent.mkdir(parents=True, exist_ok=True)
        # Copying into the live file through the API (not a file copy) keeps its
        # WAL and other connections consistent.
        _sqlite_copy(sqlite3.connect(path), sqlite3.connect(db["NAME"], timeout=_timeout(db)))
    else:
        if shutil.which("pg_restore") is None:
            raise BackupError("pg_restore is not installed")
        _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges",
              "--single-transaction", "--exit-on-error", *_pg_args(db), str(path)], db)


def is_empty(db: dict) -> bool:
    """True when no table holds rows, except those `migrate` fills by itself."""
    counts = table_counts(db)
    return not any(n for table, n in counts.items() if table not in MIGRATION_TABLES)


def table_counts(db: dict) -> dict[str, int]:
    """Rows per table of the database."""
    counts = {}
    with _connect(db) as cursor:
        for table in _tables(cursor, db):
            cursor.execute(f'SELECT count(*) FROM "{table}"')
            counts[table] = cursor.fetchone()[0]
    return counts


# -- helpers -------------------------------------------------------------------------------

def _sqlite_copy(source: sqlite3.Connection, target: sqlite3.Connection) -> None:
    """Copy `source` into `target` with SQLite's backup API, then close both."""
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()


def _is_sqlite(db: dict) -> bool:
    return db["ENGINE"].endswith("sqlite3")


def _timeout(db: dict) -> float:
    return float(db.get("OPTIONS", {}).get("timeout", 20))


def _tables(cursor, db: dict) -> list[str]:
    if _is_sqlite(db):
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                       "AND name NOT LIKE 'sqlite_%' ORDER BY name")
    else:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
                       "ORDER BY tablename")
    return [row[0] for row in cursor.fetchall()]


class _connect:
    """A cursor on a plain DB-API connection to `db`, closed on exit."""

    def __init__(self, db: dict) -> None:
        self.db = db

    def __enter__(self):
        if _is_sqlite(self.db):
            self.conn = sqlite3.connect(self.db["NAME"], timeout=_timeout(self.db))
        else:
            import psycopg

            self.conn = psycopg.connect(
                dbname=self.db["NAME"], user=self.db["USER"] or None,
                password=self.db["PASSWORD"] or None, host=self.db["HOST"] or None,
                port=self.db["PORT"] or None)
        return self.conn.cursor()

    def __exit__(self, *exc) -> None:
        self.conn.close()


def _pg_args(db: dict) -> list[str]:
    args = ["--dbname", db["NAME"]]
    if db.get("HOST"):
        args += ["--host", db["HOST"]]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    if db.get("USER"):
        args += ["--username", db["USER"]]
    return args + ["--no-password"]


def _run(command: list[str], db: dict) -> None:
    if shutil.which(command[0]) is None:
        raise BackupError(f"{command[0]} is not installed (it comes with PostgreSQL's "
                          "client package)")
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]  # not on the command line, where ps shows it
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()}")
