"""BENCHMARKS.md from the JSON the benches write (`paperwire bench all`).

Pure functions: `render(machine, outcomes, command)` turns what each bench child wrote
(or why it failed) into Markdown. Every value is read with `.get`, so a bench that
grows or drops a key still renders; a missing figure shows as "–". Figures are the
medians the benches computed; where a bench gives its individual runs they are shown
beside the median, so the spread is visible.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

MISSING = "–"


@dataclass
class Outcome:
    """One bench child: what it ran, how it ended, and the JSON it wrote."""

    key: str
    title: str
    command: str
    ok: bool
    reason: str = ""  # why it failed; empty when ok
    log_tail: str = ""  # the end of its output, shown when it failed
    seconds: float = 0.0
    peak_rss_bytes: int = 0  # the largest single process of its tree (wait4's ru_maxrss)
    data: dict = field(default_factory=dict)


# -- number formatting -------------------------------------------------------------------

def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def num(value: object, digits: int = 0, unit: str = "") -> str:
    """1234.5 -> "1,235"; None (a missing key) -> "–"."""
    if not _is_number(value):
        return MISSING
    return f"{value:,.{digits}f}{unit}"


def ratio(value: object) -> str:
    return f"{value:.1f}×" if _is_number(value) else MISSING


def mib(value: object) -> str:
    return f"{value / 2**20:,.0f} MiB" if _is_number(value) else MISSING


def seconds(value: object) -> str:
    if not _is_number(value):
        return MISSING
    return f"{value:,.1f} s" if value < 120 else f"{value / 60:,.1f} min"


def median_of(runs: object) -> str:
    """"median of 3 runs", or "one run"."""
    if runs == 1:
        return "one run"
    return f"median of {num(runs)} runs"


def every(stride: object) -> str:
    """"every subscriber", "every 2nd subscriber", "every 100th subscriber"."""
    if not _is_number(stride) or stride <= 1:
        return "every subscriber"
    suffix = {1: "st", 2: "nd", 3: "rd"}.get(stride % 10 if stride % 100 not in (11, 12, 13)
                                             else 0, "th")
    return f"every {stride:,}{suffix} subscriber"


def _runs(values: Iterable[object], digits: int = 0) -> str:
    shown = [num(v, digits) for v in values]
    return " / ".join(shown) if len(shown) > 1 else ""


def table(header: list[str], rows: list[list[str]], align: str = "") -> str:
    """A Markdown table; `align` gives l or r per column (default: first left, rest right).

    A column empty in every row (say "runs" after a single run) is left out.
    """
    align = align or "l" + "r" * (len(header) - 1)
    keep = [i for i in range(len(header)) if i == 0 or any(row[i] for row in rows)]

    def line(cells: list[str]) -> str:
        return "| " + " | ".join(cells[i].replace("|", "\\|") for i in keep) + " |"

    rule = "|" + "|".join("---:" if align[i] == "r" else "---" for i in keep) + "|"
    return "\n".join([line(header), rule, *(line(row) for row in rows)])


# -- the sections ----------------------------------------------------------------------

def _failed(outcome: Outcome) -> str:
    text = f"**Failed**: {outcome.reason}. Command: `{outcome.command}`."
    if outcome.log_tail:
        text += f"\n\nEnd of its output:\n\n```\n{outcome.log_tail}\n```"
    return text


def ingest_section(o: Outcome) -> str:
    d, params = o.data, o.data.get("params", {})
    med, runs = d.get("median", {}), d.get("runs", [])
    rows = [
        ["ingest rate (batched upsert)", num(med.get("papers_per_s"), 0, " papers/s"),
         _runs(r.get("papers_per_s") for r in runs)],
        [f"baseline: one `update_or_create` per record (first "
         f"{num(params.get('baseline_records'))} records)",
         num(med.get("baseline_papers_per_s"), 0, " papers/s"),
         _runs(r.get("baseline_papers_per_s") for r in runs)],
        ["ratio", ratio(med.get("ratio")), ""],
        ["peak RSS of the ingest process", mib(med.get("peak_rss_bytes")),
         " / ".join(mib(r.get("peak_rss_bytes")) for r in runs) if len(runs) > 1 else ""],
        ["RSS at 25 % / 100 % of the run",
         f"{mib(med.get('rss_25_bytes'))} / {mib(med.get('rss_100_bytes'))}", ""],
    ]
    return (f"{num(params.get('records'))} generated arXiv snapshot records ingested into a "
            f"fresh SQLite database (`paperwire ingest snapshot`), "
            f"{median_of(params.get('runs'))}; the baseline is measured before each run.\n\n"
            + table(["measure", "median", "runs"], rows))


def _embedding_table(entries: list[dict]) -> str:
    rows = [[e.get("name", "?"), num(e.get("per_s"), 1), ratio(e.get("ratio")),
             num(e.get("ndcg_semantic"), 3), num(e.get("ndcg_hybrid"), 3),
             f"{e['ndcg_delta_pt']:+.1f}" if _is_number(e.get("ndcg_delta_pt")) else MISSING]
            for e in entries]
    return table(["configuration", "abstracts/s", "× plain", "nDCG@10 semantic",
                  "nDCG@10 hybrid", "Δ nDCG pt"], rows)


def embedding_section(outcomes: list[Outcome], gpu: str) -> str | None:
    """The first search outcome with embedding figures (CPU, and GPU when measured)."""
    found = [o for o in outcomes if o.ok and o.data.get("embedding")]
    if not found:
        return None
    d = found[0].data
    params = d.get("params", {})
    parts = [f"Document embedding throughput on {num(params.get('embed_sample'))} abstracts, "
             "plain torch float32 (the first row, the baseline) against the tuned "
             "configurations, measured in the same run, with the search quality each "
             "costs on the judged query set (`paperwire bench search`).",
             f"**CPU** ({d.get('cpu') or 'not recorded'})\n\n"
             + _embedding_table(d["embedding"])]
    if d.get("embedding_gpu"):
        device = d.get("gpu_name") or gpu or "GPU"
        parts.append(f"**GPU** ({device}; at least 20,000 abstracts)\n\n"
                     + _embedding_table(d["embedding_gpu"]))
    elif gpu:
        parts.append(f"A GPU is present ({gpu}), but the search bench reported no GPU "
                     "figures.")
    else:
        parts.append("No GPU on this machine: CPU figures only.")
    return "\n\n".join(parts)


MODE_NAMES = {"lexical": "lexical `search()`", "semantic": "semantic `search()`",
              "hybrid": "hybrid `search()`", "query_embedding": "query embedding alone"}


def latency_section(outcomes: list[Outcome]) -> str | None:
    found = sorted((o.data["latency"] for o in outcomes if o.ok and o.data.get("latency")),
                   key=lambda lat: lat.get("papers") or 0)
    if not found:
        return None
    modes = list(dict.fromkeys(m for lat in found for m in lat.get("modes", {})))
    header = ["mode"]
    for lat in found:
        # Semantic search scans every vector exactly up to a threshold, then uses HNSW.
        how = {True: " (HNSW)", False: " (exact)"}.get(lat.get("ann"), "")
        header += [f"p50 ms at {num(lat.get('papers'))}{how}",
                   f"p95 ms at {num(lat.get('papers'))}{how}"]
    rows = []
    for mode in modes:
        row = [MODE_NAMES.get(mode, mode)]
        for lat in found:
            figures = lat.get("modes", {}).get(mode, {})
            row += [num(figures.get("p50_ms"), 1), num(figures.get("p95_ms"), 1)]
        rows.append(row)
    queries = {lat.get("queries") for lat in found} | {
        o.data.get("params", {}).get("queries") for o in outcomes if o.ok}
    queries.discard(None)
    return (f"Latency of `search()` calls (10 results, snippets, query embedding included) "
            f"over {', '.join(num(q) for q in sorted(queries)) or 'the'} queries, on "
            "generated corpora stored and indexed like real papers.\n\n"
            + table(header, rows))


def ann_section(outcomes: list[Outcome]) -> str | None:
    found = [o.data for o in outcomes if o.ok and o.data.get("ann")]
    if not found:
        return None
    ann = found[0]["ann"]
    exact_p50 = ann.get("exact_p50_ms")
    rows = [["exact scan (numpy), the baseline", "1.000", num(exact_p50, 1),
             num(ann.get("exact_p95_ms"), 1), "1.0×"]]
    for c in ann.get("configs", []):
        speedup = (exact_p50 / c["p50_ms"] if _is_number(exact_p50)
                   and _is_number(c.get("p50_ms")) and c["p50_ms"] else None)
        rows.append([c.get("name", "?"), num(c.get("recall_at_10"), 3), num(c.get("p50_ms"), 2),
                     num(c.get("p95_ms"), 2), ratio(speedup)])
    e2e = ann.get("semantic_e2e")
    if e2e:
        rows.append(["semantic search end to end (query embedding, HNSW, papers loaded)",
                     MISSING, num(e2e.get("p50_ms"), 1), num(e2e.get("p95_ms"), 1), ""])
    return (f"Top-10 lookups among {num(ann.get('vectors'))} vectors (mixes of real paper "
            "vectors plus noise) in the memory-mapped HNSW index, against an exact scan of "
            "the same vectors measured in the same run; recall is against that exact "
            "scan.\n\n"
            + table(["method", "recall@10", "p50 ms", "p95 ms", "speed-up (p50)"], rows))


def web_section(o: Outcome) -> str:
    d, params = o.data, o.data.get("params", {})
    corpus = d.get("corpus", {})
    rows = []
    for s in d.get("scenarios", []):
        errors = s.get("errors")
        rows.append([s.get("name", s.get("key", "?")), num(s.get("req_per_s")),
                     num(s.get("p50_ms"), 1), num(s.get("p99_ms"), 1),
                     f"**{errors}**" if errors else num(errors), num(s.get("kb_per_page")),
                     _runs(r.get("req_per_s") for r in s.get("runs", []))])
    text = (f"`paperwire serve` (gunicorn, {num(params.get('workers'))} worker processes × "
            f"{num(params.get('threads'))} threads) on SQLite with {num(corpus.get('papers'))} "
            f"papers, {num(params.get('concurrency'))} keep-alive connections on 127.0.0.1, "
            f"{median_of(params.get('runs'))} per scenario.\n\n"
            + table(["scenario", "req/s", "p50 ms", "p99 ms", "errors", "KB/page",
                     "runs (req/s)"], rows))
    cache = d.get("ratios", {}).get("page_cache")
    if cache is not None:
        text += (f"\n\nPage cache: **{ratio(cache)}** the requests/s of the same pages "
                 "rendered on every request (the baseline, measured in the same run).")
    search = d.get("ratios", {}).get("search_cache")
    if search is not None:
        text += (f"\n\nSearch ranking cache: **{ratio(search)}** the requests/s of the search "
                 "page with it off (PAPERWIRE_SEARCH_CACHE_SECONDS=0, every request embeds "
                 "its query and runs both retrievers; the baseline, measured in the same run). "
                 "The bench's 24 queries repeat, as popular searches, next pages and re-sorts "
                 "do; a query new to a worker is served at the rate of the baseline row.")
    memory = d.get("memory_after_search")
    if memory:
        workers = " / ".join(num(v, 0) for v in memory.get("worker_pss_mib", []))
        index = " / ".join(num(v, 0) for v in memory.get("worker_index_pss_mib", []))
        text += (f"\n\nMemory after the search runs, as proportional set size (shared pages "
                 f"split between the processes sharing them): **{workers} MiB** per web "
                 f"worker, of it the memory-mapped HNSW file {index} MiB; the master, which "
                 f"holds the preloaded query model, {num(memory.get('master_pss_mib'), 0)} MiB.")
    return text


def runtime_section(o: Outcome) -> str:
    """ONNX Runtime's serving path against the torch path, from `paperwire bench runtime`."""
    d, params = o.data, o.data.get("params", {})
    serve, cli = d.get("serve", {}), d.get("cli", {})
    queries, documents = d.get("queries", {}), d.get("documents", {})

    def each(values) -> str:
        return " / ".join(num(v, 0) for v in values or []) or MISSING

    def row(name: str, key: str) -> list[str]:
        ours, base = serve.get("onnx", {}), serve.get("torch", {})
        return [name, num(ours.get(key), 2), num(base.get(key), 2)]

    rows = [row("first search page after the worker accepts (s)", "first_search_s"),
            row("first paper page, similar papers (s)", "first_paper_page_s"),
            ["PSS per web worker (MiB)", each(serve.get("onnx", {}).get("worker_pss_mib")),
             each(serve.get("torch", {}).get("worker_pss_mib"))],
            ["… of it the memory-mapped HNSW file (MiB)",
             each(serve.get("onnx", {}).get("worker_index_pss_mib")),
             each(serve.get("torch", {}).get("worker_index_pss_mib"))],
            ["gunicorn master PSS (MiB)", num(serve.get("onnx", {}).get("master_pss_mib"), 0),
             num(serve.get("torch", {}).get("master_pss_mib"), 0)],
            ["cold `paperwire search`, a new process (s, median)",
             num(cli.get("onnx", {}).get("median_s"), 2),
             num(cli.get("torch", {}).get("median_s"), 2)],
            ["… its CPU time, user + system (s, median)",
             num(cli.get("onnx", {}).get("cpu_median_s"), 2),
             num(cli.get("torch", {}).get("cpu_median_s"), 2)],
            [f"query embedding alone, one core (p50 ms; ONNX Runtime "
             f"{queries.get('query_weights', 'float32')})", num(queries.get("onnx_p50_ms"), 2),
             num(queries.get("torch_p50_ms"), 2)]]
    if "onnx_float32_p50_ms" in queries:
        rows.append(["… the same queries through the float32 graph (p50 ms)",
                     num(queries.get("onnx_float32_p50_ms"), 2), ""])
    text = (f"The serving path on ONNX Runtime (queries through its "
            f"{queries.get('query_weights', 'float32')} graph, the query model preloaded before "
            f"gunicorn forks) against the torch path it replaced (queries through torch, "
            f"each worker loading it on its first query), measured in the same run "
            f"(`paperwire bench runtime`): {num(params.get('papers'))} generated papers "
            f"beside the 753 real, 2 web workers, each server fresh. PSS is the "
            f"proportional set size (/proc/PID/smaps_rollup: pages shared between "
            f"processes split between them). CPU: {d.get('cpu') or MISSING}; load average "
            f"{num((d.get('load_average') or [None])[0], 1)} at the start, "
            f"{num((d.get('load_average_end') or [None])[0], 1)} at the end.\n\n"
            + table(["figure", "ONNX Runtime", "torch (baseline)"], rows))
    if documents:
        doc_rows = [[name.replace("onnx", "ONNX Runtime").replace("_", " "), num(r.get("per_s"), 1),
                     num(r.get("min_cosine_with_onnx"), 5)] for name, r in documents.items()]
        text += (f"\n\nDocument embedding, {num(params.get('embed_sample'))} abstracts, "
                 "batch 16 at the token limit:\n\n"
                 + table(["runtime", "abstracts/s", "lowest cosine with ONNX"], doc_rows))
    return text


