"""`paperwire bench web`: requests/s and latency of the daily page and the search page.

Runs in a child process on a fresh SQLite database (benchmarks/fresh.py). Steps:
1. the 753 real papers, embedded (vectors cached between runs);
2. `papers` generated ones: each mixes the title and abstract of two real papers, gets
   a vector mixed from theirs plus noise, an organisation and a code link now and then,
   and is featured on a day before the real ones (about 50 a day, like the real site),
   stored through the normal upsert (full-text triggers included); the vector index file
   is then built as `paperwire index rebuild` would;
3. `paperwire serve` (gunicorn, its default 2 workers x 4 threads) on 127.0.0.1;
4. a load generator in this process: asyncio, HTTP/1.1 keep-alive connections on
   loopback, spread evenly over the server's worker processes, a fixed number of
   requests per scenario (never open-ended), latency per request from write to last
   byte:
   - daily page, page cache on (the default): `/` and `/papers?date=…` for 39 days
     spread over the whole range;
   - daily page, page cache off (PAPERWIRE_PAGE_CACHE_SECONDS=0): every request renders;
   - search page, ranking cache off (PAPERWIRE_SEARCH_CACHE_SECONDS=0, the baseline):
     hybrid search, a query embedded by the model on every request;
   - search page as served by default: the same 24 queries, so after each worker's first
     search of a query its ranking comes from the cache (search.query.ranked).
   Each scenario is run `runs` times against the same server (default 3); the table
   gives the median of each figure, and the page cache's gain is the ratio of the two
   daily-page medians (the uncached page is the baseline, measured in the same run).
The server is stopped at the end, also on errors and Ctrl-C.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.table import Table

from paperwire.benchmarks.common import free_port, median, write_json

console = Console()
SEED = 11
QUERIES = [
    "mechanistic interpretability", "speculative decoding", "mixture of experts",
    "long context language models", "diffusion video generation", "text to 3d",
    "retrieval augmented generation", "reinforcement learning from human feedback",
    "vision language model", "code generation benchmark", "quantization of llms",
    "state space models", "multimodal reasoning", "image editing with diffusion",
    "agents tool use", "instruction tuning data", "efficient attention kernels",
    "pipeline parallelism", "hallucination detection", "speech synthesis",
    "robot manipulation policy", "math reasoning", "preference optimization",
    "knowledge distillation",
]
ORGANISATIONS = [
    "Sea AI Lab", "Allen Institute for AI", "Tsinghua University", "Meta AI", "Google DeepMind",
    "Hugging Face", "Stanford University", "Microsoft Research", "Alibaba Qwen", "Mila",
]


# -- the corpus -------------------------------------------------------------------------

def build_corpus(generated: int) -> list[date]:
    """Real papers (embedded) plus `generated` ones; returns featured days, newest first."""
    from paperwire.benchmarks.fresh import cached_embeddings, load_real_papers, store_embeddings
    from paperwire.papers.models import Paper
    from paperwire.search.embeddings import paper_text

    start = time.perf_counter()
    records = load_real_papers()
    vectors = cached_embeddings([paper_text(r["title"], r["abstract"]) for r in records],
                                "real-papers")
    store_embeddings({r["id"]: v for r, v in zip(records, vectors, strict=True)})
    console.print(f"753 real papers stored and embedded in {time.perf_counter() - start:.1f} s")

    first_real = Paper.objects.exclude(featured_on=None).order_by("featured_on") \
        .values_list("featured_on", flat=True).first()
    start = time.perf_counter()
    _generate(records, vectors, generated, first_real)
    console.print(f"{generated:,} generated papers stored in {time.perf_counter() - start:.1f} s")

    from paperwire.search.vectors import vector_index

    start = time.perf_counter()
    vector_index().rebuild()
    console.print(f"vector index built in {time.perf_counter() - start:.1f} s")
    return list(Paper.objects.exclude(featured_on=None).order_by("-featured_on")
                .values_list("featured_on", flat=True).distinct())


def _generate(records: list[dict], vectors: np.ndarray, total: int, before: date) -> None:
    from django.utils import timezone

    from paperwire.papers.models import Paper
    from paperwire.papers.records import PaperRecord
    from paperwire.search.embeddings import model_key
    from paperwire.search.models import PaperEmbedding

    rng = np.random.default_rng(SEED)
    parents = rng.integers(len(records), size=(total, 2))
    noise = rng.standard_normal((total, vectors.shape[1]), dtype=np.float32) * 0.3 / np.sqrt(
        vectors.shape[1])
    mixed = 0.7 * vectors[parents[:, 0]] + 0.3 * vectors[parents[:, 1]] + noise
    mixed /= np.linalg.norm(mixed, axis=1, keepdims=True)
    mixed = mixed.astype(np.float32)
    batch = 5_000
    for lo in range(0, total, batch):
        recs, vecs = [], {}
        for i in range(lo, min(total, lo + batch)):
            a, b = records[parents[i, 0]], records[parents[i, 1]]
            words_a, words_b = a["title"].split(), b["title"].split()
            sentences_a, sentences_b = a["abstract"].split(". "), b["abstract"].split(". ")
            # Ids from 1801.00000 on (the real ones are 2312 to 2404): 99,999 a month.
            arxiv_id = f"{18 + i // 1_199_988}{1 + (i // 99_999) % 12:02d}.{i % 99_999:05d}"
            day = before - timedelta(days=1 + i // 50)
            recs.append(PaperRecord.build(
                arxiv_id=arxiv_id,
                title=" ".join(words_a[: max(3, len(words_a) * 2 // 3)]
                               + words_b[len(words_b) * 2 // 3:]),
                abstract=". ".join(sentences_a[: len(sentences_a) // 2 + 1]
                                   + sentences_b[len(sentences_b) // 2:]),
                authors=a["authors"][:4] + b["authors"][-3:],
                published_at=f"{day - timedelta(days=2)}T12:00:00Z",
                featured_on=day.isoformat(),
                upvotes=int(rng.integers(0, 120)),
                organisation=ORGANISATIONS[i % len(ORGANISATIONS)] if i % 3 == 0 else None,
                code_url=f"https://github.com/example/repo-{i}" if i % 4 == 0 else None,
            ))
            vecs[arxiv_id] = mixed[i]
        Paper.objects.upsert_records(recs)
        now = timezone.now()
        PaperEmbedding.objects.bulk_create(
            [PaperEmbedding(paper_id=pk, model=model_key(), dim=mixed.shape[1],
                            vector=vecs[aid].tobytes(), text_hash="", updated_at=now)
             for aid, pk in Paper.objects.filter(arxiv_id__in=vecs)
             .values_list("arxiv_id", "pk")],
            batch_size=2_000)


# -- the server -------------------------------------------------------------------------

def _die_with_parent() -> None:
    """In the server process: receive SIGTERM when the benchmark process dies (Linux)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


