"""0004_daily_submitter: each stored `submitter` goes where its source says."""

from datetime import UTC, date, datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("papers", "0003_local_counts"), ("community", "0001_initial")]
AFTER = [("papers", "0004_daily_submitter")]


@pytest.mark.django_db(transaction=True)
def test_it_splits_the_submitters_by_source():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    Paper = old.get_model("papers", "Paper")
    # Only the daily source wrote it: no version, categories or license.
    Paper.objects.create(arxiv_id="2410.17243", title="From daily", submitter="ClownRat",
                         featured_on=date(2024, 10, 25))
    # An arXiv source described it: its uploader.
    Paper.objects.create(arxiv_id="2401.00001", title="From a snapshot", version=2,
                         categories="cs.CL", submitter="Ada Lovelace")
    Paper.objects.create(arxiv_id="2401.00002", title="Both", version=1, categories="cs.CL",
                         submitter="Alan Turing", featured_on=date(2024, 1, 18))
    # Featured here by a reader's submission.
    local = Paper.objects.create(arxiv_id="2401.00003", title="Local", version=1,
                                 categories="cs.LG", submitter="Grace Hopper",
                                 featured_on=date(2024, 1, 19))
    User = old.get_model("auth", "User")
    alice = User.objects.create(username="alice@example.org")
    old.get_model("community", "Profile").objects.create(user=alice, display_name="Alice")
    submitted = old.get_model("community", "Submission").objects.create(paper=local,
                                                                        user=alice)

    executor.loader.build_graph()
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps.get_model("papers", "Paper")
    rows = {p.arxiv_id: (p.submitter, p.daily_submitter) for p in new.objects.all()}
    assert rows == {
        "2410.17243": ("", "ClownRat"),
        "2401.00001": ("Ada Lovelace", ""),
        "2401.00002": ("Alan Turing", ""),
        "2401.00003": ("Grace Hopper", "Alice"),
    }
    assert new.objects.get(arxiv_id="2401.00003").submitted_on_daily_at == \
        submitted.created_at
    assert submitted.created_at > datetime(2025, 1, 1, tzinfo=UTC)

    # And back: a daily-only submitter returns to `submitter`.
    executor.loader.build_graph()
    executor.migrate(BEFORE)
    back = executor.loader.project_state(BEFORE).apps.get_model("papers", "Paper")
    assert back.objects.get(arxiv_id="2410.17243").submitter == "ClownRat"
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
