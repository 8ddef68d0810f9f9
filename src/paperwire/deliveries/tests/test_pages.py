"""The Deliveries page: list, add (validated), delete, pause/resume, "send a test
message" through the real transport; another reader's destination is a 404 on every
route."""

from __future__ import annotations

import pytest
from django.test import Client

from paperwire.deliveries.models import Destination
from paperwire.deliveries.tests.conftest import make_destination

pytestmark = pytest.mark.django_db(transaction=True)


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_it_needs_a_login():
    response = Client().get("/deliveries")
    assert response.status_code == 302 and "/login" in response["Location"]


def test_it_lists_destinations_with_last_delivery_error_and_pause_reason(alice):
    make_destination(alice, "https://hooks.slack.com/services/T0/B0/secret-token",
                     kind="slack", feed="topic:graph <b>neural</b>")
    paused = make_destination(alice, "http://127.0.0.1:9/", last_error="HTTP 503",
                              failures=3)
    paused.pause("Paused after 3 failed tries in a row; the last: HTTP 503")
    page = _client(alice).get("/deliveries").content.decode()
    assert "Slack incoming webhook" in page and "Topic “graph &lt;b&gt;neural&lt;/b&gt;”" in page
    assert "secret-token" not in page and "https://hooks.slack.com/…" in page
    assert "Paused after 3 failed tries in a row; the last: HTTP 503" in page
    assert "Last delivery: none yet" in page and "HTTP 503" in page
    assert "Resume" in page and "Send a test message" in page


def test_it_adds_a_destination_and_shows_the_secret_once(alice):
    client = _client(alice)
    response = client.post("/deliveries", {"kind": "webhook", "url": "http://127.0.0.1:9/",
                                           "feed": "daily", "schedule": "daily"})
    assert response.status_code == 200
    destination = Destination.objects.get()
    assert destination.secret in response.content.decode()
    assert destination.secret not in client.get("/deliveries").content.decode()


@pytest.mark.parametrize("data,why", [
    ({"kind": "webhook", "url": "http://127.0.0.1:9/", "feed": "nope",
      "schedule": "daily"}, "The feed is"),
    ({"kind": "webhook", "url": "gopher://x/", "feed": "daily", "schedule": "daily"},
     "https://"),
    ({"kind": "pager", "url": "http://127.0.0.1:9/", "feed": "daily", "schedule": "daily"},
     "Select a valid choice"),
])
def test_it_refuses_a_bad_destination_saying_why(alice, data, why):
    response = _client(alice).post("/deliveries", data)
    assert response.status_code == 422 and why in response.content.decode()
    assert not Destination.objects.exists()


def test_it_refuses_a_nul_in_the_form_before_the_view(alice):
    # The one input gate (front/inputs.py) answers before the form is read.
    response = _client(alice).post("/deliveries", {
        "kind": "webhook", "url": "http://127.0.0.1:9/\x00", "feed": "daily",
        "schedule": "daily"})
    assert response.status_code == 400 and "NUL" in response.content.decode()
    assert not Destination.objects.exists()


def test_it_pauses_resumes_and_deletes(alice):
    destination = make_destination(alice, "http://127.0.0.1:9/")
    client = _client(alice)
    client.post(f"/deliveries/{destination.pk}/pause")
    destination.refresh_from_db()
    assert destination.is_paused and destination.paused_reason == "Paused by you."
    client.post(f"/deliveries/{destination.pk}/pause", {"resume": "1"})
    destination.refresh_from_db()
    assert not destination.is_paused
    assert client.get(f"/deliveries/{destination.pk}/delete").status_code == 405
    client.post(f"/deliveries/{destination.pk}/delete")
    assert not Destination.objects.exists()


def test_a_test_message_goes_through_the_transport_and_shows_the_result(
        alice, receiver):
    destination = make_destination(alice, receiver.url)
    response = _client(alice).post(f"/deliveries/{destination.pk}/test", follow=True)
    assert "Test message: Delivered." in response.content.decode()
    request, = receiver.requests
    assert receiver.bad_signatures == 0
    assert request["json"]["event"] == "test"
    assert request["headers"]["x-paperwire-delivery"].startswith("test-")
    receiver.answers = [(500, "boom", {})]
    response = _client(alice).post(f"/deliveries/{destination.pk}/test", follow=True)
    assert "Test message: Not delivered: HTTP 500" in response.content.decode()
    destination.refresh_from_db()
    assert destination.last_test_result == "Not delivered: HTTP 500"


def test_another_reader_gets_404_on_every_route(alice, bob, receiver):
    destination = make_destination(alice, receiver.url)
    client = _client(bob)
    assert "127.0.0.1" not in client.get("/deliveries").content.decode()
    for action in ("delete", "pause", "test"):
        assert client.post(f"/deliveries/{destination.pk}/{action}").status_code == 404
    destination.refresh_from_db()
    assert not destination.is_paused and receiver.requests == []


def test_the_admin_lists_destinations(alice):
    from paperwire.community.tests.conftest import make_user

    admin = make_user("root@example.org", "Root", admin=True)
    make_destination(alice, "http://127.0.0.1:9/", last_error="HTTP 503")
    client = _client(admin)
    page = client.get("/admin/deliveries/destination/").content.decode()
    assert "HTTP 503" in page
    assert client.get("/admin/deliveries/send/").status_code == 200
