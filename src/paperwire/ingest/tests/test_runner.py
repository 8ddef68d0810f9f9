import json

import pytest

from paperwire.ingest.models import MAX_REPORTED_SKIPS, IngestRun, IngestSkip
from paperwire.ingest.runner import Checkpoint, Skip, SourceError, run_ingest
from paperwire.ingest.snapshot import SnapshotSource
from paperwire.papers.models import Paper
from paperwire.papers.records import PaperRecord

pytestmark = pytest.mark.django_db

SNAPSHOT = "arxiv-metadata-snapshot-sample.jsonl"


class SnapshotThatBreaks(SnapshotSource):
    """The snapshot source, failing after `line` lines the way a bug or a full disk would.

    Same name and parameters as SnapshotSource, so a plain re-run resumes its run.
    """

    def __init__(self, path, line: int, error: BaseException) -> None:
        super().__init__(path)
        self.line, self.error = line, error
        self.cursors = []

    def items(self, cursor):
        self.cursors.append(cursor)
        for item in super().items(cursor):
            if isinstance(item, Checkpoint) and item.cursor["line"] == self.line:
                raise self.error
            yield item


class ListSource:
    """A source that yields the items it is given, and raises the exceptions."""

    name = "list"

    def __init__(self, *items, params=None) -> None:
        self._items = items
        self._params = params or {"list": 1}
        self.cursors = []

    def params(self) -> dict:
        return self._params

    def items(self, cursor):
        self.cursors.append(cursor)
        for item in self._items:
            if isinstance(item, BaseException):
                raise item
            yield item


def record(n: int) -> PaperRecord:
    return PaperRecord.build(arxiv_id=f"2401.{n:05d}", title=f"Paper {n}")


def test_it_resumes_a_crashed_run_from_its_cursor(shared_data):
    path = shared_data / SNAPSHOT
    broken = SnapshotThatBreaks(path, line=120, error=RuntimeError("disk on fire"))
    with pytest.raises(RuntimeError):
        run_ingest(broken, batch_size=50)

    run = IngestRun.objects.get()
    assert run.status == IngestRun.INTERRUPTED
    assert run.error == "RuntimeError: disk on fire"
    # Two whole batches are stored; the 20 records of the third were in flight.
    assert Paper.objects.count() == run.new == 100
    assert run.cursor["line"] == 100

    again = SnapshotThatBreaks(path, line=0, error=AssertionError("not reached"))
    result = run_ingest(again, batch_size=50)
    assert again.cursors == [run.cursor]
    assert result.run.pk == run.pk
    assert result.run.status == IngestRun.FINISHED
    assert result.run.error == ""
    assert (result.run.new, result.run.updated, result.run.unchanged) == (200, 0, 0)
    assert Paper.objects.count() == 200
    assert sorted(Paper.objects.values_list("arxiv_id", flat=True)) == \
        [f"0704.{n:04d}" for n in range(1, 201)]


def test_it_keeps_what_was_stored_when_a_source_gives_up(shared_data):
    broken = SnapshotThatBreaks(shared_data / SNAPSHOT, line=75,
                                error=SourceError("the disk went away"))
    result = run_ingest(broken, batch_size=50)
    assert result.ok
    assert result.run.status == IngestRun.INTERRUPTED
    assert result.run.error == "the disk went away"
    # What was read before the source gave up is stored, the partial batch included.
    assert Paper.objects.count() == result.run.new == 75
    assert result.run.cursor["line"] == 74


def test_it_fails_a_run_that_stored_nothing():
    result = run_ingest(ListSource(Skip("line 1", "bad"), SourceError("unreachable")))
    assert not result.ok
    assert result.run.status == IngestRun.FAILED


