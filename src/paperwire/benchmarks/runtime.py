"""`paperwire bench runtime`: the serving path on ONNX Runtime against the torch path it
replaced, both measured in the same run.

Runs in a child process on a fresh SQLite database (benchmarks/fresh.py). Steps:
1. document embedding, real abstracts, batch 16 at the token limit: ONNX Runtime
   (float32, every core) against torch in float32 and in bfloat16 (the old default on a
   CPU with native bfloat16), with the lowest cosine between their vectors;
2. query embedding alone, one core: ONNX Runtime against torch (old precision);
3. the corpus of `bench web` (753 real + `papers` generated, HNSW index file built);
4. `paperwire serve --workers 2 --no-worker`, then the torch baseline
   (benchmarks/torch_baseline: queries through torch, no preloading), each fresh:
   seconds from the first answered /health (a worker accepting connections) to the
   first search page and to the first paper page (similar papers), then the
   proportional set size (PSS, /proc/PID/smaps_rollup: shared pages split between the
   processes sharing them) of each web worker after a few searches, and how much of it
   is the memory-mapped HNSW index file;
5. a cold `paperwire search "…"` (a new process; the page cache is warm), both ways.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np

from paperwire.benchmarks.common import write_json

QUERY = "speculative decoding"


def _p50_ms(times: list[float]) -> float:
    return round(float(np.percentile(np.asarray(times) * 1000, 50)), 3)


def bench_documents(texts: list[str], repeats: int = 3) -> dict:
    from django.test import override_settings

    from paperwire.search import embeddings

    def rate(embed) -> tuple[float, np.ndarray]:
        embed(texts[:32])
        elapsed = []
        for _ in range(repeats):
            start = time.perf_counter()
            vectors = embed(texts)
            elapsed.append(time.perf_counter() - start)
        return len(texts) / statistics.median(elapsed), vectors

    with override_settings(EMBEDDING_RUNTIME="onnx"):
        onnx_rate, onnx_vectors = rate(embeddings.embed_texts)
    rows = {"onnx_float32": {"per_s": round(onnx_rate, 1)}}
    print(f"document embedding, {len(texts)} abstracts, batch "
          f"{embeddings.default_batch_size('cpu')}:")
    print(f"  ONNX Runtime float32 ({os.cpu_count()} threads)  {onnx_rate:7.1f} abstracts/s")
    if not embeddings.torch_installed():
        print("  (torch is not installed: no torch rows)")
        return rows
    for dtype in ("float32", "bfloat16"):
        per_s, vectors = rate(lambda items, d=dtype: embeddings.embed_with_torch(
            items, device="cpu", dtype=d))
        cosine = float(np.sum(vectors * onnx_vectors, axis=1).min())
        rows[f"torch_{dtype}"] = {"per_s": round(per_s, 1), "min_cosine_with_onnx":
                                  round(cosine, 6)}
        print(f"  torch {dtype:8}                    {per_s:7.1f} abstracts/s   "
              f"ONNX/torch x{onnx_rate / per_s:4.2f}, lowest cosine {cosine:.5f}")
    return rows


def bench_queries(queries: list[str]) -> dict:
    """Query embedding p50 at the queries' precision (the setting, int8 by default), at
    float32 and through torch, the three interleaved query by query so that a drift of
    the machine's speed meets each the same."""
    from django.test import override_settings

    from paperwire.benchmarks import torch_baseline
    from paperwire.search import embeddings

    def float32(texts: list[str]):
        with override_settings(EMBEDDING_QUERY_WEIGHTS="float32"):
            return embeddings.embed_queries(texts)

    ways = {"onnx_p50_ms": embeddings.embed_queries, "onnx_float32_p50_ms": float32}
    if embeddings.torch_installed():
        ways["torch_p50_ms"] = torch_baseline._torch_queries
    times: dict[str, list[float]] = {key: [] for key in ways}
    for q in queries[:5]:
        for embed in ways.values():
            embed([q])
    for q in queries:
        for key, embed in ways.items():
            start = time.perf_counter()
            embed([q])
            times[key].append(time.perf_counter() - start)
    report = {key: _p50_ms(t) for key, t in times.items()}
    report["query_weights"] = embeddings.onnx_encoder(1, "query").weights
    print(f"query embedding alone, {len(queries)} queries, one core: ONNX Runtime "
          f"({report['query_weights']}) p50 {report['onnx_p50_ms']:.2f} ms, float32 "
          f"{report['onnx_float32_p50_ms']:.2f} ms", end="")
    if "torch_p50_ms" in report:
        print(f", torch ({embeddings.precision('cpu')}) p50 {report['torch_p50_ms']:.2f} ms",
              end="")
    print()
    return report


# -- the server ----------------------------------------------------------------------------

def _children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry))
    return found


def pss(pid: int) -> tuple[int, int]:
    """(PSS of the process, PSS of its mappings of *.usearch files), in bytes."""
    total = 0
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith("Pss:"):
            total = int(line.split()[1]) * 1024
    index, current = 0, ""
    for line in Path(f"/proc/{pid}/smaps").read_text().splitlines():
        head = line.split()
        if head and "-" in head[0] and len(head) >= 5 and not head[0].endswith(":"):
            current = head[5] if len(head) > 5 else ""
        elif line.startswith("Pss:") and current.endswith(".usearch"):
            index += int(head[1]) * 1024
    return total, index


def _wait_ready(base_url: str, process: subprocess.Popen, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if httpx.get(f"{base_url}/health", timeout=5).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"the server did not start (exit status {process.poll()})")
        time.sleep(0.05)


