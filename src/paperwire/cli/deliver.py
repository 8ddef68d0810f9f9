"""`paperwire deliver` and `paperwire bench deliver`."""

from __future__ import annotations

import typer

from paperwire.cli import app, console
from paperwire.cli.bench import JSON_OPTION, bench_app


@app.command()
def deliver(
    now: bool = typer.Option(False, "--now",
                             help="Treat every destination as due: read each active "
                                  "one's feed now, whatever its schedule."),
    limit: int = typer.Option(0, min=0, help="Send at most this many items (0: all due)."),
) -> None:
    """Send each destination (webhook, Slack, Discord, email) the new items of its feed.

    Safe to run again, and after a crash: an item is written to the outbox once per
    destination and sent once. The worker runs this on PAPERWIRE_DELIVERY_SCHEDULE.
    """
    from paperwire.deliveries.outbox import collect_due, send_due
    from paperwire.digests.outbox import stop_on_signals

    collected = collect_due(force=now)
    console.print(f"read {collected.destinations} feeds: {collected.items} new items")
    for pk, error in collected.errors:
        console.print(f"[yellow]destination {pk}: {error}[/yellow]")
    report = send_due(limit=limit or None, stop=stop_on_signals())
    console.print(f"sent {report.sent}, deferred {report.deferred}, failed {report.failed}, "
                  f"unknown {report.unknown}, skipped {report.skipped}"
                  + (f"; taken back from dead senders {report.released}"
                     if report.released else "")
                  + (f"; stopped: {report.stopped}" if report.stopped else ""))


@bench_app.command("deliver")
def bench_deliver(
    items: int = typer.Option(10_000, min=10, help="Items to deliver."),
    kill_after: float = typer.Option(0.3, min=0.0, max=0.95,
                                     help="Kill the sender (SIGKILL) once this share of "
                                          "the items has arrived, then run it again."),
    json_path: str = JSON_OPTION,
) -> None:
    """Deliver items to a local webhook receiver: rate, duplicates and losses across a
    sender killed mid-run."""
    from paperwire.benchmarks.deliver import run

    run(items=items, kill_after=kill_after, json_path=json_path)