def digests_section(o: Outcome) -> str:
    d, params = o.data, o.data.get("params", {})
    med, runs, base = d.get("median", {}), d.get("runs", []), d.get("baseline", {})
    setup = d.get("setup", {})

    def per_run(key: str, digits: int = 1) -> str:
        return _runs((r.get(key) for r in runs), digits)

    rows = [
        ["digests built (outbox rows)", num(med.get("digests")), ""],
        ["wall time, start-up and model loading included", seconds(med.get("wall_s")),
         per_run("wall_s")],
        ["rate", num(med.get("digests_per_s"), 0, " digests/s"), per_run("digests_per_s", 0)],
        ["build: choose contents, write outbox rows (slowest process)",
         seconds(med.get("build_s")), per_run("build_s")],
        ["render: subject, text and HTML parts (slowest process)",
         seconds(med.get("render_s")), per_run("render_s")],
        ["encode: MIME message bytes (slowest process)", seconds(med.get("mime_s")),
         per_run("mime_s")],
    ]
    text = (f"Every daily and weekly digest of {num(params.get('subscribers'))} generated "
            f"subscribers ({num(setup.get('searches'))} saved searches, "
            f"{num(setup.get('users'))} accounts with upvotes, {num(setup.get('papers'))} real "
            f"papers) built into the outbox and rendered to MIME bytes by "
            f"{num(params.get('workers'))} processes on SQLite, SMTP excluded; "
            f"{median_of(params.get('runs'))}, each from the same starting database.\n\n"
            + table(["measure", "median", "runs"], rows))
    if base:
        rows = [["`build_digests` + one `Renderer` (what the worker runs)",
                 seconds(base.get("tuned_s")), num(base.get("tuned_digests_per_s"), 1)],
                [f"baseline: {base.get('name', 'naive')}", seconds(base.get("naive_s")),
                 num(base.get("naive_digests_per_s"), 1)],
                ["ratio", ratio(base.get("ratio")), ""]]
        text += (f"\n\nThe same work both ways, in the same run: {every(base.get('stride'))} "
                 f"({num(base.get('subscribers'))} "
                 f"subscribers, {num(base.get('digests'))} digests), each way from the same "
                 "starting database in one process with the model already loaded; "
                 "medians.\n\n" + table(["build and render the sample", "time", "digests/s"],
                                        rows))
        if base.get("digests_match") is False:
            text += ("\n\n**Warning**: the two ways built different numbers of digests, so "
                     "this ratio does not compare the same work.")
    return text