def bench_server(env: dict, launcher: list[str], label: str, paper_id: str) -> dict:
    from paperwire.benchmarks.common import free_port

    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            [*launcher, "serve", "--port", str(port), "--workers", "2", "--no-worker"],
            env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            started = time.perf_counter()
            _wait_ready(base_url, process)
            accepting = time.perf_counter()
            with httpx.Client(timeout=120) as client:
                t = time.perf_counter()
                assert client.get(f"{base_url}/search", params={"q": QUERY}).status_code == 200
                first_search = time.perf_counter() - t
            with httpx.Client(timeout=120) as client:
                t = time.perf_counter()
                assert client.get(f"{base_url}/papers/{paper_id}").status_code == 200
                first_paper = time.perf_counter() - t
            # Every worker warm: new connections until each has answered searches.
            answered: dict[int, int] = {}
            for n in range(60):
                response = httpx.get(f"{base_url}/search", params={"q": f"{QUERY} {n}"},
                                     timeout=120)
                pid = int(response.headers["X-Paperwire-Process"])
                answered[pid] = answered.get(pid, 0) + 1
                if len(answered) == 2 and min(answered.values()) >= 3:
                    break
            memory = {pid: pss(pid) for pid in _children(process.pid)}
            master = pss(process.pid)[0]
        finally:
            process.terminate()
            try:
                process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, 9)
                process.wait()
    result = {
        "start_to_accepting_s": round(accepting - started, 3),
        "first_search_s": round(first_search, 3), "first_paper_page_s": round(first_paper, 3),
        "worker_pss_mib": [round(m[0] / 2**20, 1) for m in memory.values()],
        "worker_index_pss_mib": [round(m[1] / 2**20, 1) for m in memory.values()],
        "master_pss_mib": round(master / 2**20, 1),
    }
    print(f"  {label:26} start {result['start_to_accepting_s']:6.2f} s   first search "
          f"{first_search:6.2f} s   first paper page {first_paper:6.2f} s\n"
          f"  {'':26} PSS per worker "
          f"{', '.join(f'{v:.0f}' for v in result['worker_pss_mib'])} MiB (of it the HNSW "
          f"file {', '.join(f'{v:.0f}' for v in result['worker_index_pss_mib'])} MiB), "
          f"master {result['master_pss_mib']:.0f} MiB", flush=True)
    return result


def bench_cli(env: dict, launcher: list[str], label: str, runs: int) -> dict:
    """Wall seconds of a new `paperwire search` process, and its CPU seconds (user +
    system), which a loaded machine inflates far less."""
    import resource

    # A machine that sets PYTHONDONTWRITEBYTECODE (this one does) recompiles the
    # package's own modules in every process, about 0.15 s; an installed paperwire
    # writes their bytecode on its first run. That first run is made here, untimed.
    env = {k: v for k, v in env.items() if k != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run([*launcher, "search", QUERY, "--limit", "5"], env=env, check=True,
                   capture_output=True)
    times, cpu = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run([*launcher, "search", QUERY, "--limit", "5"], env=env, check=True,
                       capture_output=True)
        times.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    print(f"  {label:28} paperwire search cold: median {statistics.median(times):.2f} s "
          f"({', '.join(f'{t:.2f}' for t in times)}), CPU {statistics.median(cpu):.2f} s",
          flush=True)
    return {"median_s": round(statistics.median(times), 3),
            "runs_s": [round(t, 3) for t in times],
            "cpu_median_s": round(statistics.median(cpu), 3)}


def run(papers: int, queries: int, embed_sample: int, runs: int,
        json_path: str | None) -> None:
    from django.conf import settings

    from paperwire.benchmarks.fresh import load_real_papers
    from paperwire.benchmarks.search_speed import cpu_description
    from paperwire.benchmarks.web import QUERIES, build_corpus
    from paperwire.search import embeddings
    from paperwire.search.embeddings import paper_text

    report: dict = {"params": {"papers": papers, "queries": queries,
                               "embed_sample": embed_sample, "runs": runs},
                    "cpu": cpu_description(), "load_average": os.getloadavg()}
    print(f"on {report['cpu']}, {os.cpu_count()} cores, load average "
          f"{report['load_average'][0]:.1f} at the start")
    start = time.perf_counter()
    embeddings.load_query_model()
    print(f"ONNX model file ready and loaded in {time.perf_counter() - start:.1f} s")
    records = load_real_papers()
    texts = [paper_text(r["title"], r["abstract"]) for r in records]
    if embed_sample:
        report["documents"] = bench_documents([texts[i % len(texts)]
                                               for i in range(embed_sample)])
    query_texts = [QUERIES[i % len(QUERIES)] + ("" if i < len(QUERIES) else f" {i}")
                   for i in range(queries)]
    report["queries"] = bench_queries(query_texts)
    build_corpus(papers)

    env = {**os.environ, "PAPERWIRE_PROCESS_HEADER": "true",
           "PAPERWIRE_DATA_DIR": str(settings.DATA_DIR)}
    ours = [sys.executable, "-m", "paperwire"]
    baseline = [sys.executable, "-m", "paperwire.benchmarks.torch_baseline"]
    have_torch = embeddings.torch_installed()
    print(f"web workers at {papers + len(records):,} papers (2 workers, each fresh):")
    report["serve"] = {"onnx": bench_server(env, ours, "ONNX Runtime, preloaded",
                                            records[0]["id"])}
    if have_torch:
        report["serve"]["torch"] = bench_server(env, baseline, "torch (baseline)",
                                                records[0]["id"])
    print("a new process per search:")
    report["cli"] = {"onnx": bench_cli(env, ours, "ONNX Runtime", runs)}
    if have_torch:
        report["cli"]["torch"] = bench_cli(env, baseline, "torch (baseline)", runs)
    report["load_average_end"] = os.getloadavg()
    write_json(json_path, "runtime", report)
