"""`paperwire worker`: the task queue worker and the scheduler, in one process."""

from __future__ import annotations

import logging
import os
import socket
import threading

import typer

from paperwire.cli import app, console

log = logging.getLogger("paperwire.worker")
TICK_SECONDS = 20


def _scheduler_loop(stop: threading.Event) -> None:
    from django.db import connection

    from paperwire.schedule.jobs import tick

    while not stop.is_set():
        try:
            tick()
        except Exception:  # a bad tick is logged; the next one tries again
            log.exception("scheduler tick failed")
        finally:
            connection.close()
        stop.wait(TICK_SECONDS)


def _worker(batch: bool, interval: float):
    from django_tasks_db.management.commands.db_worker import Worker

    return Worker(queue_names=["*"], interval=interval, batch=batch, backend_name="default",
                  startup_delay=not batch, max_tasks=None,
                  worker_id=f"{socket.gethostname()}-{os.getpid()}", excluded_queue_names=[])


@app.command()
def worker(
    once: bool = typer.Option(False, "--once",
                              help="Enqueue what is due, run every ready task, then exit."),
    interval: float = typer.Option(1.0, help="Seconds between polls of the task queue."),
    no_schedule: bool = typer.Option(False, "--no-schedule",
                                     help="Only run queued tasks; enqueue nothing."),
) -> None:
    """Run background tasks (ingestion, embedding, digests) and the scheduler."""
    from paperwire.cli import migrate
    from paperwire.schedule.jobs import tick

    migrate()
    if once:
        if not no_schedule:
            fired = tick()
            if fired:
                console.print(f"enqueued: {', '.join(fired)}")
        _worker(batch=True, interval=0).run()
        return
    stop = threading.Event()
    if not no_schedule:
        threading.Thread(target=_scheduler_loop, args=(stop,), daemon=True,
                         name="scheduler").start()
    runner = _worker(batch=False, interval=interval)
    runner.configure_signals()  # SIGTERM: finish the task in hand, then stop
    try:
        runner.run()
    finally:
        stop.set()