def _count(value: object) -> str:
    """A count that should be 0, in bold when it is not."""
    return f"**{num(value)}**" if _is_number(value) and value else num(value)


def share(value: object) -> str:
    return f"{value:.0%}" if _is_number(value) else MISSING


def deliver_section(o: Outcome) -> str:
    d, params = o.data, o.data.get("params", {})
    made, clean, killed = d.get("setup", {}), d.get("clean", {}), d.get("killed", {})
    kill_after = params.get("kill_after")
    rows = [
        ["clean run: wall time, start-up and feed reads included", seconds(clean.get("wall_s"))],
        ["clean run: rate", num(clean.get("items_per_s"), 0, " items/s")],
        ["clean run: duplicates / lost / unknown",
         f"{_count(clean.get('duplicates'))} / {_count(clean.get('lost'))} / "
         f"{num(clean.get('unknown'))}"],
        ["killed run: SIGKILL after", f"{num(killed.get('killed_at'))} items arrived"],
        ["killed run: wall time, both senders", seconds(killed.get("wall_s"))],
        ["killed run: duplicates", _count(killed.get("duplicates"))],
        ["killed run: lost (never arrived)", _count(killed.get("lost"))],
        ["killed run: unknown (of which arrived)",
         f"{num(killed.get('unknown'))} ({num(killed.get('unknown_arrived'))})"],
        ["killed run: left unsent", _count(killed.get("unsent"))],
        ["bad signatures, both runs",
         _count((clean.get("bad_signatures") or 0) + (killed.get("bad_signatures") or 0)
                if "bad_signatures" in clean or "bad_signatures" in killed else None)],
    ]
    return (f"{num(made.get('items'))} items ({num(made.get('destinations'))} webhook "
            f"destinations × {num(made.get('papers'))} papers of one featured day) sent by "
            "`paperwire deliver --now` to a local webhook receiver that verifies every "
            "signature, on SQLite, one sender, one connection per item (`paperwire bench "
            "deliver`). Then again from the same database, the sender SIGKILLed once "
            f"{share(kill_after)} of the items had arrived and run again to the end: "
            "`unknown` rows are those caught in the ambiguous instant, never resent.\n\n"
            + table(["measure", "value"], rows))


