"""`paperwire ingest <source>`: one command per source, a progress bar, a summary."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from paperwire.cli import app, console

ingest_app = typer.Typer(help="Bring papers in from a source.", no_args_is_help=True)
app.add_typer(ingest_app, name="ingest")

QUIET = typer.Option(False, "--quiet", "-q", help="No progress bar; summary only on errors.")
FRESH = typer.Option(False, "--fresh", help="Start over instead of resuming an unfinished run.")
BATCH = typer.Option(1000, "--batch-size", help="Papers stored per transaction.")


class RichProgress:
    def __init__(self, label: str) -> None:
        self.progress = Progress(
            TextColumn("[bold]{task.description}"), BarColumn(),
            TextColumn("{task.fields[stored]} stored, {task.fields[skipped]} skipped"),
            TextColumn("{task.fields[rate]:.0f} papers/s"), TimeElapsedColumn(),
            console=console, transient=False,
        )
        self.task = self.progress.add_task(label, total=None, stored=0, skipped=0, rate=0.0)
        self.started = datetime.now()

    def __enter__(self) -> RichProgress:
        self.progress.start()
        return self

    def __exit__(self, *exc) -> None:
        self.progress.stop()

    def update(self, run, done, total) -> None:
        elapsed = max((datetime.now() - self.started).total_seconds(), 1e-6)
        self.progress.update(self.task, completed=done or 0, total=total,
                             stored=run.stored, skipped=run.skipped,
                             rate=run.stored / elapsed)


# Exit status when the same ingest is running in another process (EX_TEMPFAIL).
ALREADY_RUNNING = 75


def _run(source, *, quiet: bool, fresh: bool, batch_size: int) -> None:
    from paperwire.ingest.models import RunInProgress, RunTakenOver
    from paperwire.ingest.runner import run_ingest
    from paperwire.search.tasks import enqueue_embedding

    try:
        if quiet:
            result = run_ingest(source, batch_size=batch_size, resume=not fresh,
                                after_batch=enqueue_embedding)
        else:
            with RichProgress(f"ingest {source.name}") as progress:
                result = run_ingest(source, batch_size=batch_size, resume=not fresh,
                                    progress=progress, after_batch=enqueue_embedding)
    except RunInProgress as e:
        console.print(f"[red]{e}[/red]", highlight=False)
        raise typer.Exit(ALREADY_RUNNING) from None
    except RunTakenOver as e:
        console.print(f"[red]{e}[/red]", highlight=False)
        raise typer.Exit(1) from None
    run = result.run
    if not quiet or not result.ok or run.skipped:
        _summary(run)
    if not result.ok:
        raise typer.Exit(1)


def _summary(run) -> None:
    table = Table(title=f"ingest run {run.pk}: {run.source}, {run.status}")
    for column in ("new", "updated", "unchanged", "skipped"):
        table.add_column(column, justify="right")
    table.add_row(str(run.new), str(run.updated), str(run.unchanged), str(run.skipped))
    console.print(table)
    for skip in run.skip_reasons[:20]:
        console.print(f"  skipped {skip['where']}: {skip['reason']}", markup=False,
                      highlight=False)
    if run.skipped > 20:
        console.print(f"  … and {run.skipped - 20} more: `paperwire ingest skips {run.pk}` "
                      "lists them all", markup=False, highlight=False)
    if run.error:
        console.print(f"[red]stopped:[/red] {run.error}", highlight=False)


def _day(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a YYYY-MM-DD date") from None


@ingest_app.command("snapshot")
def ingest_snapshot(path: Path, quiet: bool = QUIET, fresh: bool = FRESH,
                    batch_size: int = BATCH) -> None:
    """The arXiv metadata snapshot (JSON lines, plain or .gz)."""
    from paperwire.ingest.snapshot import SnapshotSource

    _run(SnapshotSource(path), quiet=quiet, fresh=fresh, batch_size=batch_size)


@ingest_app.command("jsonl")
def ingest_jsonl(path: Path, quiet: bool = QUIET, fresh: bool = FRESH,
                 batch_size: int = BATCH) -> None:
    """JSON lines of papers (id, title, authors, abstract, publication_date, upvotes)."""
    from paperwire.ingest.jsonl import JsonlSource

    _run(JsonlSource(path), quiet=quiet, fresh=fresh, batch_size=batch_size)


@ingest_app.command("daily")
def ingest_daily(
    path: Path = typer.Argument(None, help="A file in the /api/daily_papers shape."),
    day: str = typer.Option(None, "--date", help="One day from the endpoint (YYYY-MM-DD)."),
    since: str = typer.Option(None, "--from", help="First day of a range."),
    until: str = typer.Option(None, "--until", help="Last day of a range (default today)."),
    quiet: bool = QUIET, fresh: bool = FRESH, batch_size: int = BATCH,
) -> None:
    """Daily Papers JSON, from PAPERWIRE_DAILY_URL by day, or from a file."""
    from paperwire.ingest.daily import DailyEndpointSource, DailyFileSource

    if path is not None:
        source = DailyFileSource(path)
    else:
        start = _day(day or since) or date.today()
        end = _day(day or until) or date.today()
        if end < start:
            raise typer.BadParameter("--until is before --from")
        source = DailyEndpointSource(start, end)
    _run(source, quiet=quiet, fresh=fresh, batch_size=batch_size)


@ingest_app.command("arxiv")
def ingest_arxiv(
    ids: list[str] = typer.Argument(None, help="arXiv ids or URLs."),
    category: list[str] = typer.Option(None, "--category", "-c", help="e.g. cs.CL (repeat)."),
    since: str = typer.Option(None, "--from", help="Submitted on or after (YYYY-MM-DD)."),
    until: str = typer.Option(None, "--until", help="Submitted on or before (YYYY-MM-DD)."),
    query: str = typer.Option(None, "--query", help="A raw arXiv search_query."),
    page_size: int = typer.Option(100, help="Results per request (at most 2000)."),
    limit: int = typer.Option(None, help="Stop after this many results."),
    quiet: bool = QUIET, fresh: bool = FRESH, batch_size: int = BATCH,
) -> None:
    """The arXiv API: by ids, or by categories and a date window."""
    from paperwire.ingest.arxiv import ArxivSource

    if not ids and not category and not query:
        raise typer.BadParameter("give ids, --category or --query")
    source = ArxivSource(ids=ids, categories=category, start=_day(since), end=_day(until),
                         query=query, page_size=page_size, limit=limit)
    _run(source, quiet=quiet, fresh=fresh, batch_size=batch_size)


@ingest_app.command("oai")
def ingest_oai(
    since: str = typer.Option(None, "--from", help="Records changed on or after (YYYY-MM-DD)."),
    until: str = typer.Option(None, "--until", help="Records changed on or before."),
    set_spec: str = typer.Option(None, "--set", help="OAI set, e.g. cs or physics:astro-ph."),
    prefix: str = typer.Option("arXiv", "--prefix", help="arXiv or arXivRaw."),
    quiet: bool = QUIET, fresh: bool = FRESH, batch_size: int = BATCH,
) -> None:
    """arXiv OAI-PMH bulk harvest (follows resumption tokens, resumes after a crash)."""
    from paperwire.ingest.oai import PREFIXES, OaiSource

    if prefix not in PREFIXES:
        raise typer.BadParameter(f"--prefix must be one of {', '.join(PREFIXES)}")
    source = OaiSource(prefix=prefix, from_date=_day(since), until=_day(until),
                       set_spec=set_spec)
    _run(source, quiet=quiet, fresh=fresh, batch_size=batch_size)


@ingest_app.command("skips")
def ingest_skips(run_id: int = typer.Argument(..., help="The run's number, from its summary.")
                 ) -> None:
    """Every input a run skipped, and why: one tab-separated line each."""
    from paperwire.ingest.models import IngestRun, IngestSkip

    if not IngestRun.objects.filter(pk=run_id).exists():
        console.print(f"[red]no ingest run {run_id}[/red]")
        raise typer.Exit(1)
    for where, reason in (IngestSkip.objects.filter(run_id=run_id).order_by("pk")
                          .values_list("where", "reason").iterator(chunk_size=2000)):
        print(f"{where}\t{reason}")
