"""Drive one source into the database: batches, counts, resume cursor, progress.

A source is an iterator of PaperRecord, Skip and Checkpoint items. The runner stores
records in batches, each in its own transaction together with the run's counts and the
last checkpoint seen, so a crash loses at most the batch in flight and a re-run with the
same parameters continues from the stored cursor. A full batch is stored at the next
checkpoint, so that the stored cursor accounts for every stored record: a re-run reads
no record twice.

A running run is a lock on its source and parameters (IngestRun.objects.start): a second
process refuses with RunInProgress while the first one's heartbeat, written with each
batch and at least every HEARTBEAT_EVERY, is fresh, and resumes the run once it is stale.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from django.db import connection, transaction
from django.utils import timezone

from paperwire.ingest.models import (
    HEARTBEAT_EVERY,
    IngestRun,
    IngestSkip,
    RunTakenOver,
)
from paperwire.papers.models import Paper, pks_by_arxiv_id
from paperwire.papers.records import PaperRecord
from paperwire.search.lexical import index_pending

log = logging.getLogger(__name__)
DEFAULT_BATCH = 1_000


@dataclass
class Skip:
    """An input that could not become a paper, and why."""

    where: str
    reason: str


@dataclass
class Checkpoint:
    """Every item before this one is accounted for; `cursor` resumes after it.

    `commit=True` asks the runner to store the batch now (network sources do this per
    page, so a page is never half-stored when they stop).
    """

    cursor: Any
    commit: bool = False
    total: int | None = None  # how much work there is, in the unit of `done`
    done: int | None = None


class SourceError(Exception):
    """The source cannot go on (unreachable, or an unrecoverable protocol error)."""


Item = PaperRecord | Skip | Checkpoint


class Source(Protocol):
    name: str

    def params(self) -> dict: ...

    def items(self, cursor: Any) -> Iterator[Item]: ...


class Progress(Protocol):
    def update(self, run: IngestRun, done: int | None, total: int | None) -> None: ...


@dataclass
class RunResult:
    run: IngestRun

    @property
    def ok(self) -> bool:
        """False only when nothing at all could be read."""
        r = self.run
        return r.stored > 0 or (r.skipped == 0 and not r.error)


def _fewer_checkpoints() -> None:
    """Let this connection's WAL grow to ~40 MB between checkpoints (default ~4 MB).

    A batch touches index pages all over the file; checkpointing every 1,000 pages
    copied the same pages back again and again (39 ms a commit at 200k papers). Other
    connections keep the default, and the WAL is still checkpointed and reset.
    """
    if connection.vendor == "sqlite":
        with connection.cursor() as c:
            c.execute("PRAGMA wal_autocheckpoint=10000")


def run_ingest(
    source: Source,
    *,
    batch_size: int = DEFAULT_BATCH,
    resume: bool = True,
    progress: Progress | None = None,
    after_batch: Callable[[list[int]], None] | None = None,
) -> RunResult:
    """Run `source` into the database; raise RunInProgress while another process runs
    the same source with the same parameters (its heartbeat is fresh)."""
    run = IngestRun.objects.start(source.name, source.params(), resume=resume)
    if run.cursor is not None:
        log.info("resuming %s from %r", run, run.cursor)

    _fewer_checkpoints()
    pending: list[PaperRecord] = []
    skips: list[IngestSkip] = []
    cursor = run.cursor
    done = total = None

    def flush() -> None:
        with transaction.atomic():
            if pending:
                counts = Paper.objects.upsert_records(pending)
                # Full-text index the batch in one statement, in its transaction.
                index_pending()
                run.new += counts.new
                run.updated += counts.updated
                run.unchanged += counts.unchanged
            IngestSkip.objects.bulk_create(skips)
            run.cursor = cursor
            # Last, so a run another process took over rolls this batch back.
            run.save_fenced()
        if after_batch is not None and pending:
            after_batch(list(pks_by_arxiv_id({r.arxiv_id for r in pending}).values()))
        pending.clear()
        skips.clear()
        if progress is not None:
            progress.update(run, done, total)

    try:
        for item in source.items(run.cursor):
            if isinstance(item, PaperRecord):
                pending.append(item)
            elif isinstance(item, Skip):
                skips.append(run.note_skip(item.where, item.reason))
                log.warning("skipped %s: %s", item.where, item.reason)
            else:
                cursor = item.cursor
                done = item.done if item.done is not None else done
                total = item.total if item.total is not None else total
                # A checkpoint is where the stored cursor may move: store the batch
                # when it is full, asked for, or overdue for a heartbeat.
                if (item.commit or len(pending) + len(skips) >= batch_size
                        or timezone.now() - run.heartbeat_at >= HEARTBEAT_EVERY):
                    flush()
        flush()
    except RunTakenOver:
        log.error("%s: another process resumed it; stopping", run)
        raise
    except SourceError as e:
        # Store what was read before the source gave up; a re-run resumes from here.
        flush()
        run.error = str(e)[:2000]
        run.status = IngestRun.INTERRUPTED if run.stored else IngestRun.FAILED
        log.error("%s stopped: %s", source.name, e)
    except BaseException as e:
        # Ctrl-C or a bug: the batches already stored stay; the cursor says where.
        run.error = f"{type(e).__name__}: {e}"[:2000]
        run.status = IngestRun.INTERRUPTED
        run.finished_at = timezone.now()
        with contextlib.suppress(RunTakenOver):
            run.save_fenced()
        raise
    else:
        run.status = IngestRun.FINISHED
    run.finished_at = timezone.now()
    run.save_fenced()
    return RunResult(run)
