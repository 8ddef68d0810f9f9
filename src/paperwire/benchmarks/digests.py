"""`paperwire bench digests`: build every digest of a large generated audience.

Setup (not timed), in a fresh SQLite data dir: the 753 real Daily Papers of
../shared/data, featured about 25 a day over the 30 days before a fixed "today", each
embedded with the real model; 20,000 accounts with 3 to 20 upvotes each on older papers;
N subscribers (default 100,000) with mixed preferences: 80 % daily and 20 % weekly,
trending counts from 0 to 20, alerts on for 70 %, picks on for 60 %, one in five tied to
an account, one in ten never sent a digest yet; and 1 to 3 saved searches for 35 % of
them, drawn from 300 topics (some with a "has code" filter).

Timed: `workers` processes (default 2, for 2 cores), each taking the subscribers whose
id is i modulo workers, build the day's daily and weekly digests into the outbox (the
same build_digests the worker runs) and then render every digest they built to the
bytes an SMTP server would receive (MIME, both parts, headers). SMTP itself is left
out. The figure is the wall time from starting the processes to the last one ending,
Python and Django start-up and loading the embedding model included. The database is
put back as setup left it before each of `runs` runs (default 3); medians are reported.

Baseline, in the same run: every `stride`-th subscriber (about `baseline` of them,
default 1,000), built and rendered twice from the same starting database, in one
process each with the model loaded beforehand: the real way (`shard`: build_digests,
which does shared work once per run, then one Renderer for all), and the naive way
(`naive_shard`: per subscriber, its own queries, a fresh Builder, the row written with
`Delivery.objects.create` and `save()`, a fresh Renderer), as a preview is built. Both
must produce the same number of digests; the ratio is of their times on that sample.
"""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

from rich.console import Console
from rich.table import Table

from paperwire.benchmarks.common import median, shared_data_dir, write_json

console = Console()
TODAY = date(2024, 4, 12)  # a Friday, the day after the last generated featured day
DAYS = 30
USERS = 20_000
TOPICS = """
speculative decoding; mixture of experts; state space models; mechanistic
interpretability; retrieval augmented generation; diffusion video generation; text to 3d;
reinforcement learning from human feedback; direct preference optimization; long context
language models; vision language models; multimodal large language models; code
generation; mathematical reasoning; chain of thought; instruction tuning; model merging;
quantization of large language models; efficient inference; kv cache compression;
attention mechanism; sparse attention; tokenizer free models; text to speech; music
generation; image editing; image super resolution; gaussian splatting; neural radiance
fields; robot manipulation; embodied agents; web agents; tool use; llm agents;
hallucination detection; safety alignment; jailbreak attacks; watermarking; synthetic
data; data selection; scaling laws; pretraining data; benchmark evaluation; small
language models; on device inference; federated learning; continual learning; knowledge
editing; memory augmented models; self play; reward models; preference learning; video
understanding; object detection; semantic segmentation; depth estimation; 3d
reconstruction; human motion generation; protein language models; weather forecasting
""".replace("\n", " ").split(";")
STOP = set("""a an and are as at be by for from in into is it of on or the to with via
towards toward using use we our your its their large language model models llm llms
learning""".split())


# -- setup ------------------------------------------------------------------------------

def _topics(records: list[dict]) -> list[str]:
    """The curated topics, then the most frequent title word pairs, up to 300."""
    topics = [" ".join(t.split()) for t in TOPICS if t.strip()]
    pairs: Counter[str] = Counter()
    for r in records:
        words = [w for w in re.findall(r"[a-z][a-z0-9-]+", r["title"].lower())
                 if w not in STOP]
        pairs.update(f"{a} {b}" for a, b in zip(words, words[1:], strict=False))
    for pair, _ in pairs.most_common():
        if len(topics) >= 300:
            break
        if pair not in topics:
            topics.append(pair)
    return topics


