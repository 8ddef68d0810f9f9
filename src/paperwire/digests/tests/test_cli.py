"""`paperwire subscriber add`, `paperwire digest preview` and `paperwire digest send`,
run as subprocesses against the test database and a real SMTP server."""

from datetime import timedelta

import pytest
from django.utils import timezone

from paperwire.digests.models import Delivery, Subscriber
from paperwire.digests.tests.conftest import BASE_URL, make_paper, parts

pytestmark = pytest.mark.timeout(300)


@pytest.fixture
def paperwire(cli, smtp):
    """The `cli` runner, sending through the test's SMTP server."""
    cli.env.update({"PAPERWIRE_SMTP_HOST": "127.0.0.1", "PAPERWIRE_SMTP_PORT": str(smtp.port),
                    "PAPERWIRE_BASE_URL": BASE_URL})
    return cli


def test_add_preview_and_send_from_the_command_line(paperwire, smtp):
    yesterday = timezone.localdate() - timedelta(days=1)
    make_paper("2410.17243", yesterday, "Breaking the Memory Barrier", upvotes=7)

    paperwire("subscriber", "add", "Reader@Example.org", "--confirmed", "--frequency",
              "weekly", check=True)
    reader = Subscriber.objects.get()
    assert (reader.email, reader.status, reader.frequency) == ("reader@example.org",
                                                               "active", "weekly")
    result = paperwire("subscriber", "add", "new@example.org", check=True)
    assert "confirmation mail is on its way" in result.stderr
    [confirmation] = smtp.wait_for(1)
    assert confirmation["To"] == "new@example.org"
    assert paperwire("subscriber", "add", "not-an-address").returncode == 2

    shown = paperwire("digest", "preview", "reader@example.org", check=True).stdout
    assert shown.startswith("Subject: paperwire digest for ")
    assert "Breaking the Memory Barrier" in shown
    assert "<!doctype html>" in paperwire("digest", "preview", "reader@example.org",
                                          "--html", check=True).stdout

    dry = paperwire("digest", "send", "--period", "weekly", "--dry-run", check=True)
    assert "would build 1 digests for 1 subscribers" in dry.stderr
    assert not Delivery.objects.exists()

    sent = paperwire("digest", "send", "--period", "weekly", check=True)
    assert "built 1 digests" in sent.stderr and "sent 1," in sent.stderr
    digest = smtp.wait_for(2)[1]
    text, html = parts(digest)
    assert digest["To"] == "reader@example.org"
    assert "Breaking the Memory Barrier" in text and "Breaking the Memory Barrier" in html
    assert digest["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    again = paperwire("digest", "send", "--period", "weekly", check=True)
    assert "built 0 digests" in again.stderr and "sent 0," in again.stderr
    assert len(smtp.messages) == 2
    assert paperwire("digest", "send", "--period", "hourly").returncode == 2
