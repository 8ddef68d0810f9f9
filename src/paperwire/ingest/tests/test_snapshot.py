import gzip
import json
from collections import Counter
from datetime import UTC, datetime

import pytest

from paperwire.ingest.models import IngestRun
from paperwire.ingest.runner import Skip, run_ingest
from paperwire.ingest.snapshot import SnapshotSource
from paperwire.papers.models import Paper, PaperAuthor
from paperwire.papers.records import PaperRecord

SNAPSHOT = "arxiv-metadata-snapshot-sample.jsonl"


@pytest.fixture(scope="module")
def snapshot_records(shared_data) -> dict[str, PaperRecord]:
    items = list(SnapshotSource(shared_data / SNAPSHOT).items(None))
    assert not [i for i in items if isinstance(i, Skip)]
    return {i.arxiv_id: i for i in items if isinstance(i, PaperRecord)}


def snapshot_line(**fields) -> str:
    """One snapshot record, shaped like the real ones."""
    record = {
        "id": "0704.0002", "submitter": "Louis Theran",
        "authors": "Ileana Streinu and Louis Theran",
        "title": "Sparsity-certifying Graph Decompositions", "comments": None,
        "journal-ref": None, "doi": None, "report-no": None, "categories": "math.CO cs.CG",
        "license": None, "abstract": "  We describe a new algorithm.\n",
        "versions": [{"version": "v1", "created": "Sat, 31 Mar 2007 02:26:18 GMT"}],
        "update_date": "2008-12-13",
        "authors_parsed": [["Streinu", "Ileana", ""], ["Theran", "Louis", ""]],
        **fields,
    }
    return json.dumps(record) + "\n"


def test_it_reads_every_record_of_the_sample(snapshot_records):
    assert len(snapshot_records) == 200
    assert min(snapshot_records) == "0704.0001"
    assert max(snapshot_records) == "0704.0200"


def test_it_reads_a_record(snapshot_records):
    paper = snapshot_records["0704.0001"]
    assert paper.title == ("Calculation of prompt diphoton production cross sections at "
                           "Tevatron and LHC energies")
    assert paper.version == 2
    assert paper.published_at == datetime(2007, 4, 2, 19, 18, 42, tzinfo=UTC)
    assert paper.updated_at == datetime(2007, 7, 24, 20, 10, 27, tzinfo=UTC)
    # From authors_parsed, which spells "Bal\\'azs" as "Balázs".
    assert paper.authors == ["C. Balázs", "E. L. Berger", "P. M. Nadolsky", "C. -P. Yuan"]
    assert (paper.categories, paper.primary_category) == (["hep-ph"], "hep-ph")
    assert paper.comments == "37 pages, 15 figures; published version"
    assert paper.journal_ref == "Phys.Rev.D76:013009,2007"
    assert paper.doi == "10.1103/PhysRevD.76.013009"
    assert paper.submitter == "Pavel Nadolsky"
    assert paper.license is None


def test_it_takes_the_version_from_the_last_version_entry(snapshot_records):
    assert Counter(r.version for r in snapshot_records.values()) == \
        {1: 113, 2: 59, 3: 20, 4: 5, 5: 3}
    paper = snapshot_records["0704.0073"]
    assert paper.version == 3
    assert paper.updated_at == datetime(2012, 3, 5, 1, 44, 29, tzinfo=UTC)
    assert all(r.published_at <= r.updated_at for r in snapshot_records.values())


def test_it_keeps_latex(snapshot_records):
    assert snapshot_records["0704.0005"].title == \
        "From dyadic $\\Lambda_{\\alpha}$ to $\\Lambda_{\\alpha}$"
    assert snapshot_records["0704.0073"].title == \
        "A transcendental approach to Koll\\'ar's injectivity theorem"
    assert "$(k,\\ell)$-pebble game" in snapshot_records["0704.0002"].abstract


def test_it_puts_the_primary_category_first(snapshot_records):
    paper = snapshot_records["0704.0002"]
    assert (paper.categories, paper.primary_category) == (["math.CO", "cs.CG"], "math.CO")
    assert paper.license == "http://arxiv.org/licenses/nonexclusive-distrib/1.0/"


