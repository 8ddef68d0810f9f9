import time
from datetime import UTC, date, datetime

import pytest

from paperwire.ingest.models import IngestRun
from paperwire.ingest.oai import OaiSource, parse_page
from paperwire.ingest.runner import Skip, SourceError, run_ingest
from paperwire.lib.http import HttpClient
from paperwire.papers.models import Paper

RECORDED = "oai-pmh/listrecords-arXiv-astro-ph-2013-04-03.xml"
TOKEN = "3132962|1001"


@pytest.fixture(scope="module")
def recorded_page(shared_data) -> str:
    return (shared_data / RECORDED).read_text()


@pytest.fixture(scope="module")
def two_pages(recorded_page) -> tuple[str, str]:
    """The recorded page with a resumption token, and a last page with another record."""
    first = recorded_page.replace(
        "</ListRecords>",
        f'<resumptionToken cursor="0" completeListSize="2">{TOKEN}</resumptionToken>\n'
        "</ListRecords>")
    last = (recorded_page.replace("0801.3931", "0801.3932")
            .replace("Dynamical study of 2D and 3D barred galaxy models",
                     "Orbits in 3D barred galaxy models")
            .replace("</ListRecords>",
                     '<resumptionToken cursor="1" completeListSize="2"/>\n</ListRecords>'))
    return first, last


@pytest.fixture
def oai(local_server, settings, two_pages):
    """An OAI-PMH endpoint with two pages; `oai.failures` answers before the second."""
    settings.OAI_URL = local_server.url + "oai"
    local_server.failures = []

    def respond(path, query):
        if "resumptionToken" not in query:
            return 200, two_pages[0]
        if query["resumptionToken"] != TOKEN:
            return 200, ('<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">'
                         '<error code="badResumptionToken">expired</error></OAI-PMH>')
        if local_server.failures:
            return local_server.failures.pop(0)
        return 200, two_pages[1]

    local_server.respond = respond
    return local_server


def client(sleeps: list[float], retries: int = 3) -> HttpClient:
    """A client that writes its waits down instead of sleeping them."""
    return HttpClient(timeout=5, retries=retries, backoff=0.01, sleep=sleeps.append)


def oai_page(*records: str, token: str = "") -> bytes:
    return ('<?xml version="1.0" encoding="UTF-8"?>'
            '<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><ListRecords>'
            + "".join(records) + f"<resumptionToken>{token}</resumptionToken>"
            "</ListRecords></OAI-PMH>").encode()


def test_it_reads_the_recorded_page(recorded_page):
    items, token, size = parse_page(recorded_page.encode())
    assert (token, size) == (None, None)
    paper, = items
    assert paper.arxiv_id == "0801.3931"
    assert paper.title == "Dynamical study of 2D and 3D barred galaxy models"
    assert paper.authors == ["T. Manos", "E. Athanassoula"]
    assert paper.categories == ["astro-ph"]
    assert paper.published_at == paper.updated_at == datetime(2008, 1, 25, tzinfo=UTC)
    assert paper.comments == ('8 pages, 3 figures, to appear in the proceedings of the '
                              'international conference "Chaos in Astronomy", Athens, Greece '
                              '(talk contribution)')
    assert paper.journal_ref == ("Chaos in Astronomy Astrophysics and Space Science "
                                 "Proceedings 2009, pp 115-122")
    assert paper.doi == "10.1007/978-3-540-75826-6_11"
    assert "Poincar\\'{e} $(y,p_y)$ surface of section" in paper.abstract


def test_it_reads_the_resumption_token(two_pages):
    assert parse_page(two_pages[0].encode())[1:] == (TOKEN, 2)
    assert parse_page(two_pages[1].encode())[1:] == (None, 2)


def test_it_ignores_a_list_size_that_is_not_a_number(two_pages):
    body = two_pages[0].replace('completeListSize="2"', 'completeListSize="\u00b2"')
    assert parse_page(body.encode())[1:] == (TOKEN, None)


def test_it_reads_the_arxivraw_format():
    raw = """<record><header><identifier>oai:arXiv.org:0704.0002</identifier></header>
      <metadata><arXivRaw xmlns="http://arxiv.org/OAI/arXivRaw/">
        <id>0704.0002</id><submitter>Louis Theran</submitter>
        <version version="v2"><date>Sat, 13 Dec 2008 17:26:00 GMT</date></version>
        <version version="v1"><date>Sat, 31 Mar 2007 02:26:18 GMT</date></version>
        <title>Sparsity-certifying Graph Decompositions</title>
        <authors>Ileana Streinu and Louis Theran</authors>
        <categories>math.CO cs.CG</categories>
        <abstract>We describe a new algorithm, the $(k,\\ell)$-pebble game.</abstract>
      </arXivRaw></metadata></record>"""
    items, _, _ = parse_page(oai_page(raw))
    paper, = items
    assert (paper.arxiv_id, paper.version, paper.submitter) == ("0704.0002", 2, "Louis Theran")
    assert paper.published_at == datetime(2007, 3, 31, 2, 26, 18, tzinfo=UTC)
    assert paper.updated_at == datetime(2008, 12, 13, 17, 26, tzinfo=UTC)
    assert paper.authors == ["Ileana Streinu", "Louis Theran"]
    assert paper.primary_category == "math.CO"


