"""Strict-Transport-Security: sent with an https base URL, never with an http one."""

import pytest

pytestmark = pytest.mark.django_db


def test_it_sends_hsts_with_an_https_base_url(client, settings):
    settings.BASE_URL = "https://papers.example.org"
    settings.HSTS_SECONDS = 31536000
    for url in ("/", "/health", "/api/daily_papers", "/no-such-page"):
        response = client.get(url)
        assert response.headers["Strict-Transport-Security"] == "max-age=31536000", url


def test_it_takes_its_max_age_from_the_setting(client, settings):
    settings.BASE_URL = "https://papers.example.org"
    settings.HSTS_SECONDS = 600
    assert client.get("/").headers["Strict-Transport-Security"] == "max-age=600"


def test_it_sends_no_hsts_with_an_http_base_url_or_a_zero_max_age(client, settings):
    settings.BASE_URL = "http://localhost:8000"
    settings.HSTS_SECONDS = 31536000
    assert "Strict-Transport-Security" not in client.get("/").headers
    settings.BASE_URL = "https://papers.example.org"
    settings.HSTS_SECONDS = 0
    assert "Strict-Transport-Security" not in client.get("/").headers