def test_it_falls_back_to_the_author_string(tmp_path):
    path = tmp_path / "snapshot.jsonl"
    path.write_text(snapshot_line(authors_parsed=[]))
    record, = [i for i in SnapshotSource(path).items(None) if isinstance(i, PaperRecord)]
    assert record.authors == ["Ileana Streinu", "Louis Theran"]


def test_it_skips_bad_records_with_their_reasons(tmp_path):
    path = tmp_path / "snapshot.jsonl"
    path.write_text(
        snapshot_line(id="0704.0001", versions=[{"version": "v1", "created": "yesterday"}])
        + snapshot_line(id="0704.0002", versions={"v1": "Sat, 31 Mar 2007"})
        + snapshot_line(id="0704.0003", authors_parsed=[[], ["Theran", "Louis", ""]])
        + snapshot_line(id="0704.0004", title=None)
        + snapshot_line(id="0704.0005", versions=["v1"])
        + snapshot_line(id="0704.0006")
    )
    items = list(SnapshotSource(path).items(None))
    assert [i for i in items if isinstance(i, Skip)] == [
        Skip("line 1 (0704.0001)", "impossible version date: 'yesterday'"),
        Skip("line 2 (0704.0002)", "versions is not a list"),
        Skip("line 3 (0704.0003)", "authors_parsed holds a malformed entry"),
        Skip("line 4 (0704.0004)", "missing title"),
        Skip("line 5 (0704.0005)", "versions holds a malformed entry"),
    ]
    assert [i.arxiv_id for i in items if isinstance(i, PaperRecord)] == ["0704.0006"]


@pytest.mark.django_db
def test_it_stores_the_sample_and_changes_nothing_the_second_time(shared_data):
    source = SnapshotSource(shared_data / SNAPSHOT)
    first = run_ingest(source, batch_size=64).run
    assert (first.status, first.new, first.skipped) == (IngestRun.FINISHED, 200, 0)
    assert Paper.objects.count() == 200
    links = PaperAuthor.objects.count()

    second = run_ingest(source, batch_size=64).run
    assert (second.new, second.updated, second.unchanged, second.skipped) == (0, 0, 200, 0)
    assert (Paper.objects.count(), PaperAuthor.objects.count()) == (200, links)


@pytest.mark.django_db
def test_it_updates_a_paper_from_a_newer_snapshot_and_ignores_an_older_one(tmp_path):
    v1 = [{"version": "v1", "created": "Sat, 31 Mar 2007 02:26:18 GMT"}]
    v2 = [*v1, {"version": "v2", "created": "Sat, 13 Dec 2008 17:26:00 GMT"}]
    old, new, older = (tmp_path / f"{name}.jsonl" for name in ("old", "new", "older"))
    old.write_text(snapshot_line(versions=v1, title="Sparsity graphs", abstract="Draft."))
    new.write_text(snapshot_line(versions=v2, title="Sparsity-certifying Graph Decompositions",
                                 abstract="Final."))
    older.write_text(snapshot_line(versions=v1, title="Sparsity graphs", abstract="Draft."))

    assert run_ingest(SnapshotSource(old)).run.new == 1
    assert run_ingest(SnapshotSource(new)).run.updated == 1
    paper = Paper.objects.get()
    assert (paper.version, paper.title, paper.abstract) == \
        (2, "Sparsity-certifying Graph Decompositions", "Final.")
    assert paper.updated_at == datetime(2008, 12, 13, 17, 26, tzinfo=UTC)

    assert run_ingest(SnapshotSource(older)).run.unchanged == 1
    paper.refresh_from_db()
    assert (paper.version, paper.title, paper.abstract) == \
        (2, "Sparsity-certifying Graph Decompositions", "Final.")


@pytest.mark.django_db
def test_it_reads_a_gzipped_snapshot(shared_data, tmp_path):
    path = tmp_path / "snapshot.jsonl.gz"
    path.write_bytes(gzip.compress((shared_data / SNAPSHOT).read_bytes()))
    run = run_ingest(SnapshotSource(path)).run
    assert (run.new, run.skipped) == (200, 0)