RECOMMENDERS = {"for you": "For you, from the signals", "for you + topic":
                "For you, also following the topics by name", "trending":
                "baseline: trending (the same for everyone)", "svm":
                "baseline: arxiv-sanity-style tf-idf SVM per reader"}


def recommend_section(o: Outcome) -> str:
    d = o.data
    quality, speed = d.get("quality", {}), d.get("speed", {})
    halves = quality.get("halves", {})
    # Each half's readers want its own topics; For you's weights were tuned on the first
    # half only, so the held-out half's figures are the ones to quote.
    columns = [(half, quality.get(half, {}).get("metrics", {}))
               for half in ("held-out", "tuning", "all") if quality.get(half)]
    names = list(dict.fromkeys(name for _, metrics in columns for name in metrics))
    rows = [[RECOMMENDERS.get(name, name) + (f" ({quality['svm']})" if name == "svm"
                                              and quality.get("svm") else ""),
             *[f"{num(metrics.get(name, {}).get('precision@10'), 3)} / "
               f"{num(metrics.get(name, {}).get('ndcg@10'), 3)}" for _, metrics in columns]]
            for name in names]
    readers = dict(quality.get("readers") or {})
    readers["all"] = sum(readers.values())
    header = {"held-out": "held-out half", "tuning": "tuning half", "all": "both halves"}
    text = (f"For you against two baselines on the same simulated readers and held-out "
            f"weeks (`paperwire bench recommend`): {num(readers['all'])} readers, "
            f"each interested in one or two of {num(len(quality.get('topics') or []))} "
            f"keyword topics of the {num(quality.get('papers'))} real papers, with upvotes "
            f"and \"not interested\" marks on the first {num(quality.get('train_days'))} "
            f"featured days and lists asked for {num(quality.get('held_out_weeks'))} later "
            "weeks; a paper of the reader's topics is relevant. The topics are split in two "
            "halves fixed before any tuning: For you's weights were chosen on the tuning "
            f"half's readers only ({', '.join(halves.get('tuning', [])) or MISSING}); the "
            "held-out half's readers want the other topics "
            f"({', '.join(halves.get('held-out', [])) or MISSING}).\n\n"
            "precision@10 / nDCG@10:\n\n"
            + table(["list", *[f"{header[half]} ({num(readers.get(half))} readers)"
                               for half, _ in columns]], rows))
    marks = quality.get("held-out", {}).get("not_interested", {})
    mark_rows = [[f"neighbours: cosine ≥ {num(quality.get(key), 1)}",
                  share(m.get("removed_share")),
                  f"{share(m.get('neighbour_share_before'))} → "
                  f"{share(m.get('neighbour_share_after'))}",
                  num(m.get("neighbours_in_list_before")), num(m.get("lists"))]
                 for key, m in (("near", marks.get("near")), ("near_loose", marks.get("loose")))
                 if m]
    if mark_rows:
        text += ("\n\nOne \"not interested\" on each list's top pick (the held-out "
                 "half): the share of its near neighbours in the list that are gone from the "
                 "next one, and the share of the top 10 that are neighbours, before and "
                 "after.\n\n"
                 + table(["near neighbours", "removed", "of the top 10", "neighbours before",
                          "lists"], mark_rows))
    if speed:
        ranking, page = speed.get("ranking_ms", {}), speed.get("page_ms", {})
        load = (d.get("machine", {}).get("load_average") or [None])[0]
        text += (f"\n\nSpeed on {num(speed.get('papers'))} papers "
                 f"({num(speed.get('candidates_7_days'))} in the last 7 featured days) and "
                 f"{num(speed.get('readers'))} readers with upvotes, marks and follows, "
                 f"{num(speed.get('requests'))} requests by random readers; load average "
                 f"{num(load, 1)} at the end.\n\n"
                 + table(["measure", "p50 ms", "p95 ms", "CPU p50 ms"], [
                     ["For-you page (`GET /for-you`, Django's test client)",
                      num(page.get("p50"), 1), num(page.get("p95"), 1),
                      num(speed.get("page_cpu_ms_p50"), 1)],
                     ["the ranking alone", num(ranking.get("p50"), 1),
                      num(ranking.get("p95"), 1), num(speed.get("ranking_cpu_ms_p50"), 1)]]))
    return text