def test_it_skips_deleted_and_broken_records(recorded_page):
    deleted = """<record><header status="deleted">
        <identifier>oai:arXiv.org:0801.0001</identifier></header></record>"""
    bare = "<record><header><identifier>oai:arXiv.org:0801.0002</identifier></header></record>"
    untitled = """<record><header><identifier>oai:arXiv.org:0801.0003</identifier></header>
        <metadata><arXiv xmlns="http://arxiv.org/OAI/arXiv/"><id>0801.0003</id></arXiv>
        </metadata></record>"""
    items, _, _ = parse_page(oai_page(deleted, bare, untitled))
    assert items == [
        Skip("oai:arXiv.org:0801.0001", "deleted upstream"),
        Skip("oai:arXiv.org:0801.0002", "record has no metadata"),
        Skip("oai:arXiv.org:0801.0003", "missing title"),
    ]


def test_it_treats_no_records_as_an_empty_page():
    body = (b'<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">'
            b'<error code="noRecordsMatch">nothing</error></OAI-PMH>')
    assert parse_page(body) == ([], None, 0)


@pytest.mark.django_db
def test_it_follows_the_resumption_token_and_waits_as_a_503_asks(oai):
    oai.failures = [(503, "Retry later", {"Retry-After": "1"})]
    sleeps = []
    source = OaiSource(from_date=date(2013, 3, 25), set_spec="physics:astro-ph",
                       client=client(sleeps))
    run = run_ingest(source).run

    assert oai.requests == [
        {"verb": "ListRecords", "metadataPrefix": "arXiv", "from": "2013-03-25",
         "set": "physics:astro-ph"},
        {"verb": "ListRecords", "resumptionToken": TOKEN},
        {"verb": "ListRecords", "resumptionToken": TOKEN},
    ]
    assert sleeps == [1.0]
    assert (run.status, run.new, run.skipped) == (IngestRun.FINISHED, 2, 0)
    assert run.cursor == {"done": True}
    assert Paper.objects.get(arxiv_id="0801.3932").title == "Orbits in 3D barred galaxy models"


@pytest.mark.django_db
def test_it_really_waits_before_retrying(oai, settings):
    # The client from settings sleeps for real: a Retry-After of 1 costs a second.
    oai.failures = [(503, "Retry later", {"Retry-After": "1"})]
    started = time.monotonic()
    run = run_ingest(OaiSource()).run
    assert time.monotonic() - started >= 1
    assert run.new == 2


@pytest.mark.django_db
def test_it_resumes_a_harvest_from_the_stored_token(oai):
    oai.failures = [(503, "down")] * 3
    first = run_ingest(OaiSource(client=client([], retries=2))).run
    assert first.status == IngestRun.INTERRUPTED
    assert first.error.startswith("HTTP 503 from ")
    assert first.cursor == {"token": TOKEN, "done_records": 1}
    assert Paper.objects.count() == 1

    oai.requests.clear()
    again = run_ingest(OaiSource(client=client([]))).run
    assert oai.requests == [{"verb": "ListRecords", "resumptionToken": TOKEN}]
    assert again.pk == first.pk
    assert (again.status, again.new) == (IngestRun.FINISHED, 2)
    assert Paper.objects.count() == 2


@pytest.mark.django_db
def test_it_fetches_a_truncated_page_again(oai, two_pages):
    oai.failures = [(200, two_pages[1][:700])]
    run = run_ingest(OaiSource(client=client([]))).run
    assert len(oai.requests) == 3
    assert (run.status, run.new, run.skipped) == (IngestRun.FINISHED, 2, 0)


@pytest.mark.django_db
def test_it_stops_at_a_page_that_stays_truncated_and_can_resume(oai, two_pages):
    # The next token is at the end of the page: a harvest cannot skip a page it cannot
    # read. It stops with the reason, keeps what it stored, and a re-run resumes there.
    oai.failures = [(200, two_pages[1][:700])] * 3
    run = run_ingest(OaiSource(client=client([]))).run
    assert run.status == IngestRun.INTERRUPTED
    assert run.error.startswith("unreadable OAI-PMH page after 3 tries")
    assert run.cursor == {"token": TOKEN, "done_records": 1}
    assert Paper.objects.count() == 1

    assert run_ingest(OaiSource(client=client([]))).run.new == 2


@pytest.mark.django_db
def test_it_fails_on_an_oai_error(oai):
    IngestRun.objects.create(source="oai", params=OaiSource().params(),
                             status=IngestRun.INTERRUPTED, cursor={"token": "stale"})
    result = run_ingest(OaiSource(client=client([])))
    assert not result.ok
    assert result.run.error == "OAI-PMH error badResumptionToken: expired"


def test_it_refuses_an_unknown_metadata_format():
    with pytest.raises(ValueError, match="metadata prefix"):
        OaiSource(prefix="oai_dc")


def test_it_raises_source_error_for_an_answer_without_records():
    with pytest.raises(SourceError, match="no ListRecords"):
        parse_page(b'<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"/>')



def test_it_splits_categories_written_with_commas():
    raw = """<record><header><identifier>oai:arXiv.org:0704.0002</identifier></header>
      <metadata><arXivRaw xmlns="http://arxiv.org/OAI/arXivRaw/">
        <id>0704.0002</id><title>Sparsity-certifying Graph Decompositions</title>
        <version version="v1"><date>Sat, 31 Mar 2007 02:26:18 GMT</date></version>
        <categories>math.CO,cs.CG 05C85</categories>
      </arXivRaw></metadata></record>"""
    items, _, _ = parse_page(oai_page(raw))
    paper, = items
    assert paper.categories == ["math.CO", "cs.CG", "05C85"]
