"""The `paperwire` command on a data dir that has no database yet."""

from __future__ import annotations

import json
import os
import subprocess
import sys


def _paperwire(tmp_path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PAPERWIRE_DATA_DIR": str(tmp_path), "PAPERWIRE_DATABASE_URL": ""}
    return subprocess.run([sys.executable, "-m", "paperwire", *args], env=env,
                          capture_output=True, text=True, timeout=120)


def test_it_says_to_run_init_before_anything_needs_the_tables(tmp_path):
    result = _paperwire(tmp_path, "stats")
    assert result.returncode == 1
    assert "run `paperwire init` first" in result.stderr
    assert "Traceback" not in result.stderr

    assert _paperwire(tmp_path, "init").returncode == 0
    # init also writes the query model's ONNX file, so no server start builds it.
    (model,) = (tmp_path / "models").glob("*.onnx")
    assert model.stat().st_mode & 0o777 == 0o600
    result = _paperwire(tmp_path, "stats", "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["papers"] == 0