def setup(subscribers: int) -> dict:
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from paperwire.community.models import Vote
    from paperwire.digests.models import DAILY, WEEKLY, SavedSearch, Subscriber
    from paperwire.ingest.jsonl import jsonl_record
    from paperwire.papers.models import Paper
    from paperwire.search.store import embed_papers

    started = time.perf_counter()
    rng = random.Random(42)
    lines = (shared_data_dir() / "hf-daily-papers-2023-12_2024-04.jsonl").read_text()
    records = [json.loads(line) for line in lines.splitlines() if line.strip()]
    last_day = TODAY - timedelta(days=1)
    for n, record in enumerate(records):
        record["featured_on"] = (last_day - timedelta(days=n % DAYS)).isoformat()
    Paper.objects.upsert_records([jsonl_record(r) for r in records])
    papers = list(Paper.objects.values_list("pk", "featured_on"))
    embedded = embed_papers([pk for pk, _ in papers], update_index=False)
    older = [pk for pk, day in papers if day <= last_day - timedelta(days=7)]

    user_model = get_user_model()
    user_model.objects.bulk_create(
        [user_model(username=f"user{n}@bench.example.org", email=f"user{n}@bench.example.org",
                    password="!") for n in range(USERS)], batch_size=5000)
    users = list(user_model.objects.order_by("pk").values_list("pk", flat=True))
    Vote.objects.bulk_create(
        [Vote(user_id=user, paper_id=paper) for user in users
         for paper in rng.sample(older, rng.randint(3, 20))], batch_size=5000)

    topics = _topics(records)
    now = timezone.now()
    rows, free_users = [], iter(users)
    for n in range(subscribers):
        weekly = rng.random() < 0.2
        first = rng.random() < 0.1
        rows.append(Subscriber(
            email=f"reader{n}@bench.example.org", confirmed_at=now,
            frequency=WEEKLY if weekly else DAILY,
            trending_count=rng.choice([0, 3, 5, 5, 10, 10, 10, 20]),
            alerts=rng.random() < 0.7, picks=rng.random() < 0.6,
            user_id=next(free_users, None) if rng.random() < 0.2 else None,
            last_covered_day=None if first else
            last_day - timedelta(days=7 if weekly else 1)))
    Subscriber.objects.bulk_create(rows, batch_size=5000)
    searches = []
    for pk in Subscriber.objects.values_list("pk", flat=True):
        if rng.random() < 0.35:
            for topic in rng.sample(topics, rng.choice([1, 1, 2, 3])):
                filters = {"has_code": "yes"} if rng.random() < 0.15 else {}
                searches.append(SavedSearch(subscriber_id=pk, query=topic, filters=filters,
                                            confirmed_at=now))
    SavedSearch.objects.bulk_create(searches, batch_size=5000)
    return {"papers": len(papers), "embedded": embedded, "users": len(users),
            "votes": Vote.objects.count(), "subscribers": subscribers,
            "searches": len(searches), "distinct_queries": len({s.query for s in searches}),
            "seconds": time.perf_counter() - started}


# -- one timed worker ------------------------------------------------------------------

def shard(index: int, count: int) -> dict:
    """Build this shard's daily and weekly digests, then render each one to bytes."""
    from paperwire.digests.build import build_digests
    from paperwire.digests.emails import Renderer
    from paperwire.digests.models import Delivery

    started = time.perf_counter()
    built = {kind: build_digests(kind, TODAY, shard=(index, count))
             for kind in ("daily", "weekly")}
    build_seconds = time.perf_counter() - started
    renderer, rendered, size, empty = Renderer(), 0, 0, 0
    render_seconds = mime_seconds = 0.0
    rows = (Delivery.objects.filter(subscriber_id__in=_shard_ids(index, count))
            .select_related("subscriber").order_by("pk"))
    for row in rows.iterator(chunk_size=2000):
        t0 = time.perf_counter()
        message = renderer.message(row)  # subject, text and HTML parts, headers
        t1 = time.perf_counter()
        render_seconds += t1 - t0
        if message is None:
            empty += 1
            continue
        size += len(message.message().as_bytes(linesep="\r\n"))  # what SMTP would carry
        mime_seconds += time.perf_counter() - t1
        rendered += 1
    return {
        "build_seconds": build_seconds, "render_seconds": render_seconds,
        "mime_seconds": mime_seconds, "seconds": time.perf_counter() - started,
        "considered": sum(b.considered for b in built.values()),
        "digests": sum(b.digests for b in built.values()),
        "empty": sum(b.empty for b in built.values()),
        "rendered": rendered, "bytes": size, "render_empty": empty,
    }


def _shard_ids(index: int, count: int):
    from django.db.models.functions import Mod

    from paperwire.digests.models import Subscriber

    return (Subscriber.objects.alias(shard=Mod("pk", count)).filter(shard=index)
            .values("pk"))


