import json
from collections import Counter
from datetime import UTC, date, datetime

import pytest

from paperwire.ingest.jsonl import JsonlSource, jsonl_record
from paperwire.ingest.models import IngestRun
from paperwire.ingest.runner import Skip, run_ingest
from paperwire.papers.models import Organisation, Paper
from paperwire.papers.records import PaperRecord

HF_PAPERS = "hf-daily-papers-2023-12_2024-04.jsonl"


@pytest.fixture(scope="module")
def hf_lines(shared_data) -> list[dict]:
    with (shared_data / HF_PAPERS).open() as f:
        return [json.loads(line) for line in f]


@pytest.fixture(scope="module")
def hf_records(shared_data) -> list[PaperRecord]:
    items = list(JsonlSource(shared_data / HF_PAPERS).items(None))
    assert not [i for i in items if isinstance(i, Skip)]
    return [i for i in items if isinstance(i, PaperRecord)]


def test_it_reads_every_paper_of_the_sample(hf_records):
    assert len(hf_records) == 753
    assert len({r.arxiv_id for r in hf_records}) == 753


def test_it_reads_a_paper(hf_records):
    paper = hf_records[0]
    assert paper.arxiv_id == "2401.10241"
    assert paper.title == "Zero Bubble Pipeline Parallelism"
    assert paper.authors == ["Penghui Qi", "Xinyi Wan", "Guangxing Huang", "Min Lin"]
    assert paper.abstract.startswith("Pipeline parallelism is one of the key components for "
                                     "large-scale distributed training")
    assert paper.published_at == datetime(2023, 11, 30, 10, 40, 34, tzinfo=UTC)
    assert paper.featured_on == date(2023, 11, 30)
    assert paper.upvotes == 19
    assert paper.code_url == "https://github.com/sail-sg/zero-bubble-pipeline-parallelism"


def test_it_keeps_every_upvote_count(hf_lines, hf_records):
    assert [r.upvotes for r in hf_records] == [line["upvotes"] for line in hf_lines]


def test_it_features_each_paper_on_its_publication_day(hf_lines, hf_records):
    for line, record in zip(hf_lines, hf_records, strict=True):
        assert record.featured_on == date.fromisoformat(line["publication_date"][:10])
        assert record.featured_on == record.published_at.date()
    days = Counter(r.featured_on for r in hf_records)
    assert (min(days), max(days), len(days)) == (date(2023, 11, 30), date(2024, 4, 5), 95)


def test_it_finds_the_124_github_links(hf_lines, hf_records):
    with_code = [r for r in hf_records if r.code_url]
    assert len(with_code) == 124
    # Each is the repository an abstract names, and no abstract naming one is missed.
    abstracts = {line["id"]: " ".join(line["abstract"].split()).lower() for line in hf_lines}
    for record in with_code:
        owner_repo = record.code_url.removeprefix("https://github.com/").lower()
        assert f"github.com/{owner_repo}" in abstracts[record.arxiv_id]
    assert {r.arxiv_id for r in with_code} == \
        {i for i, a in abstracts.items() if "github.com/" in a}


def test_it_reads_the_optional_fields(tmp_path):
    path = tmp_path / "papers.jsonl"
    path.write_text(json.dumps({
        "url": "https://arxiv.org/abs/2404.00001v2", "title": "T", "authors": [],
        "publication_date": "2024-03-30T12:00:00Z", "featured_on": "2024-04-02",
        "categories": ["cs.CL", "cs.AI"], "organization": "Hugging Face",
        "code_url": "https://github.com/huggingface/t", "project_url": "https://t.github.io",
    }) + "\n")
    record, = [i for i in JsonlSource(path).items(None) if isinstance(i, PaperRecord)]
    assert (record.arxiv_id, record.version) == ("2404.00001", 2)
    assert record.featured_on == date(2024, 4, 2)
    assert record.categories == ["cs.CL", "cs.AI"]
    assert record.organisation == "Hugging Face"
    assert (record.code_url, record.project_url) == \
        ("https://github.com/huggingface/t", "https://t.github.io")


