import json
import re
from datetime import UTC, date, datetime
from urllib.parse import parse_qsl, urlsplit

import pytest

from paperwire.ingest.arxiv import ArxivSource, parse_feed
from paperwire.ingest.models import IngestRun
from paperwire.ingest.runner import Skip, run_ingest
from paperwire.papers.models import Paper
from paperwire.papers.records import PaperRecord

ENTRY = re.compile(r"\s*<entry>.*?</entry>", re.DOTALL)


@pytest.fixture(scope="module")
def recorded(shared_data) -> dict:
    """The recorded arXiv API answers: by id for lookups, by (start, max) for the search."""
    answers = {}
    for path in (shared_data / "arxiv-api").glob("*.json"):
        data = json.loads(path.read_text())
        query = dict(parse_qsl(urlsplit(data["url"]).query, keep_blank_values=True))
        key = query["id_list"] or (int(query["start"]), int(query["max_results"]))
        answers[key] = (data["status_code"], data["body"])
    return answers


def with_entries(feed: str, entries: list[str]) -> str:
    """An Atom feed holding these entries in place of its own."""
    head = ENTRY.sub("", feed).replace("</feed>", "")
    return head + "".join(entries) + "\n</feed>\n"


def arxiv_api(recorded):
    """A `respond` that answers as arXiv did.

    An id lookup for several ids gets the entries of each id's recorded answer, as arXiv
    does (an id it does not know adds nothing); a search page not recorded as such is
    cut out of the recorded 100-result page.
    """
    empty = recorded["0000.0000"][1]

    def respond(path, query):
        if path != "/api/query":
            return 404, ""
        if query.get("id_list"):
            ids = query["id_list"].split(",")
            if len(ids) == 1 and ids[0] in recorded:
                return recorded[ids[0]]
            entries = [e for i in ids if i in recorded for e in ENTRY.findall(recorded[i][1])]
            return 200, with_entries(empty, entries)
        start, size = int(query["start"]), int(query["max_results"])
        if (start, size) in recorded:
            return recorded[start, size]
        page = recorded[0, 100][1]
        return 200, with_entries(page, ENTRY.findall(page)[start:start + size])

    return respond


@pytest.fixture
def arxiv(local_server, recorded, settings):
    settings.ARXIV_API_URL = local_server.url + "api/query"
    local_server.respond = arxiv_api(recorded)
    return local_server


def records_of(items) -> list[PaperRecord]:
    return [i for i in items if isinstance(i, PaperRecord)]


def skips_of(items) -> list[Skip]:
    return [i for i in items if isinstance(i, Skip)]


def test_it_reads_each_recorded_answer(recorded):
    found = {}
    for key, (status, body) in recorded.items():
        items, total = parse_feed(body.encode(), str(key))
        found[key] = (status, total, [r.arxiv_id for r in records_of(items)])
    assert len(found) == 20
    assert found["1605.08386"] == (200, 1, ["1605.08386"])
    assert found["astro-ph/0601001"] == (200, 1, ["astro-ph/0601001"])
    assert found["0808.05394,1707.08567"] == (200, 1, ["1707.08567"])
    assert found["0000.0000"] == (200, 0, [])
    assert found["abc"] == (400, 1, [])
    assert found[0, 100][:2] == (200, 214881)
    assert len(set(found[0, 100][2])) == 100
    assert found[50, 10][2] == found[0, 100][2][50:60]


def test_it_reads_an_entry(recorded):
    items, _ = parse_feed(recorded["quant-ph/0201082v1"][1].encode(), "here")
    paper, = items
    assert paper.arxiv_id == "quant-ph/0201082"
    assert paper.version == 1
    assert paper.title == ("Quantum Computers and Quantum Computer Languages: Quantum Assembly "
                           "Language and Quantum C Language")
    assert paper.authors == ["Stephen Blaha"]
    assert (paper.primary_category, paper.categories) == ("quant-ph", ["quant-ph", "cs.PL"])
    assert paper.published_at == datetime(2002, 1, 18, 15, 8, 5, tzinfo=UTC)
    assert paper.comments == "32 pages"


def test_it_reports_the_error_feed_as_a_skip(recorded):
    items, _ = parse_feed(recorded["abc"][1].encode(), "abc")
    assert items == [Skip("abc", "arXiv error: incorrect id format for abc")]


def test_it_ignores_a_total_that_is_not_a_number(recorded):
    body = recorded[0, 10][1].replace(">214881<", ">\u00b2<")
    items, total = parse_feed(body.encode(), "here")
    assert (len(records_of(items)), total) == (10, None)


