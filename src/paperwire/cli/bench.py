"""`paperwire bench …`: benchmarks that print figures (never part of the test suite)."""

from __future__ import annotations

import typer

from paperwire.cli import app

bench_app = typer.Typer(help="Benchmarks; they print figures.", no_args_is_help=True)
app.add_typer(bench_app, name="bench")


@bench_app.command("ingest")
def bench_ingest(
    records: int = typer.Option(200_000, help="Records in the generated snapshot."),
    runs: int = typer.Option(3, help="Repetitions; the median is reported."),
) -> None:
    """Generated arXiv snapshot into a fresh SQLite database: papers/s and peak RSS."""
    from paperwire.benchmarks.ingest import run

    run(records=records, runs=runs)


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