def memory_section(outcomes: list[Outcome]) -> str:
    rows = [[o.title, mib(o.peak_rss_bytes) if o.peak_rss_bytes else MISSING,
             seconds(o.seconds), "ok" if o.ok else "failed"] for o in outcomes]
    return ("The peak resident memory of the largest single process in each bench's "
            "process tree (the bench, its servers and workers; `ru_maxrss` from `wait4`), "
            "and the bench's wall time, set-up included.\n\n"
            + table(["bench", "peak RSS", "wall time", "result"], rows, "lrrl"))


# -- the document ------------------------------------------------------------------------

SEARCH_KEYS = ("search-small", "search-large")


def render(machine: dict, outcomes: list[Outcome], command: str) -> str:
    by_key = {o.key: o for o in outcomes}
    out = ["# paperwire benchmarks", "",
           f"Written by `{command}` on {machine.get('date', MISSING)}; run the same "
           "command to reproduce it. `paperwire bench all` alone runs the full sizes, "
           "`--quick` a smoke test of a few minutes (`paperwire bench all --help` lists "
           "the size options). Figures are medians over repeated runs where a section "
           "says so, with the individual runs beside them; every baseline and ratio is "
           "measured in the same invocation, on the same machine.",
           "", "## Machine", "",
           *(f"- **{k}**: {v}" for k, v in machine.items() if k != "date"),
           ""]

    def section(title: str, body: str | None) -> None:
        if body:
            out.extend([f"## {title}", "", body, ""])

    if "ingest" in by_key:
        o = by_key["ingest"]
        section("Ingest", ingest_section(o) if o.ok else _failed(o))

    search = [by_key[k] for k in SEARCH_KEYS if k in by_key]
    gpu = machine.get("GPU", "")
    gpu = "" if gpu in ("", "none") else gpu
    section("Embedding", embedding_section(search, gpu))
    section("Search latency", latency_section(search))
    section("Semantic search at scale (HNSW)", ann_section(search))
    for o in search:
        if not o.ok:
            section(o.title, _failed(o))

    for key, title, body in (("web", "Web", web_section),
                             ("runtime", "Serving runtime", runtime_section),
                             ("digests", "Digests", digests_section),
                             ("deliver", "Deliveries", deliver_section),
                             ("recommend", "For you", recommend_section)):
        if key in by_key:
            o = by_key[key]
            section(title, body(o) if o.ok else _failed(o))

    section("Peak memory", memory_section(outcomes))
    return "\n".join(out).rstrip() + "\n"


