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
    # init also writes the ONNX files (papers' float32, queries' int8), so no server
    # start builds them.
    models = sorted((tmp_path / "models").glob("*.onnx"), key=lambda p: "-int8-" in p.name)
    assert len(models) == 2 and "-int8-" in models[1].name
    assert all(model.stat().st_mode & 0o777 == 0o600 for model in models)
    result = _paperwire(tmp_path, "stats", "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["papers"] == 0


def test_serve_gives_its_web_processes_one_blas_thread(monkeypatch):
    from types import SimpleNamespace

    from paperwire.cli import SERVE_BLAS_THREADS, _root

    monkeypatch.delenv(SERVE_BLAS_THREADS, raising=False)
    monkeypatch.delenv("PAPERWIRE_SERVE_SET_BLAS_THREADS", raising=False)
    _root(SimpleNamespace(invoked_subcommand="search"))
    assert SERVE_BLAS_THREADS not in os.environ

    _root(SimpleNamespace(invoked_subcommand="serve"))
    assert os.environ[SERVE_BLAS_THREADS] == "1"


def test_serve_keeps_a_blas_thread_count_given(monkeypatch):
    from types import SimpleNamespace

    from paperwire.cli import SERVE_BLAS_THREADS, _root

    monkeypatch.setenv(SERVE_BLAS_THREADS, "2")
    monkeypatch.delenv("PAPERWIRE_SERVE_SET_BLAS_THREADS", raising=False)
    _root(SimpleNamespace(invoked_subcommand="serve"))
    assert os.environ[SERVE_BLAS_THREADS] == "2"
    assert "PAPERWIRE_SERVE_SET_BLAS_THREADS" not in os.environ
