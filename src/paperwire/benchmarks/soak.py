"""`paperwire bench soak`: mixed browsing, search and upvotes against `paperwire serve`.

The load generator (`run_load`) is shared with the short CI version
(tests/test_soak.py). `threads` client threads on loopback each loop over a mix of
requests, each with its own API token, so every thread is also a concurrent writer:

- 55 % browse: `/`, `/trending`, a paper page, `/api/daily_papers`, `/health`;
- 20 % search: `/search?q=…` and `/api/papers/search?q=…` (hybrid: the server embeds
  every query with the model);
- 25 % upvote: `POST /api/papers/{id}/upvote` with a Bearer token (a toggle).

Meanwhile the resident memory of the server's whole process tree (gunicorn master,
web workers, the background worker) is sampled. A run passes with no 5xx answer, no
transport error, and no "database is locked" in the server's output; memory is reported
as the RSS after warm-up against the RSS at the end.

`run` (the command) sets up a fresh instance first: the 753 real papers of
../shared/data, embedded, and one account with a token per thread, on SQLite in a new
data dir or on the (scratch, empty) PostgreSQL database given by --database-url.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from paperwire.benchmarks.common import free_port

QUERIES = [
    "speculative decoding", "mixture of experts", "mechanistic interpretability",
    "long context", "diffusion video", "retrieval augmented generation", "quantization",
    "vision language model", "agents", "code generation", "\"exact phrase\" OR -minus",
    "🚀 emoji query", "state space models", "reward model",
]


@dataclass
class SoakReport:
    seconds: float = 0.0
    requests: Counter = field(default_factory=Counter)  # by kind
    statuses: Counter = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)  # 5xx and transport errors
    latencies: dict[str, list[float]] = field(default_factory=dict)
    rss: list[tuple[float, int]] = field(default_factory=list)  # (seconds, bytes)

    @property
    def total(self) -> int:
        return sum(self.requests.values())

    @property
    def server_errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 500)

    warmup: float = 0.0  # seconds of load before memory counts as settled

    def rss_after_warmup(self) -> int:
        """RSS once every web worker has loaded the model and filled its caches."""
        if not self.rss:
            return 0
        settled = [rss for t, rss in self.rss if t <= self.warmup]
        return settled[-1] if settled else self.rss[0][1]

    def rss_at_end(self) -> int:
        return self.rss[-1][1] if self.rss else 0


def tree_rss(pid: int) -> int:
    """Resident memory of `pid` and all its descendants, in bytes (from /proc)."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            parents[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
    tree, todo = {pid}, [pid]
    while todo:
        current = todo.pop()
        for child, parent in parents.items():
            if parent == current and child not in tree:
                tree.add(child)
                todo.append(child)
    total = 0
    for member in tree:
        try:
            for line in Path(f"/proc/{member}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            continue
    return total


def run_load(base_url: str, *, tokens: list[str], paper_ids: list[str], threads: int = 8,
             seconds: float | None = None, requests_per_thread: int | None = None,
             server_pid: int | None = None, sample_every: float = 1.0,
             warmup: float = 0.0) -> SoakReport:
    """Send the mixed load until `seconds` pass or each thread sent its requests.

    Memory after `warmup` seconds is the baseline the end is compared with.
    """
    if seconds is None and requests_per_thread is None:
        raise ValueError("give seconds or requests_per_thread")
    report = SoakReport(warmup=warmup)
    lock = threading.Lock()
    started = time.monotonic()
    deadline = started + seconds if seconds is not None else None

    def record(kind: str, status: int | None, elapsed: float, detail: str) -> None:
        with lock:
            report.requests[kind] += 1
            report.latencies.setdefault(kind, []).append(elapsed)
            if status is not None:
                report.statuses[status] += 1
            if status is None or status >= 500:
                report.errors.append(f"{kind} {detail}: {status or 'no answer'}")

    def one(client: httpx.Client, rng: random.Random, token: str) -> None:
        roll = rng.random()
        paper = rng.choice(paper_ids)
        if roll < 0.55:
            kind = "browse"
            url = rng.choice(["/", "/trending", f"/papers/{paper}", "/api/daily_papers",
                              "/health"])
            request = client.build_request("GET", url)
        elif roll < 0.75:
            kind, query = "search", rng.choice(QUERIES)
            url = rng.choice(["/search", "/api/papers/search"])
            request = client.build_request("GET", url, params={"q": query})
        else:
            kind, url = "upvote", f"/api/papers/{paper}/upvote"
            request = client.build_request("POST", url,
                                           headers={"Authorization": f"Bearer {token}"})
        t0 = time.monotonic()
        try:
            response = client.send(request)
            response.read()
            status = response.status_code
        except httpx.HTTPError as e:
            status, url = None, f"{url} ({type(e).__name__})"
        record(kind, status, time.monotonic() - t0, url)

    def client_thread(n: int) -> None:
        rng = random.Random(n)
        with httpx.Client(base_url=base_url, timeout=60) as client:
            sent = 0
            while True:
                if deadline is not None and time.monotonic() >= deadline:
                    return
                if requests_per_thread is not None and sent >= requests_per_thread:
                    return
                one(client, rng, tokens[n % len(tokens)])
                sent += 1

    workers = [threading.Thread(target=client_thread, args=(n,), daemon=True)
               for n in range(threads)]
    for worker in workers:
        worker.start()
    while any(w.is_alive() for w in workers):
        if server_pid is not None:
            report.rss.append((time.monotonic() - started, tree_rss(server_pid)))
        for worker in workers:
            worker.join(timeout=sample_every / len(workers))
    report.seconds = time.monotonic() - started
    if server_pid is not None:
        report.rss.append((report.seconds, tree_rss(server_pid)))
    return report


# -- the server ---------------------------------------------------------------------------

class Server:
    """`paperwire serve` on 127.0.0.1 in a child process; its output goes to a file."""

    def __init__(self, env: dict, log_path: Path, *args: str) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self._log = open(log_path, "wb")  # noqa: SIM115  (closed in stop)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "paperwire", "serve", "--port", str(self.port), *args],
            env=env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True)

    def wait_ready(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                if httpx.get(f"{self.base_url}/health", timeout=5).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited:\n{self.output()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"the server did not start:\n{self.output()}")
            time.sleep(0.2)

    def output(self) -> str:
        self._log.flush()
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self._log.close()

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def check(report: SoakReport, server_output: str, *, max_growth: float) -> list[str]:
    """What went wrong in a run (empty: it passed)."""
    problems = []
    if report.server_errors or report.errors:
        problems.append(f"{len(report.errors)} failed requests, e.g. {report.errors[:5]}")
    if "database is locked" in server_output:
        problems.append("'database is locked' in the server's output")
    if "Traceback" in server_output:
        problems.append("a traceback in the server's output")
    base, end = report.rss_after_warmup(), report.rss_at_end()
    if base and end > base * (1 + max_growth):
        problems.append(f"memory grew from {base >> 20} MiB to {end >> 20} MiB")
    return problems


# -- the command --------------------------------------------------------------------------

def _paperwire(env: dict, *args: str) -> str:
    result = subprocess.run([sys.executable, "-m", "paperwire", *args], env=env,
                            capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"paperwire {' '.join(args)} failed:\n{result.stderr}")
    return result.stdout


def run(minutes: float, database_url: str = "", threads: int = 8) -> None:
    import json

    from rich.console import Console

    from paperwire.benchmarks.common import shared_data_dir

    console = Console()
    with tempfile.TemporaryDirectory(prefix="paperwire-soak-") as tmp:
        env = {**os.environ, "PAPERWIRE_DATA_DIR": str(Path(tmp) / "data"),
               "PAPERWIRE_DATABASE_URL": database_url, "PAPERWIRE_INGEST_SOURCES": "",
               "PAPERWIRE_EMBED_ON_INGEST": "false"}
        env.pop("PAPERWIRE_CONFIG", None)
        source = shared_data_dir() / "hf-daily-papers-2023-12_2024-04.jsonl"
        console.print("setting up: papers, vectors, accounts")
        _paperwire(env, "init")
        _paperwire(env, "ingest", "jsonl", str(source), "--quiet")
        _paperwire(env, "embed")
        tokens = []
        for n in range(threads):
            email = f"reader{n}@soak.example.org"
            _paperwire(env, "user", "create", email, "--password", f"soak-password-{n}-x")
            tokens.append(_paperwire(env, "user", "token", email).strip())
        paper_ids = [json.loads(line)["id"] for line in source.read_text().splitlines()
                     if line.strip()]
        with Server(env, Path(tmp) / "server.log") as server:
            server.wait_ready()
            console.print(f"soak: {threads} threads for {minutes:g} min on {server.base_url} "
                          f"({'PostgreSQL' if database_url.startswith('postgres') else 'SQLite'})")
            report = run_load(server.base_url, tokens=tokens, paper_ids=paper_ids,
                              threads=threads, seconds=minutes * 60,
                              server_pid=server.process.pid, sample_every=5.0,
                              warmup=min(120.0, minutes * 60 / 5))
            problems = check(report, server.output(), max_growth=0.25)
    for kind, times in sorted(report.latencies.items()):
        times.sort()
        console.print(f"{kind:>7}: {len(times):>7} requests, p50 {times[len(times) // 2] * 1e3:.0f}"
                      f" ms, p95 {times[int(len(times) * 0.95)] * 1e3:.0f} ms")
    console.print(f"{report.total} requests in {report.seconds:.0f} s "
                  f"({report.total / report.seconds:.1f}/s); statuses {dict(report.statuses)}")
    console.print(f"memory (server tree): {report.rss_after_warmup() >> 20} MiB after warm-up, "
                  f"{report.rss_at_end() >> 20} MiB at the end")
    if problems:
        for problem in problems:
            console.print(f"[red]{problem}[/red]")
        raise SystemExit(1)
    console.print("[green]no 5xx, no 'database is locked', memory flat[/green]")
