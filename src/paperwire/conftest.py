"""Fixtures shared by every app's tests."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

SHARED_DATA = Path(os.environ.get(
    "PAPERWIRE_SHARED_DATA", Path(__file__).resolve().parents[3] / "shared" / "data"))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """../shared/data: real paper metadata, read in place, never copied."""
    if not SHARED_DATA.is_dir():
        pytest.fail(f"shared data not found at {SHARED_DATA}; set PAPERWIRE_SHARED_DATA")
    return SHARED_DATA


def database_url_for_subprocess() -> str:
    """A PAPERWIRE_DATABASE_URL naming the database this test run uses."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgresql://{auth}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def cli(transactional_db, tmp_path):
    """Run `paperwire …` in a subprocess against the test database."""
    env = {**os.environ, "PAPERWIRE_DATABASE_URL": database_url_for_subprocess(),
           "PAPERWIRE_DATA_DIR": str(tmp_path / "data")}

    def run(*args: str, check: bool = False, **kwargs) -> subprocess.CompletedProcess:
        result = subprocess.run([sys.executable, "-m", "paperwire", *args], env=env,
                                capture_output=True, text=True, timeout=300, **kwargs)
        if check and result.returncode != 0:
            raise AssertionError(f"paperwire {args} failed:\n{result.stdout}\n{result.stderr}")
        return result

    run.env = env
    return run
