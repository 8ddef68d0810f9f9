"""`paperwire backup` and `paperwire restore`: a backup of real data, restored into a
fresh database, holds the same rows, table by table."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import uuid
from datetime import date, datetime
from decimal import Decimal

import pytest
from django.db import connection

from paperwire.community.models import Comment, Vote
from paperwire.community.tests.conftest import make_user
from paperwire.digests.models import Subscriber
from paperwire.ingest.jsonl import jsonl_record
from paperwire.lib.backup import _connect, _tables
from paperwire.papers.models import Paper

pytestmark = pytest.mark.timeout(180)


def _value(value):
    if isinstance(value, (bytes, memoryview)):
        return bytes(value).hex()
    if isinstance(value, (datetime, date, Decimal)):
        return value.isoformat() if not isinstance(value, Decimal) else str(value)
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True)
    return value


def fingerprint(db: dict) -> dict[str, tuple[int, str]]:
    """(row count, checksum of the rows in a stable order) for every table."""
    result = {}
    with _connect(db) as cursor:
        for table in _tables(cursor, db):
            cursor.execute(f'SELECT * FROM "{table}"')
            rows = sorted(json.dumps([_value(v) for v in row], default=str)
                          for row in cursor.fetchall())
            digest = hashlib.sha256("\n".join(rows).encode()).hexdigest()
            result[table] = (len(rows), digest)
    return result


@pytest.fixture
def fresh_database(transactional_db, tmp_path):
    """A Django database dict for an empty database beside the test one."""
    db = dict(connection.settings_dict)
    if connection.vendor == "sqlite":
        db["NAME"] = str(tmp_path / "restored.sqlite3")
        yield db, f"sqlite:///{db['NAME']}"
        return
    import psycopg

    db["NAME"] = f"paperwire_restore_{uuid.uuid4().hex[:12]}"
    params = {"dbname": "postgres", "user": db["USER"] or None,
              "password": db["PASSWORD"] or None, "host": db["HOST"] or None,
              "port": db["PORT"] or None}
    with psycopg.connect(**params, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{db["NAME"]}"')
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    try:
        yield db, (f"postgresql://{auth}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/"
                   f"{db['NAME']}")
    finally:
        with psycopg.connect(**params, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{db["NAME"]}" WITH (FORCE)')


def _some_real_papers(shared_data, count: int = 120) -> None:
    lines = (shared_data / "hf-daily-papers-2023-12_2024-04.jsonl").read_text().splitlines()
    records = [json.loads(line) for line in lines if line.strip()][:count]
    Paper.objects.upsert_records([jsonl_record(r) for r in records])


def test_it_restores_a_backup_into_a_fresh_database(cli, shared_data, fresh_database,
                                                    tmp_path):
    _some_real_papers(shared_data)
    alice = make_user("alice@example.org", "Alice")
    paper = Paper.objects.order_by("pk").first()
    Vote.objects.create(user=alice, paper=paper)
    Comment.objects.create(user=alice, paper=paper, body="Does it hold at 70B?")
    Subscriber.objects.create(email="reader@example.org")
    original = fingerprint(connection.settings_dict)
    assert original["papers_paper"][0] == 120

    path = tmp_path / "backups" / "paperwire.backup"
    cli("backup", str(path), check=True)
    assert path.stat().st_size > 0

    fresh, url = fresh_database
    env = {**cli.env, "PAPERWIRE_DATABASE_URL": url}
    restored = subprocess.run([sys.executable, "-m", "paperwire", "restore", str(path)],
                              env=env, capture_output=True, text=True, timeout=120)
    assert restored.returncode == 0, restored.stderr
    copy = fingerprint(fresh)
    assert copy.keys() == original.keys()
    for table, (count, digest) in original.items():
        assert copy[table] == (count, digest), f"{table} differs after the restore"


def test_it_refuses_to_overwrite_a_database_with_data(cli, tmp_path):
    path = tmp_path / "paperwire.backup"
    cli("backup", str(path), check=True)
    Paper.objects.create(arxiv_id="2401.00001", title="Kept")

    refused = cli("restore", str(path))
    assert refused.returncode == 1
    assert "not empty" in refused.stderr and "--force" in refused.stderr
    assert Paper.objects.filter(arxiv_id="2401.00001").exists()

    cli("restore", str(path), "--force", check=True)
    assert not Paper.objects.exists()


def test_it_reports_a_missing_backup_file(cli, tmp_path):
    result = cli("restore", str(tmp_path / "nothing.backup"))
    assert result.returncode == 1
    assert "does not exist" in result.stderr
