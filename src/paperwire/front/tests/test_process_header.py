"""PAPERWIRE_PROCESS_HEADER: responses name the process that answered only when asked
(search/tests/test_web_workers.py relies on it to tell gunicorn workers apart)."""

import os

import pytest

pytestmark = pytest.mark.django_db


def test_it_names_no_process_by_default(client):
    assert "X-Paperwire-Process" not in client.get("/health").headers


def test_it_names_the_process_when_asked(client, settings):
    settings.MIDDLEWARE = ["paperwire.front.middleware.ProcessHeaderMiddleware",
                           *settings.MIDDLEWARE]
    assert client.get("/health").headers["X-Paperwire-Process"] == str(os.getpid())
    assert client.get("/nowhere").headers["X-Paperwire-Process"] == str(os.getpid())
