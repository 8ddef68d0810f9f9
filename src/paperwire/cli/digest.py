"""`paperwire subscriber …`, `paperwire digest …` and `paperwire bench digests`."""

from __future__ import annotations

import json

import typer

from paperwire.cli import app, console, email_address
from paperwire.cli.bench import JSON_OPTION, bench_app

subscriber_app = typer.Typer(help="Manage digest subscribers.", no_args_is_help=True)
app.add_typer(subscriber_app, name="subscriber")
digest_app = typer.Typer(help="Preview and send email digests.", no_args_is_help=True)
app.add_typer(digest_app, name="digest")

FREQUENCY = typer.Option("daily", "--frequency", help="daily (weekdays) or weekly.")


def _kind(value: str) -> str:
    if value not in ("daily", "weekly"):
        console.print(f"[red]use daily or weekly, not {value!r}[/red]")
        raise typer.Exit(2)
    return value


@subscriber_app.command("add")
def subscriber_add(
    email: str,
    confirmed: bool = typer.Option(False, "--confirmed",
                                   help="Take the address as confirmed: send no "
                                        "confirmation mail."),
    frequency: str = FREQUENCY,
) -> None:
    """Subscribe an address (a confirmation mail goes out unless --confirmed)."""
    from paperwire.digests.emails import send_confirmation
    from paperwire.digests.models import Subscriber

    email, frequency = email_address(email), _kind(frequency)
    subscriber = Subscriber.objects.request(email, frequency=frequency)
    if subscriber.frequency != frequency:
        Subscriber.objects.filter(pk=subscriber.pk).update(frequency=frequency)
    if confirmed:
        subscriber.confirm()
        console.print(f"{email} subscribed ({frequency})")
    elif subscriber.is_confirmed:
        console.print(f"{email} is already subscribed")
    else:
        result = send_confirmation(subscriber)
        if result.status == "sent":
            console.print(f"{email} added; a confirmation mail is on its way")
        elif result.status == "logged":
            console.print(f"{email} added; mail is not set up (PAPERWIRE_SMTP_HOST is "
                          "empty), so the confirmation mail is in the log above")
        else:
            console.print(f"[yellow]{email} added, but the confirmation mail could not be "
                          f"sent: {result.error}[/yellow]", highlight=False)
            raise typer.Exit(1)


@subscriber_app.command("list")
def subscriber_list(as_json: bool = typer.Option(False, "--json")) -> None:
    """Every subscriber with their state."""
    from paperwire.digests.models import Subscriber

    rows = [{"email": s.email, "status": s.status, "frequency": s.frequency,
             "last_covered_day": s.last_covered_day.isoformat() if s.last_covered_day else None}
            for s in Subscriber.objects.order_by("email")]
    if as_json:
        print(json.dumps(rows, indent=2))
        return
    for row in rows:
        print(f"{row['email']:<40} {row['status']:<12} {row['frequency']:<7} "
              f"{row['last_covered_day'] or '-'}")


@digest_app.command("preview")
def digest_preview(
    email: str,
    html: bool = typer.Option(False, "--html", help="Print the HTML part, not the text."),
) -> None:
    """Print the subscriber's next digest, as it would be sent now."""
    from paperwire.digests.emails import preview
    from paperwire.digests.models import Subscriber

    subscriber = Subscriber.objects.filter(email=email_address(email)).first()
    if subscriber is None:
        console.print(f"[red]no subscriber {email}[/red]")
        raise typer.Exit(1)
    parts = preview(subscriber)
    if parts is None:
        console.print(f"{subscriber.email} has nothing new to receive")
        return
    subject, text, body = parts
    print(body if html else f"Subject: {subject}\n\n{text}")


@digest_app.command("send")
def digest_send(
    period: str = typer.Option(..., "--period", help="daily or weekly."),
    dry_run: bool = typer.Option(False, "--dry-run",
                                 help="Say what would be built; write and send nothing."),
) -> None:
    """Build this period's digests into the outbox, then send everything due.

    Safe to run again, and after a crash: a digest is built once per subscriber and
    period, and sent once.
    """
    from paperwire.digests.build import build_digests
    from paperwire.digests.outbox import send_due, stop_on_signals
    from paperwire.digests.tasks import schedule_retries

    kind = _kind(period)
    built = build_digests(kind, dry_run=dry_run)
    verb = "would build" if dry_run else "built"
    console.print(f"{built.period}: {verb} {built.digests} digests for {built.considered} "
                  f"subscribers ({built.empty} with nothing new, {built.up_to_date} up to "
                  f"date); covering featured days up to {built.end_day or 'none yet'}")
    if dry_run:
        for email, content in built.samples:
            console.print(f"  {email}: {len(content['trending'])} trending, "
                          f"{sum(len(a['papers']) for a in content['alerts'])} alert "
                          f"matches, {len(content['picks'])} picks")
        return
    report = send_due(stop=stop_on_signals())
    console.print(f"sent {report.sent}, deferred {report.deferred}, failed {report.failed}, "
                  f"unknown {report.unknown}, skipped {report.skipped}"
                  + (f"; stopped: {report.stopped}" if report.stopped else ""))
    if report.deferred:
        schedule_retries()
        console.print("deferred digests are retried by `paperwire worker` (or the next "
                      "`paperwire digest send`)")
    if report.stopped and report.stopped != "asked to stop":
        raise typer.Exit(1)


@bench_app.command("digests")
def bench_digests(
    subscribers: int = typer.Option(100_000, help="Generated subscribers."),
    workers: int = typer.Option(2, min=1,
                                help="Processes building and rendering in parallel."),
    runs: int = typer.Option(3, min=1, help="Repetitions; medians are reported."),
    baseline: int = typer.Option(1_000, min=1,
                                 help="Subscribers in the sample built both ways (naive "
                                      "baseline against the real build)."),
    json_path: str = JSON_OPTION,
) -> None:
    """Build (and render) every digest for generated subscribers; SMTP excluded."""
    from paperwire.benchmarks.digests import run

    run(subscribers=subscribers, workers=workers, runs=runs, baseline=baseline,
        json_path=json_path)
