from pathlib import Path

import pytest

from paperwire import conf
from paperwire.conf import ConfigError, database_from_url, env_bool, env_float, env_int


@pytest.fixture(autouse=True)
def no_toml(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PAPERWIRE_CONFIG", raising=False)
    monkeypatch.setattr(conf, "_TOML", None)


def test_it_refuses_a_boolean_it_would_have_to_guess(monkeypatch):
    monkeypatch.setenv("PAPERWIRE_DEBUG", "yes")
    with pytest.raises(ConfigError, match="true or false"):
        env_bool("PAPERWIRE_DEBUG")


def test_it_reads_strict_numbers(monkeypatch):
    monkeypatch.setenv("PAPERWIRE_HTTP_RETRIES", "3")
    assert env_int("PAPERWIRE_HTTP_RETRIES") == 3
    monkeypatch.setenv("PAPERWIRE_HTTP_RETRIES", "three")
    with pytest.raises(ConfigError):
        env_int("PAPERWIRE_HTTP_RETRIES")
    monkeypatch.setenv("PAPERWIRE_ARXIV_DELAY", "-1")
    with pytest.raises(ConfigError):
        env_float("PAPERWIRE_ARXIV_DELAY")


def test_it_reads_the_toml_file_below_the_environment(monkeypatch, tmp_path):
    (tmp_path / "paperwire.toml").write_text('arxiv_delay = 7\nPAPERWIRE_HTTP_RETRIES = 9\n')
    monkeypatch.delenv("PAPERWIRE_ARXIV_DELAY", raising=False)
    monkeypatch.delenv("PAPERWIRE_HTTP_RETRIES", raising=False)
    assert env_float("PAPERWIRE_ARXIV_DELAY") == 7.0
    assert env_int("PAPERWIRE_HTTP_RETRIES") == 9
    monkeypatch.setenv("PAPERWIRE_HTTP_RETRIES", "2")
    assert env_int("PAPERWIRE_HTTP_RETRIES") == 2


def test_it_reads_a_secret_from_a_file(monkeypatch, tmp_path):
    secret = tmp_path / "key"
    secret.write_text("from-a-file\n")
    monkeypatch.delenv("PAPERWIRE_SECRET_KEY", raising=False)
    monkeypatch.setenv("PAPERWIRE_SECRET_KEY_FILE", str(secret))
    assert conf.env_str("PAPERWIRE_SECRET_KEY") == "from-a-file"


def test_it_generates_and_keeps_a_secret_key(monkeypatch, tmp_path):
    monkeypatch.delenv("PAPERWIRE_SECRET_KEY", raising=False)
    first = conf.secret_key(tmp_path / "data")
    assert len(first) > 40
    assert conf.secret_key(tmp_path / "data") == first
    assert (tmp_path / "data" / "secret_key").stat().st_mode & 0o077 == 0


def test_it_maps_database_urls():
    sqlite = database_from_url("", Path("/srv/pw"), 20)
    assert sqlite["ENGINE"] == "django.db.backends.sqlite3"
    assert sqlite["NAME"] == "/srv/pw/paperwire.sqlite3"
    assert "journal_mode=WAL" in sqlite["OPTIONS"]["init_command"]
    assert sqlite["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    pg = database_from_url("postgresql://u:p%40ss@db.example:6543/papers", Path("/x"), 20)
    assert (pg["NAME"], pg["USER"], pg["PASSWORD"], pg["HOST"], pg["PORT"]) == (
        "papers", "u", "p@ss", "db.example", "6543")
    assert database_from_url("sqlite:////tmp/x.db", Path("/x"), 5)["NAME"] == "/tmp/x.db"
    with pytest.raises(ConfigError):
        database_from_url("mysql://x/y", Path("/x"), 5)


def test_it_runs_sqlite_in_wal_mode_with_a_busy_timeout(db):
    from django.db import connection

    if connection.vendor != "sqlite":
        assert connection.vendor == "postgresql"
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0] == "wal"
        cursor.execute("PRAGMA busy_timeout")
        assert cursor.fetchone()[0] == 20_000
