import gzip
import json
import os
import threading

import pytest

from paperwire.ingest.files import MAX_LINE, json_line_items
from paperwire.ingest.jsonl import jsonl_record
from paperwire.ingest.runner import Checkpoint, Skip, SourceError
from paperwire.papers.records import PaperRecord


def line(n: int, **fields) -> bytes:
    paper = {"id": f"2401.{n:05d}", "title": f"Paper {n}", **fields}
    return json.dumps(paper).encode() + b"\n"


def read(path, cursor=None) -> list:
    return list(json_line_items(path, cursor, jsonl_record))


def ids(items) -> list[str]:
    return [i.arxiv_id for i in items if isinstance(i, PaperRecord)]


def test_it_yields_a_record_and_a_checkpoint_per_line(tmp_path):
    path = tmp_path / "papers.jsonl"
    path.write_bytes(line(1) + b"\n   \n" + line(2))
    items = read(path)
    assert ids(items) == ["2401.00001", "2401.00002"]
    assert not [i for i in items if isinstance(i, Skip)]  # blank lines are not errors
    checkpoints = [i for i in items if isinstance(i, Checkpoint)]
    assert [c.cursor["line"] for c in checkpoints] == [1, 2, 3, 4]
    assert checkpoints[-1].cursor["offset"] == path.stat().st_size
    assert checkpoints[-1].done == checkpoints[-1].total == path.stat().st_size


def test_it_resumes_at_the_cursor_offset(tmp_path):
    path = tmp_path / "papers.jsonl"
    path.write_bytes(line(1) + line(2) + line(3))
    cursor = [i for i in read(path) if isinstance(i, Checkpoint)][0].cursor
    assert cursor == {"line": 1, "offset": len(line(1))}
    items = read(path, cursor)
    assert ids(items) == ["2401.00002", "2401.00003"]
    assert items[-1].cursor["line"] == 3


def test_it_reads_and_resumes_a_gzipped_file(tmp_path):
    path = tmp_path / "papers.jsonl.gz"
    path.write_bytes(gzip.compress(line(1) + line(2) + line(3)))
    assert ids(read(path)) == ["2401.00001", "2401.00002", "2401.00003"]
    assert ids(read(path, {"line": 2, "offset": None})) == ["2401.00003"]


def test_it_reports_a_truncated_gzip_stream(tmp_path):
    path = tmp_path / "papers.jsonl.gz"
    whole = gzip.compress(b"".join(line(n) for n in range(1, 200)))
    path.write_bytes(whole[: len(whole) // 2])
    items = read(path)
    skips = [i for i in items if isinstance(i, Skip)]
    assert len(skips) == 1
    assert skips[0].reason.startswith("unreadable")
    assert 0 < len(ids(items)) < 199


def test_it_skips_an_over_long_line_without_holding_it(tmp_path):
    path = tmp_path / "papers.jsonl"
    huge = line(2, abstract="x" * (MAX_LINE * 2))
    path.write_bytes(line(1) + huge + line(3))
    items = read(path)
    assert ids(items) == ["2401.00001", "2401.00003"]
    assert [i for i in items if isinstance(i, Skip)] == \
        [Skip("line 2", f"line longer than {MAX_LINE} bytes")]


def test_it_reads_a_named_pipe(tmp_path):
    fifo = tmp_path / "papers.fifo"
    os.mkfifo(fifo)

    def feed():
        with open(fifo, "wb") as f:
            f.write(line(1) + line(2))

    writer = threading.Thread(target=feed)
    writer.start()
    items = read(fifo)
    writer.join()
    assert ids(items) == ["2401.00001", "2401.00002"]
    # A pipe cannot seek: a resumed run reads past the lines already done.
    assert items[-1].cursor == {"line": 2, "offset": None}


def test_it_refuses_a_missing_file(tmp_path):
    with pytest.raises(SourceError, match="does not exist"):
        read(tmp_path / "nowhere.jsonl")