class Server:
    """`paperwire serve` in a child process, on loopback, stopped on exit.

    Its log goes to a file (a pipe nobody reads would fill up and stall the server),
    and it is told to stop should this process die without cleaning up.
    """

    def __init__(self, *, workers: int, threads: int, page_cache: int,
                 search_cache: int | None = None) -> None:
        self.port = free_port()
        self.workers = workers
        env = {**os.environ, "PAPERWIRE_PAGE_CACHE_SECONDS": str(page_cache),
               "PAPERWIRE_LOG_LEVEL": "WARNING", "PAPERWIRE_INGEST_SOURCES": "",
               "PAPERWIRE_PROCESS_HEADER": "true"}
        if search_cache is not None:
            env["PAPERWIRE_SEARCH_CACHE_SECONDS"] = str(search_cache)
        self.log_path = Path(os.environ["PAPERWIRE_DATA_DIR"]) / f"server-{self.port}.log"
        self.log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "paperwire", "serve", "--host", "127.0.0.1",
             "--port", str(self.port), "--workers", str(workers), "--threads", str(threads),
             "--no-worker"],
            env=env, stdout=self.log, stderr=subprocess.STDOUT,
            start_new_session=True, preexec_fn=_die_with_parent)

    def log_tail(self, lines: int = 30) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def __enter__(self) -> Server:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"the server stopped:\n{self.log_tail()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return self
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise SystemExit("the server did not start within 120 s")

    def __exit__(self, *exc) -> None:
        self.stop()

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()


# -- the load generator -----------------------------------------------------------------

@dataclass
class Result:
    name: str
    requests: int
    seconds: float
    latencies: list[float]
    errors: int
    bytes: int

    @property
    def rate(self) -> float:
        return self.requests / self.seconds

    def pct(self, p: float) -> float:
        return float(np.percentile(np.asarray(self.latencies) * 1000, p))