@pytest.mark.django_db
def test_it_looks_up_ids_written_in_any_form(arxiv):
    ids = ["https://arxiv.org/abs/1605.08386", "arXiv:1707.08567", "2104.12255v1",
           "https://arxiv.org/pdf/astro-ph/0601001.pdf", "quant-ph/0201082v1"]
    run = run_ingest(ArxivSource(ids=ids)).run
    assert arxiv.requests == [{
        "id_list": "1605.08386,1707.08567,2104.12255v1,astro-ph/0601001,quant-ph/0201082v1",
        "start": "0", "max_results": "5"}]
    assert (run.status, run.new, run.skipped) == (IngestRun.FINISHED, 5, 0)
    paper = Paper.objects.get(arxiv_id="astro-ph/0601001")
    assert paper.title.startswith("Frequency of Hot Jupiters and Very Hot Jupiters")
    assert paper.author_names == ["Andrew Gould", "Susan Dorsher", "B. Scott Gaudi",
                                  "Andrzej Udalski"]
    assert paper.journal_ref == "ActaAstron.56:1-50,2006"
    assert paper.published_at.date() == date(2006, 1, 2)


@pytest.mark.django_db
def test_it_skips_ids_that_cannot_be_arxiv_ids_without_asking(arxiv):
    run = run_ingest(ArxivSource(ids=["abc", "0000.0000", "0808.05394"])).run
    assert arxiv.requests == []
    assert [s["where"] for s in run.skip_reasons] == ["abc", "0000.0000", "0808.05394"]
    assert "is not an arXiv identifier" in run.skip_reasons[0]["reason"]
    assert "impossible month" in run.skip_reasons[1]["reason"]
    assert "should have 4 digits" in run.skip_reasons[2]["reason"]


@pytest.mark.django_db
def test_it_reports_an_id_arxiv_does_not_know(arxiv):
    # As in the recorded answer for 0808.05394,1707.08567: arXiv leaves the unknown id out.
    run = run_ingest(ArxivSource(ids=["1707.08567", "2401.99999"])).run
    assert run.new == 1
    assert run.skip_reasons == [{"where": "2401.99999", "reason": "not found on arXiv"}]


@pytest.mark.django_db
def test_it_reports_the_reason_arxiv_gives_with_a_400(arxiv, recorded):
    arxiv.respond = lambda path, query: recorded["abc"]
    result = run_ingest(ArxivSource(ids=["2401.99999"]))
    assert len(arxiv.requests) == 1  # a 400 is not retried
    assert result.run.skip_reasons == \
        [{"where": "2401.99999", "reason": "arXiv error: incorrect id format for abc"}]
    assert result.run.status == IngestRun.FAILED
    assert result.run.error == "arXiv could not be read for any of the ids"


@pytest.mark.django_db
def test_it_pages_through_a_search(arxiv, recorded):
    run = run_ingest(ArxivSource(query="testing", page_size=10, limit=60)).run
    assert [(q["start"], q["max_results"]) for q in arxiv.requests] == \
        [("0", "10"), ("10", "10"), ("20", "10"), ("30", "10"), ("40", "10"), ("50", "10")]
    assert arxiv.requests[0]["search_query"] == "(testing)"
    assert arxiv.requests[0]["sortBy"] == "submittedDate"
    assert (run.status, run.new, run.skipped) == (IngestRun.FINISHED, 60, 0)
    expected = [r.arxiv_id for r in records_of(parse_feed(recorded[0, 100][1].encode(), "")[0])]
    assert set(Paper.objects.values_list("arxiv_id", flat=True)) == set(expected[:60])
    assert run.cursor == {"start": 60, "total": 214881}


def test_it_builds_the_search_query(arxiv):
    source = ArxivSource(query="ti:llm", categories=["cs.CL", "cs.LG"],
                         start=date(2024, 1, 1), end=date(2024, 1, 31))
    assert source.search_query() == \
        "(ti:llm) AND (cat:cs.CL OR cat:cs.LG) AND submittedDate:[202401010000 TO 202401312359]"


@pytest.mark.django_db
def test_it_resumes_a_search_from_the_next_page(arxiv):
    IngestRun.objects.create(
        source="arxiv", status=IngestRun.INTERRUPTED, cursor={"start": 45, "total": 214881},
        params=ArxivSource(query="testing", page_size=15, limit=75).params())
    run = run_ingest(ArxivSource(query="testing", page_size=15, limit=75)).run
    assert [q["start"] for q in arxiv.requests] == ["45", "60"]
    assert run.new == 30


