from datetime import date

import pytest

from paperwire.papers.models import Paper


@pytest.mark.django_db
def test_it_shows_a_welcome_page_when_empty(client):
    response = client.get("/")
    assert response.status_code == 200
    assert b"No papers yet" in response.content


@pytest.mark.django_db
def test_it_lists_the_latest_featured_day(client):
    Paper.objects.create(arxiv_id="2401.00001", title="Older day", featured_on=date(2024, 1, 1))
    Paper.objects.create(arxiv_id="2401.00002", title="<b>Latest</b> day",
                         featured_on=date(2024, 1, 2), upvotes=5)
    response = client.get("/")
    assert b"&lt;b&gt;Latest&lt;/b&gt; day" in response.content
    assert b"Older day" not in response.content


def test_it_runs_the_cli_against_the_test_database(cli):
    Paper.objects.create(arxiv_id="2401.00003", title="Seen from the CLI")
    result = cli("stats", "--json", check=True)
    assert '"papers": 1' in result.stdout


@pytest.mark.django_db
def test_it_shows_an_unreachable_source_on_the_welcome_page(client, settings):
    from paperwire.ingest.models import IngestRun

    settings.INGEST_SOURCES = ["daily"]
    IngestRun.objects.create(source="daily", status=IngestRun.FAILED,
                             error="connection failed: [Errno 111] Connection refused")
    response = client.get("/")
    assert b"could not be reached" in response.content
    assert b"Connection refused" in response.content
    assert b"tried again automatically" in response.content
    assert b"next scheduled run" in response.content
