"""`paperwire ingest …` run as a person runs it: a subprocess against the test database."""

import errno
import json
import os
import subprocess
import sys
import time
from datetime import date

import pytest

from paperwire.ingest.models import IngestRun
from paperwire.papers.models import Paper, PaperAuthor

HF_PAPERS = "hf-daily-papers-2023-12_2024-04.jsonl"
SNAPSHOT = "arxiv-metadata-snapshot-sample.jsonl"


@pytest.fixture
def cli(cli):
    cli.env["COLUMNS"] = "300"  # one skip reason per line in the summary
    return cli


def stats(cli) -> dict:
    return json.loads(cli("stats", "--json", check=True).stdout)


def wait_until(condition, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.05)


def start_ingest_from_pipe(cli, fifo, *options) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "paperwire", "ingest", "snapshot", str(fifo), "-q", *options],
        env=cli.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def open_pipe_for_writing(fifo, reader: subprocess.Popen):
    """The writing end of `fifo`, once `reader` has opened it (never blocks for good)."""
    deadline = time.monotonic() + 30
    while True:
        try:
            fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
        except OSError as e:  # ENXIO: nobody is reading yet
            if e.errno != errno.ENXIO or reader.poll() is not None \
                    or time.monotonic() > deadline:
                raise
            time.sleep(0.02)
        else:
            os.set_blocking(fd, True)
            return os.fdopen(fd, "wb")


def test_it_stores_both_samples_once_however_often_it_runs(cli, shared_data):
    cli("ingest", "jsonl", str(shared_data / HF_PAPERS), "-q", check=True)
    cli("ingest", "snapshot", str(shared_data / SNAPSHOT), "-q", check=True)
    assert stats(cli)["papers"] == 953

    cli("ingest", "jsonl", str(shared_data / HF_PAPERS), "-q", check=True)
    cli("ingest", "snapshot", str(shared_data / SNAPSHOT), "-q", check=True)
    assert stats(cli)["papers"] == 953
    assert Paper.objects.count() == 953
    second_runs = IngestRun.objects.order_by("started_at")[2:]
    assert [(r.source, r.new, r.updated, r.unchanged, r.skipped) for r in second_runs] == \
        [("jsonl", 0, 0, 753, 0), ("snapshot", 0, 0, 200, 0)]


def test_it_skips_ten_corrupted_lines_and_stores_the_rest(cli, shared_data, tmp_path):
    lines = (shared_data / HF_PAPERS).read_bytes().splitlines()

    def changed(n: int, **fields) -> bytes:
        paper = {**json.loads(lines[n]), **fields}
        return json.dumps(paper).encode()

    def without(n: int, *names: str) -> bytes:
        paper = json.loads(lines[n])
        for name in names:
            del paper[name]
        return json.dumps(paper).encode()

    corrupt = {
        3: lines[3][: len(lines[3]) // 2],
        50: without(50, "id", "url"),
        100: without(100, "title"),
        150: changed(150, publication_date="2024-02-30T10:00:00.000Z"),
        200: changed(200, abstract="x" * 100_000),
        250: lines[250].replace(b'"title": "', b'"title": "\xff\xfe'),
        300: b"[" + lines[300] + b"]",
        350: changed(350, id="2401.1234", url=None),
        400: changed(400, title="Null\u0000byte"),
        752: changed(752, upvotes=-5),
    }
    for n, line in corrupt.items():
        lines[n] = line
    path = tmp_path / "corrupted.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")

    result = cli("ingest", "jsonl", str(path), "-q")
    assert result.returncode == 0, result.stderr
    assert stats(cli)["papers"] == 743
    run = IngestRun.objects.get()
    assert (run.status, run.new, run.skipped) == (IngestRun.FINISHED, 743, 10)
    assert [int(s["where"].split()[1]) - 1 for s in run.skip_reasons] == list(corrupt)
    reasons = [s["reason"] for s in run.skip_reasons]
    assert reasons[0].startswith("malformed JSON")
    assert reasons[1:] == [
        "missing id",
        "missing title",
        "impossible published at: '2024-02-30T10:00:00.000Z'",
        "abstract too long (100000 characters, limit 20000)",
        reasons[5],
        "not a JSON object",
        "invalid id: '2401.1234' should have 5 digits after the dot",
        "title holds a NUL character",
        "upvotes out of range: -5",
    ]
    assert reasons[5].startswith("invalid UTF-8 at byte")
    for skip in run.skip_reasons:  # and each is reported to the person running it
        assert f"skipped {skip['where']}: {skip['reason']}" in result.stderr


