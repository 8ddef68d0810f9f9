"""Request bodies are bounded before anything parses them: small for signed-out
visitors (the CSRF-exempt subscribe form above all), larger for signed-in readers."""

import pytest
from django.test.client import encode_multipart

from paperwire.community.tests.conftest import make_user
from paperwire.digests.models import Subscriber

pytestmark = pytest.mark.django_db


def _multipart(size: int) -> bytes:
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("big.bin", b"x" * size)
    return encode_multipart("BoUnDaRy", {"email": "reader@example.org", "file": upload})


def test_it_refuses_a_20_mb_multipart_subscribe(client):
    response = client.post("/digests/subscribe", _multipart(20 * 1024 * 1024),
                           content_type="multipart/form-data; boundary=BoUnDaRy")
    assert response.status_code == 413
    assert b"at most 65,536 bytes" in response.content
    assert not Subscriber.objects.exists()


def test_it_refuses_large_bodies_on_every_signed_out_form(client):
    body = "email=reader%40example.org&password=" + "x" * 70_000
    for url in ("/digests/subscribe", "/login", "/signup", "/account/reset"):
        response = client.post(url, body, content_type="application/x-www-form-urlencoded")
        assert response.status_code == 413, url


def test_it_still_takes_a_small_subscribe(client, smtp):
    response = client.post("/digests/subscribe", {"email": "reader@example.org"})
    assert response.status_code == 302


def test_a_signed_in_reader_may_send_more_but_not_megabytes(client):
    client.force_login(make_user("reader@example.org", "Reader"))
    body = "body=" + "x" * 100_000
    response = client.post("/papers/2401.00001/comments", body,
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code != 413
    response = client.post("/papers/2401.00001/comments", "body=" + "x" * 2_000_000,
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413
