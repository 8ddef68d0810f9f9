"""`paperwire bench …`: benchmarks that print figures (never part of the test suite)."""

from __future__ import annotations

from typing import Any

import typer

from paperwire.cli import app

bench_app = typer.Typer(help="Benchmarks; they print figures.", no_args_is_help=True)
app.add_typer(bench_app, name="bench")
# `--json PATH`: each bench that `paperwire bench all` runs also writes its figures there.
JSON_OPTION = typer.Option(None, "--json", metavar="PATH",
                           help="Also write the results as JSON to this file.")


@bench_app.command("ingest")
def bench_ingest(
    records: int = typer.Option(200_000, help="Records in the generated snapshot."),
    runs: int = typer.Option(3, min=1, help="Repetitions; the median is reported."),
    json_path: str = JSON_OPTION,
) -> None:
    """Generated arXiv snapshot into a fresh SQLite database: papers/s and peak RSS."""
    from paperwire.benchmarks.ingest import run

    run(records=records, runs=runs, json_path=json_path)


@bench_app.command("soak")
def bench_soak(
    minutes: float = typer.Option(10, help="How long the load runs."),
    database_url: str = typer.Option(
        "", "--database-url", help="An empty scratch PostgreSQL database "
        "(postgresql://…); default: SQLite in a new data dir."),
    threads: int = typer.Option(8, help="Client threads, each also a writer (upvotes)."),
) -> None:
    """Mixed browsing, search and upvotes against `paperwire serve`: no 5xx, no
    "database is locked", memory flat."""
    from paperwire.benchmarks.soak import run

    run(minutes=minutes, database_url=database_url, threads=threads)


def _size(help_text: str) -> Any:
    return typer.Option(None, min=1, show_default=False, help=help_text)


@bench_app.command("all")
def bench_all(
    output: str = typer.Option(None, "--output", "-o", metavar="PATH", show_default=False,
                               help="Where the report goes (default: BENCHMARKS.md at the "
                                    "root of the checkout)."),
    quick: bool = typer.Option(False, "--quick", help="Small sizes and one run: a smoke "
                                                      "test of a few minutes."),
    only: str = typer.Option("", "--only", metavar="KEYS",
                             help="Comma-separated benches to run: ingest, search-small, "
                                  "search-large, web, runtime, digests, deliver, "
                                  "recommend (default: all)."),
    keep: str = typer.Option(None, "--keep", metavar="DIR", show_default=False,
                             help="Keep each bench's JSON and log in this folder."),
    runs: int = _size("Repetitions for the medians [3; --quick 1]."),
    ingest_records: int = _size("Snapshot records ingested [200,000; --quick 5,000]."),
    search_small_papers: int = _size("Papers of the small search corpus, also where "
                                     "embedding is measured [10,000; --quick 2,000]."),
    search_papers: int = _size("Papers of the large search corpus [100,000; --quick "
                               "5,000]."),
    ann_vectors: int = _size("Vectors in the ANN index [1,000,000; --quick 20,000]."),
    queries: int = _size("Timed queries per search mode [200; --quick 20]."),
    embed_sample: int = _size("Abstracts in the embedding-throughput run [512; --quick "
                              "64]."),
    web_papers: int = _size("Generated papers for the web bench [100,000; --quick 2,000]."),
    web_requests: int = _size("Requests per daily-page scenario [5,000; --quick 200]."),
    web_search_requests: int = _size("Requests in the search-page scenario [400; --quick "
                                     "20]."),
    digest_subscribers: int = _size("Generated digest subscribers [100,000; --quick "
                                    "2,000]."),
    digest_baseline: int = _size("Subscribers built both ways for the digest baseline "
                                 "[1,000; --quick 200]."),
    deliver_items: int = _size("Items delivered to the local webhook receiver [10,000; "
                               "--quick 200]."),
    recommend_readers: int = _size("Simulated readers of the For-you quality part [200; "
                                   "--quick 10]."),
    recommend_papers: int = _size("Papers of the For-you speed part [100,000; --quick "
                                  "2,000]."),
    recommend_speed_readers: int = _size("Readers of the For-you speed part [10,000; "
                                         "--quick 200]."),
    recommend_requests: int = _size("Timed For-you requests [200; --quick 20]."),
) -> None:
    """Every bench in turn, each in a child process; writes BENCHMARKS.md (medians,
    baselines measured in the same run, ratios, peak memory). A bench that fails is
    reported as failed and the others still run. With --only, the sections of the benches
    run replace theirs in an existing report and the rest of it stays."""
    import shlex
    import sys
    from pathlib import Path

    from paperwire.benchmarks.suite import FULL, QUICK, default_output, plan, run

    given = {"runs": runs, "ingest_records": ingest_records,
             "search_small_papers": search_small_papers, "search_papers": search_papers,
             "ann_vectors": ann_vectors, "queries": queries, "embed_sample": embed_sample,
             "web_papers": web_papers, "web_requests": web_requests,
             "web_search_requests": web_search_requests,
             "digest_subscribers": digest_subscribers, "digest_baseline": digest_baseline,
             "deliver_items": deliver_items, "recommend_readers": recommend_readers,
             "recommend_papers": recommend_papers,
             "recommend_speed_readers": recommend_speed_readers,
             "recommend_requests": recommend_requests}
    defaults = QUICK if quick else FULL
    sizes = {key: value if value is not None else defaults[key]
             for key, value in given.items()}
    steps = plan(sizes)
    if only:
        wanted = {key.strip() for key in only.split(",") if key.strip()}
        unknown = wanted - {step.key for step in steps}
        if unknown:
            raise typer.BadParameter(f"unknown bench(es): {', '.join(sorted(unknown))}",
                                     param_hint="--only")
        steps = [step for step in steps if step.key in wanted]
    command = shlex.join(["paperwire", *sys.argv[1:]])
    outcomes = run(steps=steps, output=Path(output) if output else default_output(),
                   command=command, keep=Path(keep) if keep else None,
                   merge_into_existing=bool(only))
    if not any(outcome.ok for outcome in outcomes):
        raise typer.Exit(1)


@bench_app.command("recommend")
def bench_recommend(
    readers: int = typer.Option(200, min=1, help="Simulated readers for the quality part."),
    papers: int = typer.Option(100_000, min=753, help="Papers for the speed part (the 753 "
                                                      "real ones plus generated ones)."),
    speed_readers: int = typer.Option(10_000, min=1, help="Readers for the speed part."),
    requests: int = typer.Option(200, min=1, help="Timed For-you requests."),
    skip_speed: bool = typer.Option(False, "--skip-speed",
                                    help="Measure the quality only (the 753 real papers, "
                                         "a few minutes), not the page at scale."),
    profile: str = typer.Option(None, "--profile", help="Write the For-you pages' cProfile "
                                                      "statistics (pstats) to this file."),
    json_path: str = JSON_OPTION,
) -> None:
    """For you against trending and an arxiv-sanity-style tf-idf SVM (precision@10,
    nDCG@10 on held-out days), what one "not interested" removes, and the For-you
    page's latency at scale."""
    from paperwire.benchmarks.recommend import run

    run(readers=readers, papers=papers, speed_readers=speed_readers, requests=requests,
        json_path=json_path, skip_speed=skip_speed, profile=profile)