@pytest.mark.django_db
def test_it_stores_the_sample(shared_data):
    run = run_ingest(JsonlSource(shared_data / HF_PAPERS), batch_size=200).run
    assert (run.status, run.new, run.updated, run.unchanged, run.skipped) == \
        (IngestRun.FINISHED, 753, 0, 0, 0)
    assert Paper.objects.count() == 753
    assert Paper.objects.exclude(code_url="").count() == 124
    assert Paper.objects.values("featured_on").distinct().count() == 95
    assert Paper.objects.get(arxiv_id="2401.10241").author_names[0] == "Penghui Qi"
    assert run.cursor["line"] == 753


@pytest.mark.django_db
def test_it_changes_nothing_when_run_twice(shared_data):
    source = JsonlSource(shared_data / HF_PAPERS)
    run_ingest(source)
    before = list(Paper.objects.order_by("pk").values())

    second = run_ingest(source).run
    assert (second.new, second.updated, second.unchanged, second.skipped) == (0, 0, 753, 0)
    assert list(Paper.objects.order_by("pk").values()) == before
    assert IngestRun.objects.count() == 2


@pytest.mark.django_db
def test_it_skips_each_kind_of_bad_line_with_its_reason(tmp_path):
    good = {"id": "2401.00001", "title": "Good", "publication_date": "2024-01-02T00:00:00Z"}
    lines = [
        json.dumps(good).encode(),
        b'{"id": "2401.00002", "title": "Cut',
        json.dumps({"title": "No id"}).encode(),
        json.dumps({"id": "2401.00004", "authors": ["A"]}).encode(),
        json.dumps({**good, "id": "2401.00005", "publication_date": "2024-02-30"}).encode(),
        json.dumps({**good, "id": "2401.00006", "abstract": "x" * 100_000}).encode(),
        json.dumps({**good, "id": "2401.00007"}).encode().replace(b"Good", b"G\xff\xfed"),
        b'["2401.00008", "A list"]',
        json.dumps({**good, "id": "2401.0009"}).encode(),
        json.dumps({**good, "id": "2401.00010", "title": "Bad \ud800 escape"}).encode(),
        json.dumps({**good, "id": "2401.00011", "upvotes": "lots"}).encode(),
        json.dumps({**good, "id": "2401.00012", "categories": 7}).encode(),
        json.dumps({**good, "id": "2401.00013", "title": "Also good"}).encode(),
    ]
    path = tmp_path / "bad.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")

    run = run_ingest(JsonlSource(path)).run
    assert run.status == IngestRun.FINISHED
    assert run.new == 2
    assert sorted(Paper.objects.values_list("arxiv_id", flat=True)) == \
        ["2401.00001", "2401.00013"]
    assert run.skipped == 11
    assert run.skip_reasons == [
        {"where": "line 2", "reason": "malformed JSON: Invalid control character at column 35"},
        {"where": "line 3", "reason": "missing id"},
        {"where": "line 4 (2401.00004)", "reason": "missing title"},
        {"where": "line 5 (2401.00005)",
         "reason": "impossible published at: '2024-02-30'"},
        {"where": "line 6 (2401.00006)",
         "reason": "abstract too long (100000 characters, limit 20000)"},
        {"where": "line 7", "reason": "invalid UTF-8 at byte 32"},
        {"where": "line 8", "reason": "not a JSON object"},
        {"where": "line 9 (2401.0009)",
         "reason": "invalid id: '2401.0009' should have 5 digits after the dot"},
        {"where": "line 10 (2401.00010)",
         "reason": "title holds invalid Unicode (a lone surrogate)"},
        {"where": "line 11 (2401.00011)", "reason": "upvotes is not a whole number: 'lots'"},
        {"where": "line 12 (2401.00012)", "reason": "categories is not a list"},
    ]
    # The reasons are stored, not only in memory.
    assert IngestRun.objects.get(pk=run.pk).skip_reasons == run.skip_reasons


@pytest.mark.django_db
def test_it_names_the_organisation_a_line_gives(tmp_path):
    path = tmp_path / "papers.jsonl"
    path.write_text(json.dumps({"id": "2401.00001", "title": "T",
                                "organization": "Hugging Face"}) + "\n")
    run_ingest(JsonlSource(path))
    assert Paper.objects.get().organisation == Organisation.objects.get(name="Hugging Face")


def test_it_splits_comma_separated_categories():
    record = jsonl_record({"id": "2401.10241", "title": "T", "categories": "cs.LG,cs.AI"})
    assert record.categories == ["cs.LG", "cs.AI"]
