import copy
import json
from datetime import UTC, date, datetime

import pytest

from paperwire.ingest.daily import PAGE_SIZE, DailyEndpointSource, DailyFileSource
from paperwire.ingest.models import IngestRun
from paperwire.ingest.runner import Skip, SourceError, run_ingest
from paperwire.papers.models import Paper
from paperwire.papers.records import PaperRecord

RECORDED = "daily-papers-api/daily_papers-2024-10-25-first2.json"


@pytest.fixture(scope="module")
def recorded_entries(shared_data) -> list[dict]:
    return json.loads((shared_data / RECORDED).read_text())


def entries_for(day: date, count: int, template: dict) -> list[dict]:
    """`count` entries shaped like the recorded ones, with ids of their own."""
    entries = []
    for n in range(1, count + 1):
        entry = copy.deepcopy(template)
        entry["paper"]["id"] = f"{day:%y%m}.{day.day:02d}{n:03d}"
        entry["paper"]["title"] = f"Paper {n} of {day}"
        entries.append(entry)
    return entries


@pytest.fixture
def daily(local_server, settings, recorded_entries):
    """/api/daily_papers for 2024-10-23 to 2024-10-25: 2, 0 and PAGE_SIZE + 3 papers."""
    settings.DAILY_URL = local_server.url + "api/daily_papers"
    template = recorded_entries[0]
    days = {
        "2024-10-23": entries_for(date(2024, 10, 23), 2, template),
        "2024-10-24": [],
        "2024-10-25": entries_for(date(2024, 10, 25), PAGE_SIZE + 3, template),
    }

    def respond(path, query):
        page, limit = int(query.get("p", 0)), int(query.get("limit", 50))
        entries = days.get(query["date"], [])
        return 200, json.dumps(entries[page * limit:(page + 1) * limit])

    local_server.respond = respond
    return local_server


def test_it_reads_the_recorded_file(shared_data):
    items = list(DailyFileSource(shared_data / RECORDED).items(None))
    first, second = [i for i in items if isinstance(i, PaperRecord)]
    assert not [i for i in items if isinstance(i, Skip)]

    assert first.arxiv_id == "2410.17243"
    assert first.title == ("Breaking the Memory Barrier: Near Infinite Batch Size Scaling for "
                           "Contrastive Loss")
    # The entry's publishedAt is the day it was featured; the paper's, its arXiv date.
    assert first.featured_on == date(2024, 10, 25)
    assert first.published_at == datetime(2024, 10, 22, 17, 59, 30, tzinfo=UTC)
    assert (first.upvotes, first.num_comments) == (64, 3)
    assert first.authors == ["Zesen Cheng", "Hang Zhang", "Kehan Li", "Sicong Leng",
                             "Zhiqiang Hu", "Fei Wu", "Deli Zhao", "Xin Li", "Lidong Bing"]
    # Who submitted it to Daily Papers, apart from arXiv's uploader (`submitter`).
    assert first.submitter is None
    assert (first.daily_submitter, first.daily_submitter_fullname) == ("ClownRat", "Zesen Cheng")
    assert first.daily_submitter_avatar == \
        "https://huggingface.co/avatars/1b09e2742aecce1bbdc57f0c4504cf38.svg"
    assert first.submitted_on_daily_at == datetime(2024, 10, 25, 0, 57, 9, 392_000, tzinfo=UTC)
    assert first.abstract.startswith("Contrastive loss is a powerful approach")

    assert second.arxiv_id == "2410.18745"
    assert (second.featured_on, second.upvotes, second.num_comments) == \
        (date(2024, 10, 25), 14, 3)
    assert "\\method" in second.abstract
    assert second.daily_submitter == "Chancy"


@pytest.mark.django_db
def test_it_stores_the_recorded_file(shared_data):
    run = run_ingest(DailyFileSource(shared_data / RECORDED)).run
    assert (run.status, run.new) == (IngestRun.FINISHED, 2)
    paper = Paper.objects.get(arxiv_id="2410.17243")
    assert (paper.featured_on, paper.upvotes, paper.num_comments) == (date(2024, 10, 25), 64, 3)
    assert paper.author_names[-1] == "Lidong Bing"


@pytest.mark.django_db
def test_it_reads_entries_one_per_line_and_skips_bad_ones(recorded_entries, tmp_path):
    path = tmp_path / "daily.jsonl"
    lines = [json.dumps(e) for e in recorded_entries]
    lines.insert(1, '{"paper": {"id": "2410.00001", "title": ')
    lines.append(json.dumps({"title": "no paper object"}))
    lines.append(json.dumps([1, 2]))
    path.write_text("\n".join(lines) + "\n")
    run = run_ingest(DailyFileSource(path)).run
    assert run.new == 2
    assert [s["where"] for s in run.skip_reasons] == \
        ["line 2", "daily.jsonl entry 2", "daily.jsonl entry 3"]
    assert run.skip_reasons[0]["reason"].startswith("malformed JSON")
    assert run.skip_reasons[1]["reason"] == "entry has no paper object"
    assert run.skip_reasons[2]["reason"] == "entry is not an object"


