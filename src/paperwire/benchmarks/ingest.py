"""`paperwire bench ingest`: a generated arXiv snapshot into a fresh SQLite database.

The corpus is derived from the 200 real snapshot records in ../shared/data: each
generated record is a real one with a new identifier, its version dates shifted and its
title numbered, so parsing, validation and the upsert do the same work as on the real
dump. Each run ingests the whole file in a fresh data dir, in a subprocess whose memory
is sampled from /proc; the rate comes from the run's own start and end times (process
start-up excluded). The baseline, measured in the same invocation before each run, is
the naive way: one `update_or_create` per record, on the first 5,000 records of the same
file; the report gives medians over the runs of both.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from paperwire.benchmarks.common import RssSampler, median, mib, shared_data_dir, write_json

console = Console()
BASELINE_RECORDS = 5_000


def generate_snapshot(path: Path, count: int) -> None:
    sample = [json.loads(line) for line in
              (shared_data_dir() / "arxiv-metadata-snapshot-sample.jsonl").open()]
    with path.open("w") as out:
        for n in range(count):
            record = dict(sample[n % len(sample)])
            # New-style ids from 2301 on, 99,999 per month.
            month = 2301 + (n // 99_999) % 12 + 100 * (n // (99_999 * 12))
            record["id"] = f"{month:04d}.{n % 99_999 + 1:05d}"
            record["title"] = f"{record['title']} ({n})"
            out.write(json.dumps(record) + "\n")


def _ingest_once(snapshot: Path, workdir: Path) -> dict:
    data_dir = workdir / f"data-{time.monotonic_ns()}"
    env = {**os.environ, "PAPERWIRE_DATA_DIR": str(data_dir)}
    env.pop("PAPERWIRE_DATABASE_URL", None)
    subprocess.run([sys.executable, "-m", "paperwire", "init"], env=env, check=True,
                   capture_output=True)
    process = subprocess.Popen(
        [sys.executable, "-m", "paperwire", "ingest", "snapshot", str(snapshot), "--quiet"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    with RssSampler(process.pid) as rss:
        _, stderr = process.communicate()
    if process.returncode != 0:
        raise SystemExit(f"ingest failed:\n{stderr.decode()}")
    code = (
        "import json; from paperwire.cli import setup_django; setup_django(); "
        "from paperwire.ingest.models import IngestRun; r = IngestRun.objects.get(); "
        "print(json.dumps({'stored': r.stored, 'skipped': r.skipped, "
        "'seconds': (r.finished_at - r.started_at).total_seconds()}))"
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, check=True,
                         capture_output=True, text=True).stdout
    result = json.loads(out)
    result["peak_rss"] = rss.peak
    result["rss_quarters"] = [rss.at_fraction(f) for f in (0.25, 0.5, 0.75, 1.0)]
    return result


def _baseline_rate(snapshot: Path, workdir: Path) -> float:
    """Records/s for one update_or_create per record, in one transaction."""
    data_dir = workdir / f"data-baseline-{time.monotonic_ns()}"
    env = {**os.environ, "PAPERWIRE_DATA_DIR": str(data_dir)}
    env.pop("PAPERWIRE_DATABASE_URL", None)
    subprocess.run([sys.executable, "-m", "paperwire", "init"], env=env, check=True,
                   capture_output=True)
    code = f"""
import itertools, json, time
from paperwire.cli import setup_django; setup_django()
from django.db import transaction
from paperwire.ingest.snapshot import snapshot_record
from paperwire.papers.models import Paper
lines = list(itertools.islice(open({str(snapshot)!r}), {BASELINE_RECORDS}))
start = time.perf_counter()
with transaction.atomic():
    for line in lines:
        r = snapshot_record(json.loads(line))
        Paper.objects.update_or_create(arxiv_id=r.arxiv_id, defaults=dict(
            title=r.title, abstract=r.abstract or '', version=r.version,
            author_names=r.authors or [], categories=' '.join(r.categories or []),
            published_at=r.published_at, updated_at=r.updated_at))
print(len(lines) / (time.perf_counter() - start))
"""
    out = subprocess.run([sys.executable, "-c", code], env=env, check=True,
                         capture_output=True, text=True).stdout
    return float(out.strip())


def run(*, records: int, runs: int, json_path: str | None = None) -> None:
    with tempfile.TemporaryDirectory(prefix="paperwire-bench-") as tmp:
        workdir = Path(tmp)
        snapshot = workdir / "snapshot.jsonl"
        console.print(f"generating {records:,} snapshot records …")
        generate_snapshot(snapshot, records)
        console.print(f"file: {snapshot.stat().st_size / 1e6:.0f} MB")
        results = []
        for n in range(runs):
            baseline = _baseline_rate(snapshot, workdir)
            result = _ingest_once(snapshot, workdir)
            rate = result["stored"] / result["seconds"]
            console.print(f"run {n + 1}: {result['stored']:,} papers in "
                          f"{result['seconds']:.1f} s = {rate:,.0f} papers/s "
                          f"(baseline {baseline:,.0f}/s), "
                          f"peak RSS {mib(result['peak_rss'])}, RSS at 25/50/75/100 %: "
                          + " / ".join(mib(x) for x in result["rss_quarters"]))
            results.append({**result, "rate": rate, "baseline": baseline})

    rate = median([r["rate"] for r in results])
    baseline = median([r["baseline"] for r in results])
    peak = int(median([r["peak_rss"] for r in results]))
    rss_25 = int(median([r["rss_quarters"][0] for r in results]))
    rss_100 = int(median([r["rss_quarters"][3] for r in results]))
    baseline_records = min(records, BASELINE_RECORDS)
    table = Table(title=f"paperwire bench ingest: {records:,} snapshot records into SQLite, "
                        f"median of {runs}")
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_row("ingest rate (batched upsert)", f"{rate:,.0f} papers/s")
    table.add_row(f"baseline: update_or_create per record ({baseline_records:,})",
                  f"{baseline:,.0f} papers/s")
    table.add_row("ratio", f"{rate / baseline:.1f}×")
    table.add_row("peak RSS (median)", mib(peak))
    table.add_row("RSS at 25 % / 100 % of the run (median)", f"{mib(rss_25)} / {mib(rss_100)}")
    console.print(table)
    write_json(json_path, "ingest", {
        "params": {"records": records, "runs": runs, "baseline_records": baseline_records},
        "runs": [{"papers_per_s": r["rate"], "stored": r["stored"], "skipped": r["skipped"],
                  "seconds": r["seconds"], "baseline_papers_per_s": r["baseline"],
                  "peak_rss_bytes": r["peak_rss"], "rss_quarters_bytes": r["rss_quarters"]}
                 for r in results],
        "median": {"papers_per_s": rate, "baseline_papers_per_s": baseline,
                   "ratio": rate / baseline, "peak_rss_bytes": peak,
                   "rss_25_bytes": rss_25, "rss_100_bytes": rss_100},
    })
