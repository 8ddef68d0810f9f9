"""`paperwire bench all`: every bench in turn, then BENCHMARKS.md.

Each bench runs as a child process (`python -m paperwire bench … --json PATH`), one
after the other so they never compete for the cores. Its output is shown as it comes and
kept in a log; its peak memory is read from `os.wait4`, whose `ru_maxrss` is that of the
largest single process in the child's tree (the child or a descendant it reaped), not a
figure accumulated over the earlier benches as `RUSAGE_CHILDREN` would be. A bench that
fails (non-zero exit, or no JSON written) becomes a "failed" section with its reason and
the end of its output; the others still run and are still reported. Ctrl-C stops the
suite, but the report of what finished is written first.
"""

from __future__ import annotations

import os
import platform
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from paperwire.benchmarks.report import Outcome, merge, render

# Sizes of the full suite and of --quick (a smoke test of a few minutes).
FULL = {"runs": 3, "ingest_records": 200_000, "search_small_papers": 10_000,
        "search_papers": 100_000, "ann_vectors": 1_000_000, "queries": 200,
        "embed_sample": 512, "web_papers": 100_000, "web_requests": 5_000,
        "web_search_requests": 400, "digest_subscribers": 100_000, "digest_baseline": 1_000,
        "deliver_items": 10_000, "recommend_readers": 200, "recommend_papers": 100_000,
        "recommend_speed_readers": 10_000, "recommend_requests": 200}
QUICK = {"runs": 1, "ingest_records": 5_000, "search_small_papers": 2_000,
         "search_papers": 5_000, "ann_vectors": 20_000, "queries": 20, "embed_sample": 64,
         "web_papers": 2_000, "web_requests": 200, "web_search_requests": 20,
         "digest_subscribers": 2_000, "digest_baseline": 200, "deliver_items": 200,
         "recommend_readers": 10, "recommend_papers": 2_000, "recommend_speed_readers": 200,
         "recommend_requests": 20}
LOG_TAIL_LINES = 15


@dataclass
class Step:
    key: str
    title: str
    argv: list[str]  # the child's command line; `--json PATH` is appended


def plan(sizes: dict) -> list[Step]:
    """The benches of the suite, with their sizes."""
    s = {k: str(v) for k, v in sizes.items()}
    bench = [sys.executable, "-m", "paperwire", "bench"]
    return [
        Step("ingest", "Ingest", [*bench, "ingest", "--records", s["ingest_records"],
                                  "--runs", s["runs"]]),
        # Embedding throughput and latency on the small corpus; no large ANN index.
        Step("search-small", f"Search at {sizes['search_small_papers']:,} papers",
             [*bench, "search", "--papers", s["search_small_papers"], "--vectors", "0",
              "--queries", s["queries"], "--embed-sample", s["embed_sample"]]),
        # Latency on the large corpus, and the ANN index of `ann_vectors` vectors.
        Step("search-large", f"Search at {sizes['search_papers']:,} papers and "
                             f"{sizes['ann_vectors']:,} vectors",
             [*bench, "search", "--papers", s["search_papers"], "--vectors",
              s["ann_vectors"], "--queries", s["queries"], "--embed-sample", "0"]),
        Step("web", "Web", [*bench, "web", "--papers", s["web_papers"], "--requests",
                            s["web_requests"], "--search-requests", s["web_search_requests"],
                            "--runs", s["runs"]]),
        Step("runtime", "Serving runtime", [*bench, "runtime", "--papers", s["web_papers"],
                                            "--queries", s["queries"], "--embed-sample",
                                            s["embed_sample"], "--runs", s["runs"]]),
        Step("digests", "Digests", [*bench, "digests", "--subscribers",
                                    s["digest_subscribers"], "--baseline",
                                    s["digest_baseline"], "--runs", s["runs"]]),
        # One clean run and one killed mid-run; its own two timed runs, no --runs.
        Step("deliver", "Deliveries", [*bench, "deliver", "--items", s["deliver_items"]]),
        Step("recommend", "For you", [*bench, "recommend", "--readers",
                                      s["recommend_readers"], "--papers",
                                      s["recommend_papers"], "--speed-readers",
                                      s["recommend_speed_readers"], "--requests",
                                      s["recommend_requests"]]),
    ]


def _command_text(argv: list[str]) -> str:
    """The command as a reader would type it: `paperwire …` for our own module."""
    if argv[:3] == [sys.executable, "-m", "paperwire"]:
        argv = ["paperwire", *argv[3:]]
    return shlex.join(argv)


def _tail(path: Path, lines: int = LOG_TAIL_LINES) -> str:
    text = path.read_text(errors="replace") if path.exists() else ""
    return "\n".join(line.rstrip() for line in text.splitlines()[-lines:])