async def _get(reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
               path: str) -> tuple[int, int, bytes]:
    """(status, body length, response head) of one request on a kept-alive connection."""
    writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: paperwire-bench\r\n"
                 "Accept: text/html\r\n\r\n".encode())
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        if line[:15].lower() == b"content-length:":
            length = int(line[15:])
    body = await reader.readexactly(length)
    return status, len(body), head


def _process(head: bytes) -> bytes:
    for line in head.split(b"\r\n")[1:]:
        if line[:21].lower() == b"x-paperwire-process: ":
            return line[21:]
    return b""


async def _balanced_connections(port: int, count: int, workers: int) -> list:
    """`count` keep-alive connections, an equal share held by each server process.

    Left to the kernel, one gunicorn worker often accepts most of them (seen with 8:
    8/0, 7/1, 5/3 from run to run), which halves the capacity measured, at random. The
    server names the answering process (PAPERWIRE_PROCESS_HEADER); a connection to a
    process that has its share already is closed and opened again.
    """
    share = -(-count // workers)
    held: dict[bytes, int] = {}
    kept, attempts = [], 0
    while len(kept) < count:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        _, _, head = await _get(reader, writer, "/health")
        process = _process(head)
        attempts += 1
        # Give up on balance after many tries rather than never start.
        if held.get(process, 0) < share or attempts > 50 * count:
            held[process] = held.get(process, 0) + 1
            kept.append((reader, writer))
        else:
            writer.close()
    return kept


async def _load(port: int, paths: list[str], requests: int, concurrency: int,
                name: str, workers: int) -> Result:
    queue = iter(range(requests))
    latencies: list[float] = []
    errors = 0
    size = 0

    async def connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal errors, size
        try:
            for n in queue:
                path = paths[n % len(paths)]
                started = time.perf_counter()
                try:
                    status, length, _ = await asyncio.wait_for(_get(reader, writer, path), 60)
                except (TimeoutError, OSError, asyncio.IncompleteReadError):
                    errors += 1
                    writer.close()
                    reader, writer = await asyncio.open_connection("127.0.0.1", port)
                    continue
                latencies.append(time.perf_counter() - started)
                size += length
                if status != 200:
                    errors += 1
        finally:
            writer.close()

    connections = await _balanced_connections(port, concurrency, workers)
    started = time.perf_counter()
    await asyncio.gather(*(connection(reader, writer) for reader, writer in connections))
    return Result(name, len(latencies), time.perf_counter() - started, latencies, errors, size)


def load(server: Server, paths: list[str], requests: int, concurrency: int,
         name: str) -> Result:
    return asyncio.run(_load(server.port, paths, requests, concurrency, name, server.workers))


# -- the run ----------------------------------------------------------------------------

def worker_memory(server: Server) -> dict:
    """Each web worker's proportional set size (MiB) now, after it has served the load,
    and how much of it is the memory-mapped HNSW file; and the master's."""
    from paperwire.benchmarks.runtime import _children, pss

    workers = [pss(pid) for pid in _children(server.process.pid)]
    return {"worker_pss_mib": [round(total / 2**20, 1) for total, _ in workers],
            "worker_index_pss_mib": [round(index / 2**20, 1) for _, index in workers],
            "master_pss_mib": round(pss(server.process.pid)[0] / 2**20, 1)}


def _checked(server: Server, result: Result) -> Result:
    """Say so at once when a scenario had errors, with the end of the server's log."""
    if result.errors:
        console.print(f"[red]{result.name}: {result.errors} errors[/red]; the server's log "
                      f"ends:\n{server.log_tail()}")
    return result


def _stop_on_sigterm(signum, frame) -> None:
    raise SystemExit(143)  # unwinds through `with Server`, which stops the server


def _summary(key: str, runs: list[Result]) -> dict:
    """One scenario's runs, and the median of each figure over them."""
    rows = [{"requests": r.requests, "seconds": r.seconds, "req_per_s": r.rate,
             "p50_ms": r.pct(50), "p99_ms": r.pct(99), "errors": r.errors,
             "kb_per_page": r.bytes / max(1, r.requests) / 1024} for r in runs]
    return {"key": key, "name": runs[0].name, "runs": rows,
            **{field: median([row[field] for row in rows])
               for field in ("req_per_s", "p50_ms", "p99_ms", "kb_per_page")},
            "requests": sum(row["requests"] for row in rows),
            "errors": sum(row["errors"] for row in rows)}


def run(*, papers: int, requests: int, search_requests: int, concurrency: int,
        workers: int, threads: int, runs: int = 3, json_path: str | None = None) -> None:
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    days = build_corpus(papers)
    from paperwire.papers.models import Paper

    total = Paper.objects.count()
    console.print(f"corpus: {total:,} papers on {len(days):,} featured days")
    # The newest day, then 39 days spread over the whole range: real (~8 papers) and
    # generated (50, of which a page shows 30) alike.
    daily_paths = ["/"] + [f"/papers?date={d.isoformat()}"
                           for d in days[1::max(1, len(days) // 39)][:39]]
    search_paths = [f"/search?q={q.replace(' ', '+')}" for q in QUERIES]
    scenarios: list[dict] = []

    for cache_seconds, key, label in ((60, "daily_cached", "daily page, page cache on"),
                                      (0, "daily_uncached", "daily page, page cache off")):
        with Server(workers=workers, threads=threads, page_cache=cache_seconds) as server:
            load(server, daily_paths, len(daily_paths) * 2, 2, "warm-up")
            scenarios.append(_summary(key, [
                _checked(server, load(server, daily_paths, requests, concurrency, label))
                for _ in range(runs)]))
    # The search page with its ranking cache off (the baseline: every request embeds
    # its query and runs both retrievers), then on, as it is served by default: the
    # queries repeat, as readers' popular searches, next pages and re-sorts do.
    for search_cache, key, label in (
            (0, "search_uncached", "search page (hybrid), ranking cache off"),
            (None, "search_hybrid", "search page (hybrid)")):
        with Server(workers=workers, threads=threads, page_cache=0,
                    search_cache=search_cache) as server:
            # Every worker loads the model on its first search: warm them all first.
            load(server, search_paths, 8 * workers, workers * threads, "warm-up")
            scenarios.append(_summary(key, [
                _checked(server, load(server, search_paths, search_requests,
                                      concurrency, label))
                for _ in range(runs)]))
            if search_cache is None:
                memory = worker_memory(server)

    table = Table(title=f"paperwire bench web: SQLite, {total:,} papers, "
                        f"{os.cpu_count()} CPUs, gunicorn {workers}x{threads}, "
                        f"{concurrency} connections, median of {runs}")
    for column in ("scenario", "requests", "req/s", "p50 ms", "p99 ms", "errors", "KB/page"):
        table.add_column(column, justify="left" if column == "scenario" else "right")
    for s in scenarios:
        table.add_row(s["name"], f"{s['requests']:,}", f"{s['req_per_s']:,.0f}",
                      f"{s['p50_ms']:.1f}", f"{s['p99_ms']:.1f}", str(s["errors"]),
                      f"{s['kb_per_page']:.0f}")
    by_key = {s["key"]: s for s in scenarios}
    cache_ratio = by_key["daily_cached"]["req_per_s"] / by_key["daily_uncached"]["req_per_s"]
    search_ratio = (by_key["search_hybrid"]["req_per_s"]
                    / by_key["search_uncached"]["req_per_s"])
    console.print(table)
    console.print(f"page cache: {cache_ratio:.1f}× the requests/s of the uncached page")
    console.print(f"search ranking cache: {search_ratio:.1f}× the requests/s of the search "
                  "page without it")
    console.print("PSS per web worker after the search runs: "
                  f"{', '.join(f'{m:.0f}' for m in memory['worker_pss_mib'])} MiB (of it the "
                  f"HNSW file {', '.join(f'{m:.0f}' for m in memory['worker_index_pss_mib'])}"
                  f" MiB), master {memory['master_pss_mib']:.0f} MiB")
    write_json(json_path, "web", {
        "params": {"papers": papers, "requests": requests, "search_requests": search_requests,
                   "concurrency": concurrency, "workers": workers, "threads": threads,
                   "runs": runs, "cpus": os.cpu_count()},
        "corpus": {"papers": total, "featured_days": len(days)},
        "scenarios": scenarios,
        "ratios": {"page_cache": cache_ratio, "search_cache": search_ratio},
        "memory_after_search": memory,
    })
