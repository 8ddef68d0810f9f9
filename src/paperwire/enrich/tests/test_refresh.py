"""The scheduled refresh: one job per kind on the enrich schedule, bounded runs, and
the stars in the API as huggingface_hub reads them."""

from datetime import UTC, date, datetime

import pytest
import time_machine

from paperwire.enrich.models import CodeRepo, Thumbnail
from paperwire.enrich.refresh import due, enriched_papers
from paperwire.enrich.tasks import refresh_kind
from paperwire.papers.models import Paper
from paperwire.schedule.jobs import configured_jobs, tick

NOW = datetime(2024, 1, 20, 9, 0, tzinfo=UTC)


def test_the_schedule_has_a_job_per_kind(settings):
    settings.ENRICH_SCHEDULE = "40 * * * *"
    names = [job.name for job in configured_jobs()]
    assert {"enrich stars", "enrich artifacts", "enrich thumbnails",
            "enrich fulltext"} <= set(names)
    settings.ENRICH_SCHEDULE = ""
    assert not [n for n in (job.name for job in configured_jobs()) if n.startswith("enrich")]


@pytest.mark.django_db
def test_a_tick_enqueues_the_refresh(settings):
    from django_tasks_db.models import DBTaskResult

    settings.ENRICH_SCHEDULE = "40 * * * *"
    fired = tick(datetime(2024, 1, 20, 9, 41, tzinfo=UTC))
    assert "enrich stars" in fired
    args = sorted(r.args_kwargs["args"][0] for r in DBTaskResult.objects.all()
                  if r.task_path.endswith("enrich.tasks.refresh"))
    assert args == ["artifacts", "fulltext", "stars", "thumbnails"]


def test_an_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="unknown enrich kind"):
        refresh_kind("everything")


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
def test_a_run_takes_a_bounded_batch_never_fetched_first(settings):
    settings.ENRICH_BATCH = 2
    papers = [Paper.objects.create(arxiv_id=f"2401.0000{n}", title="P",
                                   featured_on=date(2024, 1, 19 - n)) for n in range(4)]
    Thumbnail.objects.create(paper=papers[0], error="timed out",
                             fetched_at=datetime(2024, 1, 18, tzinfo=UTC))
    Thumbnail.objects.create(paper=papers[1], file_name="x.webp",
                             fetched_at=datetime(2024, 1, 18, tzinfo=UTC))

    first = due(enriched_papers(), "thumbnail", NOW, refetch_done=False)

    assert [p.arxiv_id for p in first] == ["2401.00002", "2401.00003"]
    Thumbnail.objects.create(paper=papers[2], file_name="y.webp", fetched_at=NOW)
    Thumbnail.objects.create(paper=papers[3], error="HTTP 500", fetched_at=NOW)
    # The old failure is due again; the made thumbnail and the fresh failure are not.
    assert [p.arxiv_id for p in due(enriched_papers(), "thumbnail", NOW,
                                    refetch_done=False)] == ["2401.00000"]


def test_huggingface_hub_reads_the_stars(hub, transactional_db):
    paper = Paper.objects.create(arxiv_id="2401.10241", title="P", featured_on=date(2024, 1, 19),
                                 code_url="https://github.com/sail-sg/zero-bubble")
    CodeRepo.objects.create(paper=paper, full_name="sail-sg/zero-bubble", stars=321)

    assert hub.paper_info("2401.10241").github_stars == 321
    (entry,) = hub.list_daily_papers()
    assert entry.github_stars == 321
