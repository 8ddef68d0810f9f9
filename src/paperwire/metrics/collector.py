"""What the database knows, read at scrape time: one scrape, a handful of GROUP BYs.

Every process sees the same database, so these need no multiprocess files, and they
are right even for work done by processes that have since exited (`paperwire ingest`
run from cron, a `paperwire worker`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

from django.db import DatabaseError
from django.db.models import Count, Max, Sum
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

log = logging.getLogger(__name__)


class DatabaseCollector:
    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("paperwire_database_up",
                               "1 when the database answered this scrape, else 0.")
        try:
            metrics = list(self._from_database())
        except DatabaseError as e:
            log.warning("metrics: the database did not answer: %s", e)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from metrics

    def _from_database(self) -> Iterator[Metric]:
        from django_tasks_db.models import DBTaskResult

        from paperwire.digests.models import Delivery
        from paperwire.ingest.models import IngestRun
        from paperwire.papers.models import Paper
        from paperwire.search.embeddings import model_key
        from paperwire.search.models import PaperEmbedding

        papers = Paper.objects.count()
        gauge = GaugeMetricFamily("paperwire_papers", "Papers stored.")
        gauge.add_metric([], papers)
        yield gauge
        backlog = GaugeMetricFamily(
            "paperwire_embedding_backlog",
            "Papers with no vector from the configured embedding model yet.")
        backlog.add_metric([], max(0, papers - PaperEmbedding.objects.for_model(
            model_key()).count()))
        yield backlog

        runs = GaugeMetricFamily("paperwire_ingest_runs", "Ingest runs, by source and status.",
                                 labels=["source", "status"])
        records = CounterMetricFamily(
            "paperwire_ingest_records",
            "Records ingest runs have read, by source and outcome (new, updated, "
            "unchanged, skipped).", labels=["source", "outcome"])
        last = GaugeMetricFamily(
            "paperwire_ingest_last_finished_timestamp_seconds",
            "When the latest finished ingest run of each source ended (Unix time).",
            labels=["source"])
        totals: dict[str, dict[str, int]] = {}
        for row in (IngestRun.objects.values("source", "status").order_by()
                    .annotate(runs=Count("pk"), new=Sum("new"), updated=Sum("updated"),
                              unchanged=Sum("unchanged"), skipped=Sum("skipped"))):
            runs.add_metric([row["source"], row["status"]], row["runs"])
            source = totals.setdefault(row["source"], dict.fromkeys(
                ("new", "updated", "unchanged", "skipped"), 0))
            for outcome in source:
                source[outcome] += row[outcome] or 0
        for source, outcomes in sorted(totals.items()):
            for outcome, n in outcomes.items():
                records.add_metric([source, outcome], n)
        for row in (IngestRun.objects.filter(status=IngestRun.FINISHED).values("source")
                    .order_by().annotate(at=Max("finished_at"))):
            if row["at"] is not None:
                last.add_metric([row["source"]], row["at"].timestamp())
        yield runs
        yield records
        yield last

        outbox = GaugeMetricFamily("paperwire_outbox_digests",
                                   "Digests in the outbox, by status.", labels=["status"])
        by_status = dict.fromkeys((s for s, _ in Delivery.STATUSES), 0)
        by_status.update(Delivery.objects.values_list("status").order_by()
                         .annotate(n=Count("pk")))
        for status, n in by_status.items():
            outbox.add_metric([status], n)
        yield outbox

        depth = GaugeMetricFamily("paperwire_task_queue_depth",
                                  "Background tasks due and waiting for a worker, by queue.",
                                  labels=["queue"])
        running = GaugeMetricFamily("paperwire_tasks_running",
                                    "Background tasks a worker is running, by queue.",
                                    labels=["queue"])
        ready = dict(DBTaskResult.objects.ready().values_list("queue_name").order_by()
                     .annotate(n=Count("pk")))
        busy = dict(DBTaskResult.objects.running().values_list("queue_name").order_by()
                    .annotate(n=Count("pk")))
        for queue in sorted({*ready, *busy, "default"}):
            depth.add_metric([queue], ready.get(queue, 0))
            running.add_metric([queue], busy.get(queue, 0))
        yield depth
        yield running
