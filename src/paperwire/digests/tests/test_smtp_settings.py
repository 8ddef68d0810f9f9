"""PAPERWIRE_SMTP_* become Django's EMAIL_* settings, strictly read."""

import json
import os
import subprocess
import sys

import pytest

from paperwire import conf
from paperwire.conf import ConfigError, env_choice

READ = ("import json, django; from django.conf import settings; django.setup(); "
        "print(json.dumps({k: getattr(settings, k) for k in ('EMAIL_HOST', 'EMAIL_PORT', "
        "'EMAIL_USE_TLS', 'EMAIL_USE_SSL', 'EMAIL_HOST_USER', 'EMAIL_HOST_PASSWORD', "
        "'EMAIL_TIMEOUT', 'DEFAULT_FROM_EMAIL', 'EMAIL_BACKEND')}))")


def _settings(tmp_path, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("PAPERWIRE_SMTP")}
    return subprocess.run(
        [sys.executable, "-c", READ], capture_output=True, text=True, cwd=tmp_path,
        env={**clean, "DJANGO_SETTINGS_MODULE": "paperwire.settings",
             "PAPERWIRE_DATA_DIR": str(tmp_path / "data"), **env})


def test_by_default_mail_is_not_set_up_and_goes_to_the_log(tmp_path):
    result = _settings(tmp_path)
    assert json.loads(result.stdout) == {
        "EMAIL_HOST": "", "EMAIL_PORT": 25, "EMAIL_USE_TLS": False,
        "EMAIL_USE_SSL": False, "EMAIL_HOST_USER": "", "EMAIL_HOST_PASSWORD": "",
        "EMAIL_TIMEOUT": 30.0, "DEFAULT_FROM_EMAIL": "paperwire <noreply@localhost>",
        "EMAIL_BACKEND": "paperwire.lib.mail.LogBackend"}


def test_a_host_sends_through_smtp_as_before(tmp_path):
    values = json.loads(_settings(tmp_path, PAPERWIRE_SMTP_HOST="localhost").stdout)
    assert values["EMAIL_HOST"] == "localhost" and values["EMAIL_PORT"] == 25
    assert values["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"


def test_tls_modes_credentials_and_a_password_file(tmp_path):
    secret = tmp_path / "smtp-password"
    secret.write_text("s3cret\n")
    result = _settings(tmp_path, PAPERWIRE_SMTP_HOST="smtp.example.org",
                       PAPERWIRE_SMTP_PORT="587", PAPERWIRE_SMTP_TLS="starttls",
                       PAPERWIRE_SMTP_USER="digests",
                       PAPERWIRE_SMTP_PASSWORD_FILE=str(secret))
    values = json.loads(result.stdout)
    assert (values["EMAIL_HOST"], values["EMAIL_PORT"]) == ("smtp.example.org", 587)
    assert (values["EMAIL_USE_TLS"], values["EMAIL_USE_SSL"]) == (True, False)
    assert (values["EMAIL_HOST_USER"], values["EMAIL_HOST_PASSWORD"]) == ("digests", "s3cret")
    values = json.loads(_settings(tmp_path, PAPERWIRE_SMTP_TLS="ssl").stdout)
    assert (values["EMAIL_USE_TLS"], values["EMAIL_USE_SSL"]) == (False, True)


def test_an_unknown_tls_mode_is_refused(monkeypatch, tmp_path):
    monkeypatch.setattr(conf, "_TOML", {})
    monkeypatch.setenv("PAPERWIRE_SMTP_TLS", "tls")
    with pytest.raises(ConfigError, match="none, starttls, ssl"):
        env_choice("PAPERWIRE_SMTP_TLS", ("none", "starttls", "ssl"))
    result = _settings(tmp_path, PAPERWIRE_SMTP_TLS="yes")
    assert result.returncode != 0 and "PAPERWIRE_SMTP_TLS must be one of" in result.stderr