@pytest.mark.django_db
def test_it_retries_a_503_and_a_429(arxiv, recorded):
    answers = [(503, "busy"), (429, "slow down", {"Retry-After": "0"})]
    arxiv.respond = lambda path, query: answers.pop(0) if answers else recorded[0, 10]
    run = run_ingest(ArxivSource(query="testing", page_size=10, limit=10)).run
    assert len(arxiv.requests) == 3
    assert (run.new, run.skipped) == (10, 0)


@pytest.mark.django_db
def test_it_retries_a_request_that_timed_out(arxiv, recorded, settings):
    settings.HTTP_TIMEOUT = 0.5

    def respond(path, query):
        if len(arxiv.requests) == 1:
            arxiv.pause(5)
        return recorded[0, 10]

    arxiv.respond = respond
    run = run_ingest(ArxivSource(query="testing", page_size=10, limit=10)).run
    assert len(arxiv.requests) == 2
    assert (run.new, run.skipped) == (10, 0)


@pytest.mark.django_db
def test_it_skips_a_page_that_keeps_failing_and_goes_on(arxiv, recorded, settings):
    settings.HTTP_RETRIES = 2
    respond = arxiv_api(recorded)
    arxiv.respond = lambda path, query: \
        (503, "busy") if query["start"] == "20" else respond(path, query)
    run = run_ingest(ArxivSource(query="testing", page_size=10, limit=40)).run
    assert [q["start"] for q in arxiv.requests] == ["0", "10", "20", "20", "20", "30"]
    assert (run.status, run.new, run.skipped) == (IngestRun.FINISHED, 30, 1)
    assert run.skip_reasons[0]["where"] == "results 20-29"
    assert re.fullmatch(r"HTTP 503 from .* after 3 tries", run.skip_reasons[0]["reason"])


@pytest.mark.django_db
def test_it_skips_a_page_that_keeps_timing_out(arxiv, recorded, settings):
    settings.HTTP_TIMEOUT, settings.HTTP_RETRIES = 0.5, 1
    respond = arxiv_api(recorded)

    def slow_second_page(path, query):
        if query["start"] == "10":
            arxiv.pause(5)
        return respond(path, query)

    arxiv.respond = slow_second_page
    run = run_ingest(ArxivSource(query="testing", page_size=10, limit=30)).run
    assert (run.new, run.skipped) == (20, 1)
    assert run.skip_reasons[0]["where"] == "results 10-19"
    assert run.skip_reasons[0]["reason"].startswith("timed out from")


@pytest.mark.django_db
def test_it_fails_when_the_first_page_cannot_be_read(arxiv, settings):
    settings.HTTP_RETRIES = 1
    arxiv.respond = lambda path, query: (500, "oops")
    result = run_ingest(ArxivSource(query="testing", page_size=10, limit=30))
    assert not result.ok
    assert result.run.status == IngestRun.FAILED
    assert re.fullmatch(r"HTTP 500 from .* after 2 tries", result.run.error)


@pytest.mark.django_db
def test_it_keeps_the_whole_entries_of_a_truncated_page(arxiv, recorded):
    page = recorded[10, 10][1]
    fifth_summary = [m.start() for m in re.finditer("<summary>", page)][4]
    respond = arxiv_api(recorded)
    arxiv.respond = lambda path, query: \
        (200, page[:fifth_summary + 200]) if query["start"] == "10" else respond(path, query)

    run = run_ingest(ArxivSource(query="testing", page_size=10, limit=30)).run
    cut_short = records_of(parse_feed(page.encode(), "")[0])
    stored = set(Paper.objects.values_list("arxiv_id", flat=True))
    assert {r.arxiv_id for r in cut_short[:4]} <= stored
    assert cut_short[4].arxiv_id not in stored  # its abstract was cut off: not stored
    assert (run.status, run.new) == (IngestRun.FINISHED, 24)
    assert run.skipped == 1
    assert run.skip_reasons[0]["where"] == "results 10-19"
    assert run.skip_reasons[0]["reason"].startswith("page cut short")


@pytest.mark.django_db
def test_it_skips_a_page_that_is_not_atom_at_all(arxiv, recorded):
    respond = arxiv_api(recorded)
    arxiv.respond = lambda path, query: \
        (200, "<?xml version='1.0'?><feed xmlns='http://www.w3.org/2005/Atom'><entr") \
        if query["start"] == "10" else respond(path, query)
    run = run_ingest(ArxivSource(query="testing", page_size=10, limit=30)).run
    assert (run.new, run.skipped) == (20, 1)
    assert run.skip_reasons[0]["reason"].startswith("unreadable Atom")