def test_it_exits_non_zero_when_every_line_is_bad(cli, tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"id": "2401.00001"\n{"title": "No id"}\n[]\n')
    result = cli("ingest", "jsonl", str(path), "-q")
    assert result.returncode == 1
    assert "skipped line 1: malformed JSON" in result.stderr
    assert "skipped line 2: missing id" in result.stderr
    assert Paper.objects.count() == 0


def test_it_exits_non_zero_for_a_missing_file(cli, tmp_path):
    result = cli("ingest", "snapshot", str(tmp_path / "nowhere.jsonl"), "-q")
    assert result.returncode == 1
    assert "does not exist" in result.stderr


def test_it_resumes_after_being_killed_mid_ingest(cli, shared_data, tmp_path):
    lines = (shared_data / SNAPSHOT).read_bytes().splitlines(keepends=True)
    fifo = tmp_path / "snapshot.fifo"
    os.mkfifo(fifo)

    # 1. Feed 120 lines through a pipe, and kill the ingest once two batches are stored.
    process = start_ingest_from_pipe(cli, fifo, "--batch-size", "50")
    try:
        with open_pipe_for_writing(fifo, process) as pipe:
            pipe.write(b"".join(lines[:120]))
            pipe.flush()
            wait_until(lambda: Paper.objects.count() >= 100)
            process.kill()
            process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert Paper.objects.count() == 100  # the third batch was in flight
    killed = IngestRun.objects.get()
    assert killed.status == IngestRun.RUNNING  # it never got to say otherwise
    assert killed.cursor == {"line": 100, "offset": None}

    # 2. The same command again, fed the whole file: it resumes after line 100.
    process = start_ingest_from_pipe(cli, fifo, "--batch-size", "50")
    try:
        with open_pipe_for_writing(fifo, process) as pipe:
            pipe.write(b"".join(lines))
        assert process.wait(timeout=60) == 0, process.stderr.read()
    finally:
        if process.poll() is None:
            process.kill()
    resumed = IngestRun.objects.get()
    assert resumed.pk == killed.pk
    assert (resumed.status, resumed.new, resumed.unchanged, resumed.skipped) == \
        (IngestRun.FINISHED, 200, 0, 0)

    # 3. The full file from disk: every paper is there, exactly once.
    cli("ingest", "snapshot", str(shared_data / SNAPSHOT), "-q", check=True)
    last = IngestRun.objects.order_by("-started_at").first()
    assert (last.new, last.unchanged) == (0, 200)
    ids = list(Paper.objects.values_list("arxiv_id", flat=True))
    assert sorted(ids) == [f"0704.{n:04d}" for n in range(1, 201)]
    linked = sum(len(set(names)) for names in Paper.objects.values_list("author_names",
                                                                        flat=True))
    assert PaperAuthor.objects.count() == linked


def test_it_reads_the_daily_endpoint_named_in_the_environment(cli, local_server, shared_data):
    entries = json.loads(
        (shared_data / "daily-papers-api/daily_papers-2024-10-25-first2.json").read_text())
    local_server.respond = lambda path, query: \
        (200, json.dumps(entries if query["date"] == "2024-10-24" else []))
    cli.env["PAPERWIRE_DAILY_URL"] = local_server.url + "api/daily_papers"

    cli("ingest", "daily", "--from", "2024-10-23", "--until", "2024-10-25", "-q", check=True)
    assert [q["date"] for q in local_server.requests] == \
        ["2024-10-23", "2024-10-24", "2024-10-25"]
    assert set(Paper.objects.values_list("featured_on", flat=True)) == {date(2024, 10, 24)}
    assert Paper.objects.get(arxiv_id="2410.17243").num_comments == 3


def test_it_looks_up_ids_at_the_arxiv_api_named_in_the_environment(cli, local_server,
                                                                     shared_data):
    recorded = json.loads(
        (shared_data / "arxiv-api/id_1605.08386_s0_m100_199195aa31ad.json").read_text())
    local_server.respond = lambda path, query: (recorded["status_code"], recorded["body"])
    cli.env["PAPERWIRE_ARXIV_API_URL"] = local_server.url + "api/query"

    result = cli("ingest", "arxiv", "https://arxiv.org/abs/1605.08386v1", "abc", "-q")
    assert result.returncode == 0, result.stderr
    assert local_server.requests[0]["id_list"] == "1605.08386v1"
    assert Paper.objects.get().arxiv_id == "1605.08386"
    assert "skipped abc: 'abc' is not an arXiv identifier" in result.stderr


def test_it_harvests_the_oai_endpoint_named_in_the_environment(cli, local_server,
                                                                shared_data):
    page = (shared_data / "oai-pmh/listrecords-arXiv-astro-ph-2013-04-03.xml").read_text()
    local_server.respond = lambda path, query: (200, page)
    cli.env["PAPERWIRE_OAI_URL"] = local_server.url + "oai"

    cli("ingest", "oai", "--from", "2013-03-25", "--set", "physics:astro-ph", "-q",
        check=True)
    assert local_server.requests == [{"verb": "ListRecords", "metadataPrefix": "arXiv",
                                      "from": "2013-03-25", "set": "physics:astro-ph"}]
    assert Paper.objects.get().arxiv_id == "0801.3931"


def test_a_second_ingest_of_a_running_source_refuses_and_the_first_counts_right(
        cli, shared_data, tmp_path):
    lines = (shared_data / SNAPSHOT).read_bytes().splitlines(keepends=True)
    fifo = tmp_path / "snapshot.fifo"
    os.mkfifo(fifo)

    first = start_ingest_from_pipe(cli, fifo, "--batch-size", "50")
    try:
        with open_pipe_for_writing(fifo, first) as pipe:
            pipe.write(b"".join(lines[:60]))
            pipe.flush()
            wait_until(lambda: Paper.objects.count() >= 50)  # a batch and a heartbeat

            second = subprocess.run(
                [sys.executable, "-m", "paperwire", "ingest", "snapshot", str(fifo), "-q",
                 "--batch-size", "50"], env=cli.env, capture_output=True, text=True,
                timeout=120)
            assert second.returncode == 75, second.stderr
            run = IngestRun.objects.get()
            assert f"ingest run {run.pk} of snapshot with these parameters is still " \
                   "running" in second.stderr
            assert "Traceback" not in second.stderr

            pipe.write(b"".join(lines[60:]))
        assert first.wait(timeout=60) == 0, first.stderr.read()
    finally:
        if first.poll() is None:
            first.kill()
    run = IngestRun.objects.get()
    assert (run.status, run.new, run.updated, run.unchanged, run.skipped, run.lock) == \
        (IngestRun.FINISHED, 200, 0, 0, 0, None)
    assert Paper.objects.count() == 200


def test_the_summary_says_where_every_skip_reason_is(cli, tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text("".join(f'{{"id": "x{n}"}}\n' for n in range(30)))
    result = cli("ingest", "jsonl", str(path), "-q")
    run = IngestRun.objects.get()
    assert f"… and 10 more: `paperwire ingest skips {run.pk}` lists them all" in result.stderr

    listed = cli("ingest", "skips", str(run.pk), check=True).stdout.splitlines()
    assert len(listed) == 30
    assert listed[0] == "line 1 (x0)\tinvalid id: 'x0' is not an arXiv identifier"
    assert listed[29].startswith("line 30 (x29)\t")
    assert cli("ingest", "skips", "999999").returncode == 1