def naive_shard(index: int, count: int) -> dict:
    """The same digests as `shard`, built one subscriber at a time, nothing shared."""
    from django.db import transaction

    from paperwire.digests.build import (
        Builder,
        _votes_by_user,
        end_day,
        message_id,
        period_key,
        window_for,
    )
    from paperwire.digests.emails import Renderer
    from paperwire.digests.models import Delivery, Subscriber

    started = time.perf_counter()
    considered = digests = empty = rendered = size = 0
    build_seconds = render_seconds = 0.0
    for kind in ("daily", "weekly"):
        period = period_key(kind, TODAY)
        end = end_day(TODAY)
        subscribers = (Subscriber.objects.active().filter(frequency=kind,
                                                          pk__in=_shard_ids(index, count))
                       .exclude(pk__in=Delivery.objects.filter(period=period)
                                .values("subscriber_id")).order_by("pk"))
        for subscriber in subscribers:
            t0 = time.perf_counter()
            considered += 1
            window = window_for(subscriber.last_covered_day, end)
            if window is None:
                continue
            searches = (list(subscriber.searches.filter(confirmed_at__isnull=False))
                        if subscriber.alerts else [])
            votes = (_votes_by_user([subscriber.user_id]).get(subscriber.user_id, [])
                     if subscriber.user_id and subscriber.picks else [])
            content = Builder().contents(subscriber, window, searches, votes)
            delivery = None
            with transaction.atomic():
                if content is None:
                    empty += 1
                else:
                    delivery = Delivery.objects.create(
                        subscriber=subscriber, period=period, first_day=window.first,
                        last_day=window.last, content=content,
                        message_id=message_id(period, subscriber.pk))
                    digests += 1
                subscriber.last_covered_day = end
                subscriber.save(update_fields=["last_covered_day"])
            t1 = time.perf_counter()
            build_seconds += t1 - t0
            if delivery is not None:
                message = Renderer().message(delivery)
                if message is not None:
                    size += len(message.message().as_bytes(linesep="\r\n"))
                    rendered += 1
                render_seconds += time.perf_counter() - t1
    return {"build_seconds": build_seconds, "render_seconds": render_seconds,
            "seconds": time.perf_counter() - started, "considered": considered,
            "digests": digests, "empty": empty, "rendered": rendered, "bytes": size}


def warm() -> None:
    """Load the model and the templates, so a timed sample measures only digests."""
    from paperwire.digests.emails import Renderer
    from paperwire.search.embeddings import embed_query

    embed_query("warm up")
    Renderer()


# -- the command -------------------------------------------------------------------------

def _child(args: list[str], env: dict) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "paperwire.benchmarks.digests", *args],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _result(process: subprocess.Popen) -> dict:
    out, err = process.communicate()
    if process.returncode != 0:
        raise SystemExit(f"benchmark step failed:\n{err}")
    return json.loads(out.strip().splitlines()[-1])


def _copy_database(source: Path, target: Path) -> None:
    """SQLite's online backup: `target` becomes a copy of `source`, WAL and all."""
    import sqlite3
    from contextlib import closing

    with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(target)) as dst:
        src.backup(dst)


def _timed_run(workers: int, env: dict) -> dict:
    started = time.perf_counter()
    shards = [_child(["shard", str(i), str(workers)], env) for i in range(workers)]
    results = [_result(p) for p in shards]
    wall = time.perf_counter() - started
    digests = sum(r["digests"] for r in results)
    return {"wall_s": wall, "digests_per_s": digests / wall, "digests": digests,
            "considered": sum(r["considered"] for r in results),
            "empty": sum(r["empty"] for r in results),
            "rendered": sum(r["rendered"] for r in results),
            "bytes": sum(r["bytes"] for r in results),
            # The slowest process's time in each step.
            "build_s": max(r["build_seconds"] for r in results),
            "render_s": max(r["render_seconds"] for r in results),
            "mime_s": max(r["mime_seconds"] for r in results)}


