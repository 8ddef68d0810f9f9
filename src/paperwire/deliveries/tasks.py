"""Background work for deliveries, run by `paperwire worker` on PAPERWIRE_DELIVERY_SCHEDULE."""

from __future__ import annotations

import logging

from django_tasks import task

log = logging.getLogger(__name__)


@task()
def deliver() -> dict:
    """Read the due destinations' feeds into the outbox, then send what is due."""
    from paperwire.deliveries.outbox import collect_due, send_due

    collected = collect_due()
    report = send_due()
    if report.sent or report.failed or collected.items:
        log.info("deliveries: %d new items from %d feeds; sent %d, deferred %d, failed %d, "
                 "unknown %d", collected.items, collected.destinations, report.sent,
                 report.deferred, report.failed, report.unknown)
    return {"collected": collected.items, "sent": report.sent, "deferred": report.deferred,
            "failed": report.failed, "unknown": report.unknown}
