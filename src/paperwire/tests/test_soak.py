"""The short soak: `paperwire serve` under a bounded mixed load of browsing, search and
upvotes from 8 threads, each a writer with its own API token (the 10-minute version is
`paperwire bench soak`, with the same load generator)."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from paperwire.benchmarks.soak import Server, check, run_load
from paperwire.community.models import ApiToken
from paperwire.community.tests.conftest import make_user
from paperwire.papers.models import Paper
from paperwire.search.testing import committed_papers, embedded_subset  # noqa: F401

pytestmark = pytest.mark.timeout(120)
THREADS = 8
SECONDS = 25
WARMUP = 10  # each web worker loads the model on its first search


def test_it_serves_a_mixed_load_without_errors(cli, committed_papers, tmp_path):  # noqa: F811
    tokens = [ApiToken.objects.issue(make_user(f"reader{n}@example.org", f"Reader {n}"), "soak")
              for n in range(THREADS)]
    paper_ids = list(committed_papers)
    cli.env["PAPERWIRE_INGEST_SOURCES"] = ""  # the background worker runs, offline

    with Server(cli.env, tmp_path / "server.log") as server:
        server.wait_ready()
        report = run_load(server.base_url, tokens=tokens, paper_ids=paper_ids,
                          threads=THREADS, seconds=SECONDS, server_pid=server.process.pid,
                          warmup=WARMUP)
        output = server.output()

    problems = check(report, output, max_growth=0.5)
    samples = [(round(t), rss >> 20) for t, rss in report.rss]
    assert not problems, f"{problems}; memory (s, MiB): {samples}"
    assert report.requests["upvote"] > 50 and report.requests["search"] > 10
    assert set(report.statuses) <= {200}, report.statuses
    # Each toggle landed: a paper's count is its votes, whatever the interleaving.
    votes = sum(Paper.objects.values_list("local_upvotes", flat=True))
    assert votes == get_user_model().objects.filter(votes__isnull=False).count()