def test_it_fails_a_run_whose_every_input_was_bad(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text("{\n[]\n")
    result = run_ingest(SnapshotSource(path))
    assert not result.ok
    assert result.run.status == IngestRun.FINISHED
    assert result.run.skipped == 2


def test_it_counts_an_empty_source_as_a_success(tmp_path):
    path = tmp_path / "empty.jsonl"
    path.write_text("")
    assert run_ingest(SnapshotSource(path)).ok


def test_it_starts_afresh_after_a_finished_run(tmp_path):
    path = tmp_path / "one.jsonl"
    path.write_text(json.dumps({"id": "0704.0001", "title": "T"}) + "\n")
    first = run_ingest(SnapshotSource(path)).run
    second = run_ingest(SnapshotSource(path)).run
    assert first.pk != second.pk
    assert (second.new, second.unchanged) == (0, 1)


def test_it_starts_afresh_when_asked_to():
    IngestRun.objects.create(source="list", params={"list": 1}, cursor={"at": 1},
                             status=IngestRun.INTERRUPTED)
    source = ListSource(record(1))
    run = run_ingest(source, resume=False).run
    assert source.cursors == [None]
    assert IngestRun.objects.count() == 2
    assert run.status == IngestRun.FINISHED


def test_it_resumes_only_a_run_with_the_same_parameters():
    IngestRun.objects.create(source="list", params={"list": 1}, cursor={"at": 1},
                             status=IngestRun.INTERRUPTED)
    other = ListSource(record(1), params={"list": 2})
    run_ingest(other)
    assert other.cursors == [None]

    same = ListSource(record(1), params={"list": 1})
    run_ingest(same)
    assert same.cursors == [{"at": 1}]


def test_it_does_not_resume_a_run_that_stopped_before_its_first_checkpoint():
    IngestRun.objects.create(source="list", params={"list": 1}, status=IngestRun.INTERRUPTED)
    source = ListSource(record(1))
    run = run_ingest(source).run
    assert source.cursors == [None]
    assert IngestRun.objects.count() == 2
    assert run.new == 1


def test_it_stores_a_batch_at_a_commit_checkpoint():
    stored_at_checkpoint = []

    class Source(ListSource):
        def items(self, cursor):
            yield record(1)
            yield Checkpoint({"page": 1}, commit=True)
            stored_at_checkpoint.append(Paper.objects.count())
            yield record(2)

    run = run_ingest(Source()).run
    assert stored_at_checkpoint == [1]
    assert run.cursor == {"page": 1}
    assert run.new == 2


def test_it_stores_every_skip_reason_and_keeps_the_first_hundred_on_the_run():
    skips = [Skip(f"line {n}", f"bad {n}") for n in range(1, 151)]
    run = run_ingest(ListSource(*skips, record(1))).run
    run.refresh_from_db()
    assert run.skipped == 150
    assert len(run.skip_reasons) == MAX_REPORTED_SKIPS
    assert run.skip_reasons[-1] == {"where": "line 100", "reason": "bad 100"}
    assert list(run.skips.values_list("where", "reason")) == \
        [(f"line {n}", f"bad {n}") for n in range(1, 151)]


def test_it_stores_skips_in_batches_when_no_record_comes():
    # A file of nothing but bad lines: its skips are stored as they come, not held.
    stored = []

    class Source(ListSource):
        def items(self, cursor):
            for n in range(1, 8):
                yield Skip(f"line {n}", "bad")
                yield Checkpoint(n)
                stored.append(IngestSkip.objects.count())

    run_ingest(Source(), batch_size=3)
    assert stored == [0, 0, 3, 3, 3, 6, 6]
    assert IngestSkip.objects.count() == 7


def test_it_stores_a_full_batch_with_the_checkpoint_that_follows_it():
    # So the cursor stored with a batch covers every record in it.
    stored = []
    source = ListSource(record(1), record(2), Checkpoint(2), record(3), Checkpoint(3))
    run_ingest(source, batch_size=1,
               after_batch=lambda pks: stored.append((len(pks), IngestRun.objects.get().cursor)))
    assert stored == [(2, 2), (1, 3)]


def test_it_hands_each_stored_batch_to_after_batch():
    batches = []
    source = ListSource(record(1), Checkpoint(1), record(2), Checkpoint(2), record(3),
                        Checkpoint(3))
    run_ingest(source, batch_size=2, after_batch=batches.append)
    assert [len(b) for b in batches] == [2, 1]
    assert sorted(pk for b in batches for pk in b) == \
        sorted(Paper.objects.values_list("pk", flat=True))


def test_it_reports_progress_after_each_batch():
    seen = []

    class Progress:
        def update(self, run, done, total):
            seen.append((run.stored, done, total))

    source = ListSource(record(1), Checkpoint(1, done=1, total=2), record(2),
                        Checkpoint(2, done=2, total=2))
    run_ingest(source, batch_size=1, progress=Progress())
    assert seen[-1] == (2, 2, 2)
