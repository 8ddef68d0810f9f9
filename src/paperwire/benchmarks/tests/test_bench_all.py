"""`paperwire bench all`: the report from the benches' JSON, and a failing bench.

No bench runs here: the JSON in data/ is what small runs of `paperwire bench ingest`,
`web` and `digests --json` wrote, plus hand-written search, deliver and recommend results
in the shapes those benches write; the children are stand-in commands.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from paperwire.benchmarks import suite
from paperwire.benchmarks.report import Outcome, merge, render, split_sections

DATA = Path(__file__).parent / "data"
MACHINE = {"date": "2026-11-26 10:00 UTC", "CPU": "Test CPU @ 2.0GHz", "cores": "2",
           "RAM": "8.0 GiB", "GPU": "none", "Python": "3.11.9", "Django": "5.2.19",
           "torch": "2.13.0+cpu", "paperwire commit": "0123456789ab"}
TITLES = {"ingest": "Ingest", "search-small": "Search at 10,000 papers",
          "search-large": "Search at 100,000 papers and 1,000,000 vectors", "web": "Web",
          "runtime": "Serving runtime", "digests": "Digests", "deliver": "Deliveries",
          "recommend": "For you"}


def outcome(key: str, **kwargs) -> Outcome:
    data = json.loads((DATA / f"{key}.json").read_text())
    return Outcome(key, TITLES[key], f"paperwire bench {key}", ok=True, data=data,
                   seconds=61.0, peak_rss_bytes=300 * 2**20, **kwargs)


def all_outcomes() -> list[Outcome]:
    return [outcome(key) for key in TITLES]


def test_it_renders_the_machine_and_how_to_reproduce():
    text = render(MACHINE, all_outcomes(), "paperwire bench all")
    assert text.startswith("# paperwire benchmarks\n")
    assert "- **CPU**: Test CPU @ 2.0GHz\n" in text
    assert "- **paperwire commit**: 0123456789ab\n" in text
    assert "`paperwire bench all`" in text
    assert "2026-11-26 10:00 UTC" in text


def test_it_renders_ingest_medians_baseline_and_ratio():
    data = json.loads((DATA / "ingest.json").read_text())
    text = render(MACHINE, [outcome("ingest")], "paperwire bench all")
    med = data["median"]
    assert f"| ingest rate (batched upsert) | {med['papers_per_s']:,.0f} papers/s |" in text
    assert f"{med['baseline_papers_per_s']:,.0f} papers/s" in text
    assert f"| ratio | {med['ratio']:.1f}× |" in text
    assert f"{med['peak_rss_bytes'] / 2**20:,.0f} MiB" in text


def test_it_renders_the_serving_runtime_against_its_torch_baseline():
    text = render(MACHINE, [outcome("runtime")], "paperwire bench all")
    assert "## Serving runtime\n" in text
    assert "| first search page after the worker accepts (s) | 1.82 | 22.12 |" in text
    assert "| PSS per web worker (MiB) | 114 / 108 | 387 / 384 |" in text
    assert "| cold `paperwire search`, a new process (s, median) | 9.87 | 40.21 |" in text
    assert "| ONNX Runtime float32 | 2.6 | – |" in text
    assert "| torch bfloat16 | 1.4 | 0.99994 |" in text
    assert "load average 9.5 at the start" in text


def test_it_renders_embedding_and_says_when_there_is_no_gpu():
    text = render(MACHINE, all_outcomes(), "paperwire bench all")
    assert "| plain (256 tokens, batch 32) | 41.2 | 1.0× | 0.612 | 0.701 | +0.0 |" in text
    assert "| tuned: 128 tokens, batch 64 | 77.9 | 1.9× | 0.604 | 0.698 | -0.8 |" in text
    assert "No GPU on this machine" in text


def test_it_renders_gpu_embedding_when_the_bench_measured_it():
    small = outcome("search-small")
    small.data["embedding_gpu"] = [{"name": "plain (256 tokens, batch 32)", "per_s": 2150.0,
                                    "ratio": 1.0}]
    text = render({**MACHINE, "GPU": "NVIDIA H100, 81559 MiB"}, [small], "paperwire bench all")
    assert "**GPU** (NVIDIA H100, 81559 MiB; at least 20,000 abstracts)" in text
    assert "| plain (256 tokens, batch 32) | 2,150.0 | 1.0× | – | – | – |" in text
    assert "No GPU on this machine" not in text


def test_it_renders_latency_at_each_size_side_by_side():
    text = render(MACHINE, all_outcomes(), "paperwire bench all")
    assert "| mode | p50 ms at 10,000 | p95 ms at 10,000 | p50 ms at 100,000 (HNSW) | " \
           "p95 ms at 100,000 (HNSW) |" in text
    assert "| hybrid `search()` | 17.2 | 24.5 | 26.4 | – |" in text  # p95 missing: "–"
    assert "| query embedding alone | 6.4 | 9.1 | – | – |" in text


def test_it_renders_the_ann_configs_against_the_exact_scan():
    text = render(MACHINE, all_outcomes(), "paperwire bench all")
    assert "among 1,000,000 vectors" in text
    assert "| exact scan (numpy), the baseline | 1.000 | 118.0 | 131.0 | 1.0× |" in text
    assert "| HNSW ef=64 | 0.912 | 0.59 | 0.91 | 200.0× |" in text


def test_it_renders_web_scenarios_and_the_page_cache_ratio():
    data = json.loads((DATA / "web.json").read_text())
    text = render(MACHINE, [outcome("web")], "paperwire bench all")
    for scenario in data["scenarios"]:
        assert f"| {scenario['name']} | {scenario['req_per_s']:,.0f} | " \
               f"{scenario['p50_ms']:,.1f} |" in text
    assert f"**{data['ratios']['page_cache']:.1f}×**" in text


def test_it_renders_digests_and_the_naive_baseline():
    data = json.loads((DATA / "digests.json").read_text())
    text = render(MACHINE, [outcome("digests")], "paperwire bench all")
    base = data["baseline"]
    assert f"| digests built (outbox rows) | {data['median']['digests']:,.0f} |" in text
    assert f"| ratio | {base['ratio']:.1f}× |" in text
    assert f"every {base['stride']}th subscriber ({base['subscribers']:,} subscribers, " \
           f"{base['digests']:,} digests)" in text
    assert "Warning" not in text


def test_it_renders_deliveries_clean_and_killed():
    text = render(MACHINE, [outcome("deliver")], "paperwire bench all")
    assert "## Deliveries\n\n10,000 items (200 webhook destinations × 50 papers" in text
    assert "SIGKILLed once 30% of the items had arrived" in text
    assert "| clean run: rate | 54 items/s |" in text
    assert "| clean run: wall time, start-up and feed reads included | 3.1 min |" in text
    assert "| killed run: SIGKILL after | 3,000 items arrived |" in text
    assert "| killed run: duplicates | 0 |" in text
    assert "| killed run: unknown (of which arrived) | 0 (0) |" in text
    assert "| bad signatures, both runs | 0 |" in text


def test_a_duplicate_in_the_deliveries_shows_in_bold():
    bad = outcome("deliver")
    bad.data["killed"]["duplicates"] = 2
    assert "| killed run: duplicates | **2** |" in render(MACHINE, [bad], "x")


def test_it_renders_for_you_against_its_baselines_and_its_speed():
    text = render(MACHINE, [outcome("recommend")], "paperwire bench all")
    assert "## For you\n\nFor you against two baselines" in text
    assert "60 readers, each interested in one or two of 13 keyword topics" in text
    assert "tuning half's readers only (3d, alignment," in text
    assert ("| list | held-out half (30 readers) | tuning half (30 readers) | both halves "
            "(60 readers) |") in text
    assert "| For you, from the signals | 0.243 / 0.609 | 0.459 / 0.711 | 0.349 / 0.659 |" \
        in text
    assert "| baseline: trending (the same for everyone) | 0.105 / 0.191 |" in text
    assert "| baseline: arxiv-sanity-style tf-idf SVM per reader (numpy linear SVM) | " \
           "0.242 / 0.635 |" in text
    assert "| neighbours: cosine ≥ 0.6 | 99% | 8% → 0% | 144 | 174 |" in text
    assert "| For-you page (`GET /for-you`, Django's test client) | 57.5 | 72.1 | 56.9 |" \
           in text
    assert "| the ranking alone | 19.1 | 24.6 | 18.9 |" in text
    assert "(48 in the last 7 featured days)" in text
    assert "load average 2.6 at the end" in text


def test_it_renders_a_peak_memory_row_per_bench():
    text = render(MACHINE, all_outcomes(), "paperwire bench all")
    for title in TITLES.values():
        assert f"| {title} | 300 MiB | 61.0 s | ok |" in text


def test_it_tolerates_missing_and_unknown_keys():
    bare = [Outcome(key, TITLES[key], "x", ok=True, data={"bench": key, "new": 1})
            for key in TITLES]
    text = render(MACHINE, bare, "paperwire bench all")
    assert "## Ingest" in text and "## Peak memory" in text


def test_a_failing_bench_becomes_a_failed_section_and_the_rest_still_runs(tmp_path):
    fails = suite.Step("ingest", "Ingest", [
        sys.executable, "-c", "import sys; print('generating …'); "
        "sys.exit('ingest failed: disk full')"])
    silent = suite.Step("web", "Web", [sys.executable, "-c", "pass"])
    writes = suite.Step("digests", "Digests", [
        sys.executable, "-c",
        "import shutil, sys; shutil.copy(sys.argv[1], sys.argv[-1]); "
        "b'x' * (64 * 2**20)",  # a peak wait4 must see
        str(DATA / "digests.json")])
    output = tmp_path / "BENCHMARKS.md"

    outcomes = suite.run(steps=[fails, silent, writes], output=output,
                         command="paperwire bench all", info=MACHINE)

    assert [o.ok for o in outcomes] == [False, False, True]
    text = output.read_text()
    assert "## Ingest\n\n**Failed**: exit status 1." in text
    assert "ingest failed: disk full" in text  # the end of its output
    assert "## Web\n\n**Failed**: it ended without writing its JSON results." in text
    assert "## Digests\n\nEvery daily and weekly digest" in text
    assert "| Ingest | " in text and "| failed |" in text
    assert outcomes[2].peak_rss_bytes >= 64 * 2**20


def test_the_plan_runs_search_at_two_sizes_and_passes_the_sizes_on():
    steps = {step.key: step for step in suite.plan(suite.QUICK)}
    assert list(steps) == ["ingest", "search-small", "search-large", "web", "runtime",
                           "digests", "deliver", "recommend"]
    small, large = steps["search-small"].argv, steps["search-large"].argv
    assert small[small.index("--vectors") + 1] == "0"
    assert large[large.index("--embed-sample") + 1] == "0"
    assert large[large.index("--vectors") + 1] == str(suite.QUICK["ann_vectors"])
    assert steps["ingest"].argv[-2:] == ["--runs", "1"]
    runtime = steps["runtime"].argv
    assert runtime[runtime.index("--papers") + 1] == str(suite.QUICK["web_papers"])
    deliver = steps["deliver"].argv
    assert deliver[deliver.index("deliver"):] == ["deliver", "--items", "200"]
    recommend = steps["recommend"].argv
    assert recommend[recommend.index("recommend"):] == [
        "recommend", "--readers", "10", "--papers", "2000", "--speed-readers", "200",
        "--requests", "20"]


@pytest.mark.parametrize("key", ["ingest", "web", "runtime", "digests", "deliver",
                                 "recommend"])
def test_the_fixture_json_has_the_documented_envelope(key):
    data = json.loads((DATA / f"{key}.json").read_text())
    assert data["bench"] == key and data["schema"] == 1 and "params" in data


def test_only_some_benches_merge_their_sections_into_the_report(tmp_path):
    output = tmp_path / "BENCHMARKS.md"
    output.write_text(render(MACHINE, all_outcomes(), "paperwire bench all"))
    before = dict(split_sections(output.read_text())[1])
    web = json.loads((DATA / "web.json").read_text())
    web["corpus"]["papers"] = 4242  # tells the new Web section from the old one
    (tmp_path / "web.json").write_text(json.dumps(web))
    rerun = suite.Step("web", "Web", [
        sys.executable, "-c", "import shutil, sys; shutil.copy(sys.argv[1], sys.argv[-1])",
        str(tmp_path / "web.json")])
    later = {**MACHINE, "date": "2026-11-27 09:00 UTC", "paperwire commit": "fedcba987654"}

    suite.run(steps=[rerun], output=output, command="paperwire bench all --only web",
              info=later, merge_into_existing=True)

    text = output.read_text()
    preamble, sections = split_sections(text)
    after = dict(sections)
    assert [title for title, _ in sections] == list(before)  # same sections, same order
    for title in before.keys() - {"Web", "Peak memory"}:
        assert after[title] == before[title], title
    assert after["Web"].startswith(
        "_This section is from `paperwire bench all --only web` on 2026-11-27 09:00 UTC "
        "(commit fedcba987654)._\n\n")
    assert "with 4,242 papers" in after["Web"] and "4,242" not in before["Web"]
    assert "paperwire bench all` on 2026-11-26 10:00 UTC" in preamble  # the full run's
    memory_rows = [line for line in after["Peak memory"].splitlines()
                   if line.startswith("| ") and not line.startswith("| bench ")]
    assert [row.split("|")[1].strip() for row in memory_rows] == list(TITLES.values())


def test_a_merged_section_from_another_machine_says_so(tmp_path):
    old = render(MACHINE, all_outcomes(), "paperwire bench all")
    new = render({**MACHINE, "CPU": "Other CPU", "GPU": "NVIDIA H200"}, [outcome("web")],
                 "paperwire bench all --only web")

    merged = dict(split_sections(merge(old, new, {**MACHINE, "CPU": "Other CPU",
                                                  "GPU": "NVIDIA H200"}, "x"))[1])

    assert "on another machine: CPU Other CPU, GPU NVIDIA H200._" in merged["Web"]
    assert "- **CPU**: Test CPU @ 2.0GHz" in merged["Machine"]  # the report's own machine


def test_a_merge_into_nothing_writes_the_whole_report(tmp_path):
    output = tmp_path / "BENCHMARKS.md"
    step = suite.Step("web", "Web", [
        sys.executable, "-c", "import shutil, sys; shutil.copy(sys.argv[1], sys.argv[-1])",
        str(DATA / "web.json")])

    suite.run(steps=[step], output=output, command="paperwire bench all --only web",
              info=MACHINE, merge_into_existing=True)

    text = output.read_text()
    assert text.startswith("# paperwire benchmarks\n")
    assert [title for title, _ in split_sections(text)[1]] == ["Machine", "Web",
                                                                 "Peak memory"]
    assert "_This section is from" not in text
