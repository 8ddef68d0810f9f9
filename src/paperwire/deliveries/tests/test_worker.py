"""The worker runs `deliver` on PAPERWIRE_DELIVERY_SCHEDULE."""

from __future__ import annotations

import pytest
from django.utils import timezone

from paperwire.deliveries.tests.conftest import make_destination, make_paper
from paperwire.schedule.jobs import configured_jobs

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_schedule_names_a_deliver_job(settings):
    settings.DELIVERY_SCHEDULE = "* * * * *"
    assert "deliver" in [job.name for job in configured_jobs()]
    settings.DELIVERY_SCHEDULE = ""
    assert "deliver" not in [job.name for job in configured_jobs()]


def test_worker_once_delivers_what_is_due(cli, alice, receiver):
    make_paper("2410.00001", timezone.localdate())
    make_destination(alice, receiver.url)
    cli.env["PAPERWIRE_DELIVERY_SCHEDULE"] = "* * * * *"
    result = cli("worker", "--once", check=True)
    assert "deliver" in result.stderr + result.stdout
    assert [r["json"]["paper"]["id"] for r in receiver.requests] == ["2410.00001"]
