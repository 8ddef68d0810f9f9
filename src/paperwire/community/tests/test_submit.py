from datetime import UTC, date, datetime

import pytest
import time_machine
from django.contrib.messages import get_messages

from paperwire.community.models import Submission
from paperwire.community.tests.arxiv_fake import recorded_by_id, serve_arxiv
from paperwire.community.tests.conftest import logged_in
from paperwire.papers.models import Paper

pytestmark = pytest.mark.django_db

# 1707.08567 ("Hiding in Plain Sight"?) and others: first versions from the recordings.
SOON_AFTER = datetime(2017, 8, 1, 12, tzinfo=UTC)  # days after 1707.08567v1


@pytest.fixture
def arxiv(local_server, shared_data, settings):
    settings.ARXIV_API_URL = local_server.url + "api/query"
    serve_arxiv(local_server, recorded_by_id(shared_data))
    return local_server


def _messages(response) -> str:
    return " ".join(str(m) for m in get_messages(response.wsgi_request))


def _published(arxiv_id: str) -> date:
    return Paper.objects.get(arxiv_id=arxiv_id).published_at.date()


def test_it_fetches_the_paper_and_features_it_today(alice, arxiv):
    with time_machine.travel(SOON_AFTER):
        response = logged_in(alice).post("/submit", {"id": "https://arxiv.org/abs/1707.08567v2"})
    assert response.status_code == 302
    assert response.url == "/papers/1707.08567"
    assert arxiv.requests[0]["id_list"] == "1707.08567"
    paper = Paper.objects.get(arxiv_id="1707.08567")
    assert paper.title and paper.author_names
    assert (SOON_AFTER.date() - _published("1707.08567")).days <= 14
    assert paper.featured_on == SOON_AFTER.date()
    assert Submission.objects.get(paper=paper).user == alice


def test_an_old_paper_is_added_but_not_featured(alice, arxiv):
    with time_machine.travel(datetime(2025, 1, 1, tzinfo=UTC)):
        response = logged_in(alice).post("/submit", {"id": "1605.08386"})
    assert "too old to be featured" in _messages(response)
    paper = Paper.objects.get(arxiv_id="1605.08386")
    assert paper.featured_on is None


def test_the_window_is_a_setting(alice, arxiv, settings):
    settings.SUBMISSION_WINDOW_DAYS = 2
    with time_machine.travel(SOON_AFTER):
        logged_in(alice).post("/submit", {"id": "1707.08567"})
    assert Paper.objects.get(arxiv_id="1707.08567").featured_on is None


def test_a_duplicate_leads_to_the_existing_paper(alice, bob, arxiv, paper):
    response = logged_in(bob).post("/submit", {"id": "arXiv:2401.10241v1"})
    assert response.url == "/papers/2401.10241"
    assert "submitted already" in _messages(response)
    assert arxiv.requests == []  # known here: nothing fetched

    with time_machine.travel(SOON_AFTER):
        logged_in(alice).post("/submit", {"id": "1707.08567"})
        response = logged_in(bob).post("/submit", {"id": "1707.08567"})
    assert response.url == "/papers/1707.08567"
    assert len(arxiv.requests) == 1
    assert Submission.objects.get().user == alice


def test_it_features_a_known_but_unfeatured_paper(alice, arxiv):
    Paper.objects.create(arxiv_id="2401.00009", title="From the snapshot",
                         published_at=datetime(2024, 1, 10, tzinfo=UTC))
    with time_machine.travel(datetime(2024, 1, 20, 12, tzinfo=UTC)):
        logged_in(alice).post("/submit", {"id": "2401.00009"})
    assert Paper.objects.get(arxiv_id="2401.00009").featured_on == date(2024, 1, 20)
    assert arxiv.requests == []


@pytest.mark.parametrize("text", [
    "https://evil.example/abs/2401.10241",
    "http://127.0.0.1:8000/abs/2401.10241",
    "http://169.254.169.254/latest/meta-data/",
    "file:///etc/passwd",
    "https://arxiv.org.evil.example/abs/2401.10241",
    "https://user@arxiv.org/abs/2401.10241",
    "gopher://arxiv.org/abs/2401.10241",
    "2401.10241 OR 1=1",
    "2401.10241,2401.10242",
    "../../etc/passwd",
    "2401.1024",
    "x" * 5000,
])
def test_it_refuses_anything_but_an_arxiv_id_before_any_request(alice, arxiv, text):
    response = logged_in(alice).post("/submit", {"id": text})
    assert response.status_code == 400
    assert b"arXiv id" in response.content
    assert arxiv.requests == []
    assert not Paper.objects.exists()


def test_it_says_when_arxiv_does_not_know_the_id(alice, arxiv):
    response = logged_in(alice).post("/submit", {"id": "2401.99999"})
    assert response.status_code == 404
    assert b"arXiv has no paper 2401.99999" in response.content
    assert not Paper.objects.exists()


def test_it_says_when_arxiv_cannot_be_reached(alice, local_server, settings):
    settings.ARXIV_API_URL = local_server.url + "api/query"
    local_server.respond = lambda path, query: (503, "down")
    response = logged_in(alice).post("/submit", {"id": "2401.10241"})
    assert response.status_code == 502
    assert b"could not be reached" in response.content


def test_it_needs_a_session_and_a_csrf_token(client, alice, arxiv):
    response = client.post("/submit", {"id": "1707.08567"})
    assert response.status_code == 302
    assert response.url.startswith("/login?next=/submit")
    response = logged_in(alice, enforce_csrf_checks=True).post("/submit", {"id": "1707.08567"})
    assert response.status_code == 403
    assert arxiv.requests == []


def test_it_throttles_submissions(alice, arxiv, paper):
    client = logged_in(alice)
    for _ in range(10):
        assert client.post("/submit", {"id": "2401.10241"}).status_code == 302
    assert client.post("/submit", {"id": "2401.10241"}).status_code == 429


def test_a_hidden_paper_cannot_be_submitted_again(alice, arxiv, paper):
    Paper.objects.filter(pk=paper.pk).update(is_hidden=True)
    assert logged_in(alice).post("/submit", {"id": "2401.10241"}).status_code == 403