# -- merging a partial run into an existing report ---------------------------------------

# What tells two machines apart; the date and commit change between runs on one machine.
MACHINE_KEYS = ("CPU", "cores", "RAM", "GPU")
MACHINE_TITLE, MEMORY_TITLE = "Machine", "Peak memory"


def split_sections(text: str) -> tuple[str, list[tuple[str, str]]]:
    """(what comes before the first `## ` heading, [(title, body)] in order)."""
    preamble: list[str] = []
    sections: list[tuple[str, list[str]]] = []
    for line in text.splitlines():
        if line.startswith("## "):
            sections.append((line[3:].strip(), []))
        elif sections:
            sections[-1][1].append(line)
        else:
            preamble.append(line)
    return ("\n".join(preamble).strip(),
            [(title, "\n".join(body).strip()) for title, body in sections])


def _machine_of(body: str) -> dict[str, str]:
    found = {}
    for line in body.splitlines():
        if line.startswith("- **") and "**: " in line:
            key, _, value = line[4:].partition("**: ")
            found[key] = value
    return found


def _merge_memory(old: str, new: str) -> str:
    """The peak-memory table with the new runs' rows in place of the old ones."""
    def rows(body: str) -> list[str]:
        return [line for line in body.splitlines()
                if line.startswith("| ") and not line.startswith(("| bench ", "|---"))]

    fresh = {row.split("|")[1].strip(): row for row in rows(new)}
    merged = [fresh.pop(row.split("|")[1].strip(), row) for row in rows(old)]
    merged += fresh.values()
    head = [line for line in new.splitlines() if not line.startswith("| ")
            or line.startswith(("| bench ", "|---"))]
    return "\n".join(head + merged)