def run(*, subscribers: int, workers: int, runs: int = 3, baseline: int = 1_000,
        json_path: str | None = None) -> None:
    stride = max(1, subscribers // max(1, baseline))
    with tempfile.TemporaryDirectory(prefix="paperwire-bench-digests-") as tmp:
        env = {**os.environ, "PAPERWIRE_DATA_DIR": str(Path(tmp) / "data"),
               "PAPERWIRE_LOG_LEVEL": "WARNING"}
        env.pop("PAPERWIRE_DATABASE_URL", None)
        subprocess.run([sys.executable, "-m", "paperwire", "init"], env=env, check=True,
                       capture_output=True)
        console.print(f"setting up {subscribers:,} subscribers (not timed) …")
        made = _result(_child(["setup", str(subscribers)], env))
        console.print(f"setup: {made['papers']} papers ({made['embedded']} embedded), "
                      f"{made['users']:,} accounts with {made['votes']:,} upvotes, "
                      f"{made['searches']:,} saved searches ({made['distinct_queries']} "
                      f"distinct) in {made['seconds']:.0f} s")
        database = Path(tmp) / "data" / "paperwire.sqlite3"
        pristine = Path(tmp) / "after-setup.sqlite3"
        _copy_database(database, pristine)
        # One compute thread per process: `workers` processes share the cores.
        timed_env = {**env, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
        results, samples = [], []
        for n in range(runs):
            _copy_database(pristine, database)
            result = _timed_run(workers, timed_env)
            results.append(result)
            sample = {}
            for way in ("tuned", "naive"):
                _copy_database(pristine, database)
                sample[way] = _result(_child([way, "0", str(stride)], timed_env))
            samples.append(sample)
            console.print(
                f"run {n + 1}: {result['digests']:,} digests in {result['wall_s']:.1f} s; "
                f"sample of every {stride} subscriber(s): {sample['tuned']['digests']:,} "
                f"digests in {sample['tuned']['seconds']:.1f} s, naive "
                f"{sample['naive']['digests']:,} in {sample['naive']['seconds']:.1f} s")

    med = {key: median([r[key] for r in results]) for key in results[0]}
    tuned_s = median([s["tuned"]["seconds"] for s in samples])
    naive_s = median([s["naive"]["seconds"] for s in samples])
    sample_digests = samples[0]["tuned"]["digests"]
    match = all(s["tuned"]["digests"] == s["naive"]["digests"] for s in samples)
    table = Table(title=f"paperwire bench digests: {subscribers:,} subscribers, "
                        f"{workers} processes, SQLite, SMTP excluded, median of {runs}")
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_row("subscribers considered", f"{med['considered']:,.0f}")
    table.add_row("digests built (outbox rows)", f"{med['digests']:,.0f}")
    table.add_row("nothing to send (not built)", f"{med['empty']:,.0f}")
    table.add_row("digests rendered (MIME bytes)", f"{med['rendered']:,.0f}")
    table.add_row("average message size",
                  f"{med['bytes'] / max(1, med['digests']) / 1024:.1f} KiB")
    for name, key in (("1. build: choose contents, write outbox rows", "build_s"),
                      ("2. render: subject, text and HTML parts", "render_s"),
                      ("3. encode: MIME message bytes", "mime_s")):
        table.add_row(f"{name} (slowest process)", f"{med[key]:.1f} s")
    table.add_row("wall time, start-up included", f"{med['wall_s']:.1f} s")
    table.add_row("rate", f"{med['digests_per_s']:,.0f} digests/s")
    table.add_row(f"sample ({sample_digests:,} digests): build_digests + one Renderer",
                  f"{tuned_s:.1f} s")
    table.add_row("sample, naive: per subscriber through the ORM", f"{naive_s:.1f} s")
    table.add_row("ratio", f"{naive_s / tuned_s:.1f}×")
    console.print(table)
    if not match:
        console.print("[red]the naive and the real build made different numbers of "
                      "digests: the comparison is not of the same work[/red]")
    write_json(json_path, "digests", {
        "params": {"subscribers": subscribers, "workers": workers, "runs": runs,
                   "baseline_stride": stride},
        "setup": made,
        "runs": results,
        "median": med,
        "baseline": {
            "name": "per subscriber through the ORM, nothing shared",
            "stride": stride,
            "subscribers": samples[0]["tuned"]["considered"],
            "digests": sample_digests, "digests_match": match,
            "runs": samples,
            "tuned_s": tuned_s, "naive_s": naive_s,
            "tuned_digests_per_s": sample_digests / tuned_s,
            "naive_digests_per_s": samples[0]["naive"]["digests"] / naive_s,
            "ratio": naive_s / tuned_s,
        },
    })


def main() -> None:
    from paperwire.cli import setup_django

    setup_django()
    command, *args = sys.argv[1:]
    if command == "setup":
        result = setup(int(args[0]))
    elif command == "shard":
        result = shard(int(args[0]), int(args[1]))
    elif command == "tuned":
        warm()
        result = shard(int(args[0]), int(args[1]))
    elif command == "naive":
        warm()
        result = naive_shard(int(args[0]), int(args[1]))
    else:
        raise SystemExit(f"unknown step {command!r}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
