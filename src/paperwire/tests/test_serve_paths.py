"""`paperwire serve` for a newcomer: a busy port is named with the way out, no control
socket is shared between instances, and with no PAPERWIRE_BASE_URL the links follow
the address the site was served on."""

from __future__ import annotations

import re
import socket
import time

import httpx
import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django_tasks_db.models import DBTaskResult

from paperwire.benchmarks.soak import Server
from paperwire.cli.server import link_base, port_problem
from paperwire.community.tests.conftest import PASSWORD
from paperwire.tests.workers import report_site_url

pytestmark = pytest.mark.timeout(180)


def test_a_busy_port_says_so_and_names_the_option(cli):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        started = time.monotonic()
        result = cli("serve", "--port", str(port), "--no-worker")
    assert result.returncode == 1
    assert f"port {port} on 127.0.0.1 is already in use" in result.stderr
    assert f"`paperwire serve --port {port + 1}`" in result.stderr
    assert "Traceback" not in result.stderr
    assert time.monotonic() - started < 60  # no gunicorn retries (a bound, not a timing)


def test_a_free_port_has_no_problem_and_a_wildcard_links_to_the_machine():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    assert port_problem("127.0.0.1", port) == ""
    assert link_base("127.0.0.1", 8001) == "http://127.0.0.1:8001"
    assert link_base("0.0.0.0", 8000) == f"http://{socket.gethostname()}:8000"
    assert link_base("::1", 8000) == "http://[::1]:8000"


def test_links_follow_the_served_address_and_no_control_socket_is_made(cli, tmp_path):
    env = {key: value for key, value in cli.env.items()
           if key not in ("PAPERWIRE_SMTP_HOST", "XDG_RUNTIME_DIR")}
    # Empty, as a newcomer has it (the test settings would otherwise fill it in).
    env.update({"PAPERWIRE_BASE_URL": "", "HOME": str(tmp_path / "home")})
    with Server(env, tmp_path / "serve.log", "--workers", "1") as server:
        server.wait_ready()
        # A page's mail: the request's address (mail is not set up: the log has it).
        response = httpx.post(f"{server.base_url}/digests/subscribe",
                              data={"email": "erin@example.org", "frequency": "daily"})
        assert response.status_code == 302
        assert response.headers["location"] == "/digests/subscribe/sent?mail=logged"
        deadline = time.monotonic() + 30
        while "-- end of message" not in server.output():
            assert time.monotonic() < deadline, server.output()
            time.sleep(0.2)
        assert f"{server.base_url}/digests/confirm/" in server.output()
        assert "localhost:8000" not in server.output()

        # The worker's mail: the host and port serve was started with.
        result = report_site_url.enqueue()
        while DBTaskResult.objects.get(pk=result.id).status != "SUCCESSFUL":
            assert time.monotonic() < deadline + 60, server.output()
            time.sleep(0.2)
        assert DBTaskResult.objects.get(pk=result.id).return_value == server.base_url

        assert not (tmp_path / "home" / ".gunicorn").exists()
        assert "control" not in server.output().lower(), server.output()


@pytest.mark.django_db
def test_without_a_base_url_sign_up_links_use_the_request_address(client, settings):
    settings.BASE_URL = ""
    client.post("/signup", {"email": "dana@example.org", "display_name": "Dana",
                            "password": PASSWORD})
    assert re.search(r"http://testserver/account/verify/\S+", mail.outbox[0].body)
    html = mail.outbox[0].alternatives[0].content
    assert 'href="http://testserver/account/verify/' in html


@pytest.mark.django_db
def test_a_wildcard_host_never_puts_the_request_address_in_mail(client, settings):
    settings.BASE_URL = ""
    settings.ALLOWED_HOSTS = ["*"]
    client.post("/signup", {"email": "dana@example.org", "display_name": "Dana",
                            "password": PASSWORD}, HTTP_HOST="evil.example")
    body = mail.outbox[0].body
    assert "evil.example" not in body and "http://127.0.0.1:8000/account/verify/" in body
    assert get_user_model().objects.filter(username="dana@example.org").exists()