@pytest.mark.django_db
def test_it_fails_on_a_file_that_is_not_utf8(tmp_path):
    path = tmp_path / "daily.json"
    path.write_bytes(b'[{"paper": {"id": "2410.17243", "title": "Caf\xe9"}}]')
    result = run_ingest(DailyFileSource(path))
    assert not result.ok
    assert result.run.error == f"{path}: invalid UTF-8 at byte 45"


@pytest.mark.django_db
def test_it_walks_the_endpoint_day_by_day(daily):
    run = run_ingest(DailyEndpointSource(date(2024, 10, 23), date(2024, 10, 25))).run
    assert [(q["date"], q["p"], q["limit"]) for q in daily.requests] == [
        ("2024-10-23", "0", "100"), ("2024-10-24", "0", "100"),
        ("2024-10-25", "0", "100"), ("2024-10-25", "1", "100"),
    ]
    assert (run.status, run.new, run.skipped) == (IngestRun.FINISHED, 2 + PAGE_SIZE + 3, 0)
    assert run.cursor == {"next": "2024-10-26"}
    # Each paper is featured on the day it was listed under, whatever its entry says
    # (the recorded entry's publishedAt, 2024-10-25, is kept in every one of them).
    assert sorted(Paper.objects.filter(featured_on=date(2024, 10, 23))
                  .values_list("arxiv_id", flat=True)) == ["2410.23001", "2410.23002"]
    assert Paper.objects.filter(featured_on=date(2024, 10, 25)).count() == PAGE_SIZE + 3


@pytest.mark.django_db
def test_it_changes_nothing_when_the_same_days_are_read_again(daily):
    source = DailyEndpointSource(date(2024, 10, 23), date(2024, 10, 25))
    run_ingest(source)
    again = run_ingest(source).run
    assert (again.new, again.updated, again.unchanged) == (0, 0, 2 + PAGE_SIZE + 3)


@pytest.mark.django_db
def test_it_resumes_at_the_next_day(daily):
    source = DailyEndpointSource(date(2024, 10, 23), date(2024, 10, 25))
    IngestRun.objects.create(source="daily", params=source.params(),
                             status=IngestRun.INTERRUPTED, cursor={"next": "2024-10-25"})
    run = run_ingest(source).run
    assert {q["date"] for q in daily.requests} == {"2024-10-25"}
    assert run.new == PAGE_SIZE + 3


@pytest.mark.django_db
def test_it_skips_a_day_that_cannot_be_read_and_goes_on(daily, settings):
    settings.HTTP_RETRIES, settings.HTTP_TIMEOUT = 1, 0.5
    respond = daily.respond

    def respond_badly(path, query):
        if query["date"] == "2024-10-23":
            return 503, "unavailable"
        if query["date"] == "2024-10-24":
            daily.pause(5)
        if query["date"] == "2024-10-25" and query["p"] == "1":
            return 200, '[{"paper": '
        return respond(path, query)

    daily.respond = respond_badly
    run = run_ingest(DailyEndpointSource(date(2024, 10, 23), date(2024, 10, 25))).run
    assert (run.status, run.new, run.skipped) == (IngestRun.FINISHED, PAGE_SIZE, 3)
    where = [s["where"] for s in run.skip_reasons]
    assert where == ["2024-10-23 page 0", "2024-10-24 page 0", "2024-10-25 page 1"]
    reasons = [s["reason"] for s in run.skip_reasons]
    assert reasons[0].startswith("HTTP 503 from ") and reasons[0].endswith("after 2 tries")
    assert reasons[1].startswith("timed out from ")
    assert reasons[2].startswith("malformed answer")


@pytest.mark.django_db
def test_it_fails_when_no_day_can_be_read(daily, settings):
    settings.HTTP_RETRIES = 0
    daily.respond = lambda path, query: (503, "")
    result = run_ingest(DailyEndpointSource(date(2024, 10, 23), date(2024, 10, 24)))
    assert not result.ok
    assert result.run.status == IngestRun.FAILED
    assert result.run.error.startswith("the endpoint could not be read: HTTP 503")


def test_it_raises_source_error_for_a_missing_file(tmp_path):
    with pytest.raises(SourceError, match="cannot read"):
        list(DailyFileSource(tmp_path / "nowhere.json").items(None))
