"""`paperwire bench web`: the reading site under load (a benchmark, never a test)."""

from __future__ import annotations

from pathlib import Path

import typer

from paperwire.cli.bench import JSON_OPTION, bench_app


@bench_app.command("web")
def bench_web(
    papers: int = typer.Option(100_000, min=0, help="Generated papers beside the 753 real."),
    requests: int = typer.Option(5_000, min=100, max=1_000_000,
                                 help="Requests per daily-page scenario."),
    search_requests: int = typer.Option(400, min=20, max=100_000,
                                        help="Requests in the search-page scenario."),
    concurrency: int = typer.Option(8, min=1, max=256, help="Keep-alive connections."),
    workers: int = typer.Option(2, min=1, help="gunicorn worker processes."),
    threads: int = typer.Option(4, min=1, help="Threads per worker."),
    runs: int = typer.Option(3, min=1, help="Repetitions of each scenario; medians are "
                             "reported."),
    json_path: str = JSON_OPTION,
) -> None:
    """Requests/s and p50/p99 of the daily and search pages, SQLite, on 127.0.0.1."""
    from paperwire.benchmarks.fresh import in_child, rerun_in_fresh_database

    if not in_child():
        rerun_in_fresh_database([
            "bench", "web", "--papers", str(papers), "--requests", str(requests),
            "--search-requests", str(search_requests), "--concurrency", str(concurrency),
            "--workers", str(workers), "--threads", str(threads), "--runs", str(runs),
            *(["--json", str(Path(json_path).resolve())] if json_path else [])])
        return
    from paperwire.benchmarks.web import run

    run(papers=papers, requests=requests, search_requests=search_requests,
        concurrency=concurrency, workers=workers, threads=threads, runs=runs,
        json_path=json_path)


@bench_app.command("runtime")
def bench_runtime(
    papers: int = typer.Option(100_000, min=0, help="Generated papers beside the 753 real."),
    queries: int = typer.Option(200, min=10, help="Timed queries for query embedding."),
    embed_sample: int = typer.Option(512, min=0, help="Abstracts in the document-embedding "
                                     "run (0: skip it)."),
    runs: int = typer.Option(3, min=1, help="Cold `paperwire search` runs; the median is "
                             "reported."),
    json_path: str = JSON_OPTION,
) -> None:
    """The serving path on ONNX Runtime against the old torch path, in the same run:
    first search of a fresh web worker, query embedding, PSS per worker, a cold
    `paperwire search`, document embedding."""
    from paperwire.benchmarks.fresh import in_child, rerun_in_fresh_database

    if not in_child():
        rerun_in_fresh_database([
            "bench", "runtime", "--papers", str(papers), "--queries", str(queries),
            "--embed-sample", str(embed_sample), "--runs", str(runs),
            *(["--json", str(Path(json_path).resolve())] if json_path else [])])
        return
    from paperwire.benchmarks.runtime import run

    run(papers=papers, queries=queries, embed_sample=embed_sample, runs=runs,
        json_path=json_path)
