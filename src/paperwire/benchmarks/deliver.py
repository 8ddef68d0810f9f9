"""`paperwire bench deliver`: 10,000 items to a local webhook receiver, the sender killed
mid-run.

Setup (not timed), in a fresh SQLite data dir: 50 papers featured on one day and 200
webhook destinations of the daily feed (10 readers, 20 each, every one pointing at the
receiver), so `paperwire deliver --now` reads 200 × 50 = 10,000 items into the outbox
(default `--items 10000`; the destinations scale with it).

The receiver is a threaded HTTP server on 127.0.0.1 in this process
(benchmarks/webhook_receiver.py): it verifies each body's HMAC-SHA256 signature, throws
away bodies shorter than their Content-Length, and counts each `X-Paperwire-Delivery` id.

Two timed runs, each from the database as setup left it:

1. **Clean**: one `paperwire deliver --now` to the end: wall time (Python and Django
   start-up, the feed reads and every POST included) and items/s.
2. **Killed**: `paperwire deliver --now`, SIGKILLed once the receiver has `kill_after`
   of the items (default 30 %), then `paperwire deliver` again to the end.
   Counted: items that arrived twice (duplicates), items that never arrived (lost),
   rows left `unknown` (the ambiguous instant: the whole body had arrived, or might
   have, when the sender died; never resent), rows left unsent.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from rich.console import Console
from rich.table import Table

from paperwire.benchmarks.common import write_json
from paperwire.benchmarks.webhook_receiver import Receiver

console = Console()
DAY = date(2024, 4, 11)
PAPERS = 50  # one daily feed read
PER_READER = 20
SECRET = "bench-" + "5" * 58


# -- in a child process, against the bench's database -----------------------------------

def setup(items: int, url: str) -> dict:
    from django.contrib.auth import get_user_model

    from paperwire.deliveries.models import Destination
    from paperwire.papers.models import Paper

    started = time.perf_counter()
    Paper.objects.bulk_create([
        Paper(arxiv_id=f"2404.{n:05d}", title=f"Benchmark paper {n}",
              abstract="An abstract of a reasonable length. " * 20,
              author_names=["Ada Lovelace", "Alan Turing", "Grace Hopper"],
              featured_on=DAY, upvotes=n % 40) for n in range(PAPERS)])
    destinations = max(1, items // PAPERS)
    users = [get_user_model().objects.create_user(f"reader{n}@example.org",
                                                  f"reader{n}@example.org")
             for n in range((destinations + PER_READER - 1) // PER_READER)]
    Destination.objects.bulk_create([
        Destination(owner=users[n // PER_READER], kind="webhook", url=url, feed="daily",
                    secret=SECRET) for n in range(destinations)])
    return {"papers": PAPERS, "destinations": destinations,
            "items": destinations * PAPERS, "seconds": time.perf_counter() - started}


def check(received_path: str) -> dict:
    from collections import Counter

    from paperwire.deliveries.models import Send

    counts = Counter(json.loads(Path(received_path).read_text()))
    rows = dict(Send.objects.values_list("pk", "status"))
    arrived = {int(k) for k in counts if k and k.isdigit()}
    return {
        "rows": len(rows),
        "received_distinct": len(arrived),
        "duplicates": sum(n - 1 for n in counts.values() if n > 1),
        "lost": sum(1 for pk in rows if pk not in arrived),
        "unknown": sum(1 for s in rows.values() if s == Send.UNKNOWN),
        "unknown_arrived": sum(1 for pk, s in rows.items()
                               if s == Send.UNKNOWN and pk in arrived),
        "unsent": sum(1 for s in rows.values() if s not in (Send.SENT, Send.UNKNOWN)),
        "strangers": len(arrived - set(rows)),
    }


# -- the command ------------------------------------------------------------------------

def _child(args: list[str], env: dict) -> dict:
    result = subprocess.run([sys.executable, "-m", "paperwire.benchmarks.deliver", *args],
                            env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"benchmark step failed:\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def _deliver(env: dict, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "paperwire", "deliver", *args], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def _finish(process: subprocess.Popen) -> None:
    _, err = process.communicate()
    if process.returncode != 0:
        raise SystemExit(f"paperwire deliver failed:\n{err}")


def _copy_database(source: Path, target: Path) -> None:
    import sqlite3
    from contextlib import closing

    with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(target)) as dst:
        src.backup(dst)


def _received(receiver: Receiver, path: Path) -> None:
    with receiver._lock:
        ids = [r["headers"].get("x-paperwire-delivery") for r in receiver.requests]
    path.write_text(json.dumps(ids))


def run(*, items: int, kill_after: float, json_path: str | None = None) -> None:
    with tempfile.TemporaryDirectory(prefix="paperwire-bench-deliver-") as tmp, \
            Receiver(secret=SECRET) as receiver:
        env = {**os.environ, "PAPERWIRE_DATA_DIR": str(Path(tmp) / "data"),
               "PAPERWIRE_LOG_LEVEL": "WARNING", "PAPERWIRE_WEBHOOK_ALLOW_PRIVATE": "true",
               "PAPERWIRE_DELIVERY_SCHEDULE": ""}
        env.pop("PAPERWIRE_DATABASE_URL", None)
        subprocess.run([sys.executable, "-m", "paperwire", "init"], env=env, check=True,
                       capture_output=True)
        made = _child(["setup", str(items), receiver.url], env)
        total = made["items"]
        console.print(f"setup: {made['destinations']} destinations × {made['papers']} "
                      f"papers = {total:,} items ({made['seconds']:.1f} s, not timed)")
        database = Path(tmp) / "data" / "paperwire.sqlite3"
        pristine = Path(tmp) / "after-setup.sqlite3"
        _copy_database(database, pristine)
        received = Path(tmp) / "received.json"

        # 1. Clean run.
        started = time.perf_counter()
        _finish(_deliver(env, "--now"))
        clean_s = time.perf_counter() - started
        _received(receiver, received)
        clean = _child(["check", str(received)], env)
        clean.update(wall_s=clean_s, items_per_s=clean["received_distinct"] / clean_s,
                     bad_signatures=receiver.bad_signatures)
        console.print(f"clean: {clean['received_distinct']:,} items in {clean_s:.1f} s")

        # 2. Killed mid-run, then run again.
        _copy_database(pristine, database)
        with receiver._lock:
            receiver.requests.clear()
            receiver.incomplete = receiver.bad_signatures = 0
        threshold = int(total * kill_after)
        started = time.perf_counter()
        process = _deliver(env, "--now")
        while len(receiver.requests) < threshold and process.poll() is None:
            time.sleep(0.005)
        at_kill = len(receiver.requests)
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        _finish(_deliver(env))
        killed_s = time.perf_counter() - started
        _received(receiver, received)
        killed = _child(["check", str(received)], env)
        killed.update(wall_s=killed_s, killed_at=at_kill,
                      incomplete_bodies=receiver.incomplete,
                      bad_signatures=receiver.bad_signatures)

    table = Table(title=f"paperwire bench deliver: {total:,} items to a local webhook "
                        "receiver, SQLite, one sender")
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_row("clean run: wall time, start-up included", f"{clean_s:.1f} s")
    table.add_row("clean run: rate", f"{clean['items_per_s']:,.0f} items/s")
    table.add_row("clean run: duplicates / lost / unknown",
                  f"{clean['duplicates']} / {clean['lost']} / {clean['unknown']}")
    table.add_row("killed run: SIGKILL after", f"{at_kill:,} items arrived")
    table.add_row("killed run: total wall time, both senders", f"{killed_s:.1f} s")
    table.add_row("killed run: items arrived", f"{killed['received_distinct']:,}")
    table.add_row("killed run: duplicates", f"{killed['duplicates']}")
    table.add_row("killed run: lost (never arrived)", f"{killed['lost']}")
    table.add_row("killed run: unknown (of which arrived)",
                  f"{killed['unknown']} ({killed['unknown_arrived']})")
    table.add_row("killed run: left unsent", f"{killed['unsent']}")
    table.add_row("incomplete bodies thrown away by the receiver",
                  f"{killed['incomplete_bodies']}")
    table.add_row("bad signatures", f"{clean['bad_signatures'] + killed['bad_signatures']}")
    console.print(table)
    write_json(json_path, "deliver", {"params": {"items": items, "kill_after": kill_after},
                                      "setup": made, "clean": clean, "killed": killed})


def main() -> None:
    from paperwire.cli import setup_django

    setup_django()
    command, *args = sys.argv[1:]
    if command == "setup":
        result = setup(int(args[0]), args[1])
    elif command == "check":
        result = check(args[0])
    else:
        raise SystemExit(f"unknown step {command}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