def merge(existing: str, partial: str, machine: dict, command: str) -> str:
    """`existing` (a whole report) with the sections of `partial` (the report of some
    benches) put in: each replaces the section of the same title, marked with the run it
    came from; other sections stay as they were; the peak-memory table is merged by row.
    """
    _, old_sections = split_sections(existing)
    if not old_sections:
        return partial
    old_preamble = existing.split("\n## ", 1)[0].strip()
    old_machine = _machine_of(dict(old_sections).get(MACHINE_TITLE, ""))
    note = (f"_This section is from `{command}` on {machine.get('date', MISSING)} "
            f"(commit {machine.get('paperwire commit', MISSING)})")
    differs = [f"{k} {machine.get(k, MISSING)}" for k in MACHINE_KEYS
               if old_machine and machine.get(k) != old_machine.get(k)]
    note += f", on another machine: {', '.join(differs)}._" if differs else "._"

    _, new_sections = split_sections(partial)
    updates = {title: body for title, body in new_sections if title != MACHINE_TITLE}
    merged: list[tuple[str, str]] = []
    for title, body in old_sections:
        if title == MEMORY_TITLE and title in updates:
            body = _merge_memory(body, updates.pop(title))
        elif title in updates:
            body = f"{note}\n\n{updates.pop(title)}"
        merged.append((title, body))
    # Sections the report did not have yet go before the peak-memory table.
    at = next((n for n, (title, _) in enumerate(merged) if title == MEMORY_TITLE),
              len(merged))
    merged[at:at] = [(title, body if title == MEMORY_TITLE else f"{note}\n\n{body}")
                     for title, body in updates.items()]
    out = [old_preamble, ""]
    for title, body in merged:
        out += [f"## {title}", "", body, ""]
    return "\n".join(out).rstrip() + "\n"