def run_step(step: Step, workdir: Path, echo=None) -> Outcome:
    """Run one bench child to its end; never raises for the child's own failure."""
    import json

    json_path = workdir / f"{step.key}.json"
    log_path = workdir / f"{step.key}.log"
    argv = [*step.argv, "--json", str(json_path)]
    outcome = Outcome(step.key, step.title, _command_text(argv), ok=False)
    echo = echo if echo is not None else sys.stdout.buffer
    started = time.monotonic()
    with log_path.open("wb") as log:
        try:
            process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        except OSError as e:
            outcome.reason = f"could not start: {e}"
            return outcome

        def copy() -> None:
            # The output goes to the log and, as it comes, to our own stdout.
            for line in iter(process.stdout.readline, b""):
                log.write(line)
                if echo:
                    echo.write(line)
                    echo.flush()

        reader = threading.Thread(target=copy, daemon=True)
        reader.start()
        try:
            _, status, usage = os.wait4(process.pid, 0)
        except KeyboardInterrupt:
            process.terminate()
            _, status, usage = os.wait4(process.pid, 0)
            process.returncode = os.waitstatus_to_exitcode(status)
            reader.join(timeout=5)
            raise
        # wait4 reaped it: tell Popen, so it never waits for it again.
        process.returncode = os.waitstatus_to_exitcode(status)
        reader.join(timeout=30)  # a grandchild still holding the pipe must not hang us
        process.stdout.close()
    outcome.seconds = time.monotonic() - started
    outcome.peak_rss_bytes = usage.ru_maxrss * 1024  # KiB on Linux
    if process.returncode != 0:
        outcome.reason = (f"killed by signal {-process.returncode}" if process.returncode < 0
                          else f"exit status {process.returncode}")
        outcome.log_tail = _tail(log_path)
        return outcome
    try:
        outcome.data = json.loads(json_path.read_text())
    except FileNotFoundError:
        outcome.reason = "it ended without writing its JSON results"
        outcome.log_tail = _tail(log_path)
        return outcome
    except ValueError as e:
        outcome.reason = f"its JSON results could not be read ({e})"
        return outcome
    outcome.ok = True
    return outcome


# -- the machine -------------------------------------------------------------------------

def _first(path: str, prefix: str) -> str:
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(prefix):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return ""


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def _git(*args: str) -> str:
    root = Path(__file__).resolve().parents[3]
    try:
        return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True,
                              timeout=10).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return ""


def gpu_name() -> str:
    """The GPUs nvidia-smi lists, or "" (without loading torch in this process)."""
    if not shutil.which("nvidia-smi"):
        return ""
    try:
        out = subprocess.run(["nvidia-smi", "--query-gpu=name,memory.total",
                              "--format=csv,noheader"], capture_output=True, text=True,
                             timeout=20).stdout
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return "; ".join(line.strip() for line in out.splitlines() if line.strip())


def machine() -> dict:
    import sqlite3

    memory_kb = _first("/proc/meminfo", "MemTotal")
    commit = _git("rev-parse", "--short=12", "HEAD")
    if commit and _git("status", "--porcelain", "--untracked-files=no"):
        commit += " (with uncommitted changes)"
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    cores = f"{os.cpu_count()}" + (f" ({usable} usable)" if usable and usable !=
                                   os.cpu_count() else "")
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "CPU": _first("/proc/cpuinfo", "model name") or platform.processor() or "unknown",
        "cores": cores,
        "RAM": f"{int(memory_kb.split()[0]) / 2**20:.1f} GiB" if memory_kb else "unknown",
        "GPU": gpu_name() or "none",
        "OS": platform.platform(),
        "Python": platform.python_version(),
        "Django": _version("django"),
        "torch": _version("torch"),
        "onnxruntime": _version("onnxruntime"),
        "SQLite": sqlite3.sqlite_version,
        "paperwire commit": commit or "unknown",
    }


# -- the command -------------------------------------------------------------------------

def default_output() -> Path:
    """BENCHMARKS.md at the root of the checkout, else in the current folder."""
    root = Path(__file__).resolve().parents[3]
    if (root / "pyproject.toml").exists():
        return root / "BENCHMARKS.md"
    return Path.cwd() / "BENCHMARKS.md"


def write_report(outcomes: list[Outcome], output: Path, command: str,
                 info: dict | None = None, *, into: str | None = None) -> None:
    """Write the report of `outcomes`; with `into` (the text of an earlier report),
    merge their sections into it instead of replacing it."""
    info = info if info is not None else machine()
    text = render(info, outcomes, command)
    if into:
        text = merge(into, text, info, command)
    partial = output.with_name(output.name + ".partial")
    partial.write_text(text)
    partial.replace(output)


def run(*, steps: list[Step], output: Path, command: str, keep: Path | None = None,
        info: dict | None = None, merge_into_existing: bool = False) -> list[Outcome]:
    """Run the steps in turn and write the report; returns the outcomes.

    With `merge_into_existing` (some of the benches, `--only`), an existing report keeps
    its other sections and gets the new ones in place of their old versions.
    """
    from rich.console import Console

    console = Console(stderr=True)
    info = info if info is not None else machine()
    outcomes: list[Outcome] = []
    # Read once, before the first bench: each write merges into the report as it was.
    into = output.read_text() if merge_into_existing and output.is_file() else None
    with tempfile.TemporaryDirectory(prefix="paperwire-bench-all-") as tmp:
        workdir = keep or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        try:
            for n, step in enumerate(steps, start=1):
                console.rule(f"[bold]{n}/{len(steps)} {step.title}[/bold]")
                outcome = run_step(step, workdir)
                outcomes.append(outcome)
                console.print(f"{step.title}: " + (
                    f"[green]done[/green] in {outcome.seconds:.0f} s" if outcome.ok
                    else f"[red]failed[/red] ({outcome.reason}); carrying on"))
                # Written after every bench, so an interrupted suite keeps what it did.
                write_report(outcomes, output, command, info, into=into)
        except KeyboardInterrupt:
            done = {o.key for o in outcomes}
            outcomes += [Outcome(s.key, s.title, _command_text(s.argv), ok=False,
                                 reason="interrupted: the suite was stopped with Ctrl-C")
                         for s in steps if s.key not in done]
            write_report(outcomes, output, command, info, into=into)
            console.print(f"interrupted; what finished is in {output}")
            raise
    console.print(f"wrote {output}")
    return outcomes
