"""`paperwire worker`: the task queue worker and the scheduler, in one process."""

from __future__ import annotations

import logging
import os
import signal
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


def _worker(batch: bool, interval: float, *, queues: tuple[str, ...] = ("*",),
            excluded: tuple[str, ...] = (), lane: str = ""):
    from django_tasks_db.management.commands.db_worker import Worker

    worker_id = f"{socket.gethostname()}-{os.getpid()}" + (f"-{lane}" if lane else "")
    return Worker(queue_names=list(queues), interval=interval, batch=batch,
                  backend_name="default", startup_delay=not batch, max_tasks=None,
                  worker_id=worker_id, excluded_queue_names=list(excluded))


def _run_lanes(interval: float) -> int:
    """Two task loops side by side: one for embedding, one for everything else.

    A scheduled fetch may spend many minutes retrying an unreachable source; the papers
    already stored are embedded meanwhile on their own lane. The first SIGTERM or SIGINT
    lets each lane finish the task in hand and stop; a second one exits at once.
    Returns the exit status: 1 when a lane died of an error.
    """
    from paperwire.search.tasks import EMBEDDING_QUEUE

    lanes = {"tasks": _worker(False, interval, excluded=(EMBEDDING_QUEUE,)),
             "embedding": _worker(False, interval, queues=(EMBEDDING_QUEUE,),
                                  lane="embedding")}
    failed: list[str] = []

    def run(name: str, lane) -> None:
        try:
            lane.run()
        except BaseException:
            log.exception("the %s lane of the worker stopped on an error", name)
            failed.append(name)
            stop_all()

    def stop_all() -> None:
        for lane in lanes.values():
            lane.running = False

    def on_signal(signum, frame) -> None:
        if not all(lane.running for lane in lanes.values()):
            log.warning("%s again: stopping now", signal.strsignal(signum))
            os._exit(1)
        log.warning("%s: finishing the tasks in hand, then stopping (again to force)",
                    signal.strsignal(signum))
        stop_all()

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, on_signal)
    threads = [threading.Thread(target=run, args=(name, lane), daemon=True,
                                name=f"worker-{name}") for name, lane in lanes.items()]
    for thread in threads:
        thread.start()
    while any(thread.is_alive() for thread in threads):
        for thread in threads:
            thread.join(timeout=0.5)  # short waits: signals are handled between them
    return 1 if failed else 0


@app.command()
def worker(
    once: bool = typer.Option(False, "--once",
                              help="Enqueue what is due, run every ready task, then exit."),
    interval: float = typer.Option(1.0, help="Seconds between polls of the task queue."),
    no_schedule: bool = typer.Option(False, "--no-schedule",
                                     help="Only run queued tasks; enqueue nothing."),
) -> None:
    """Run background tasks (ingestion, embedding, digests) and the scheduler.

    Embedding has a lane of its own, so new papers are embedded while a fetch waits on
    a slow source."""
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
    try:
        status = _run_lanes(interval)
    finally:
        stop.set()
    if status:
        raise typer.Exit(status)
