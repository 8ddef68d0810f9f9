import pytest

from paperwire.library.models import Collection
from paperwire.library.tests.arxiv_many import serve_arxiv_ids
from paperwire.library.tests.conftest import logged_in
from paperwire.papers.models import Paper

pytestmark = pytest.mark.django_db

BIBTEX = """
@misc{qi2024zero, title={Zero Bubble}, eprint={2401.10241}, archivePrefix={arXiv}}
@article{heat, title={Heat-bath random walks},
  journal={arXiv preprint arXiv:1605.08386}, year={2016}}
@misc{ghost, title={No such paper}, url={https://arxiv.org/abs/2401.99999}}
@book{knuth, title={The {TeX}book}, publisher={Addison-Wesley}}
"""


@pytest.fixture
def arxiv(settings, local_server, shared_data):
    settings.ARXIV_API_URL = local_server.url + "api/query"
    settings.HTTP_BACKOFF = settings.ARXIV_DELAY = 0
    serve_arxiv_ids(local_server, shared_data)
    return local_server


def test_it_imports_bibtex_fetching_what_is_missing(alice, paper, arxiv):
    reading = Collection.objects.create_for(alice, "Reading")
    response = logged_in(alice).post(f"/collections/{reading.pk}/import",
                                     {"text": BIBTEX, "format": "auto"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "2 papers added" in html and "(1 fetched from arXiv)" in html
    assert "ghost No such paper</span>: not found on arXiv" in html
    assert "knuth The TeXbook</span>: no arXiv id" in html
    assert set(reading.items.values_list("paper__arxiv_id", flat=True)) == {
        "2401.10241", "1605.08386"}
    assert Paper.objects.get(arxiv_id="1605.08386").title == (
        "Heat-bath random walks with Markov bases")
    # One request for both missing ids.
    assert len(arxiv.requests) == 1
    assert set(arxiv.requests[0]["id_list"].split(",")) == {"1605.08386", "2401.99999"}


def test_it_imports_a_ris_file(alice, paper, arxiv):
    from django.core.files.uploadedfile import SimpleUploadedFile

    reading = Collection.objects.create_for(alice, "Reading")
    ris = (b"TY  - UNPB\r\nTI  - Zero\r\nUR  - https://arxiv.org/abs/2401.10241\r\nER  - \r\n"
           b"TY  - JOUR\r\nTI  - Old\r\nDO  - 10.48550/arXiv.astro-ph/0601001\r\nER  - \r\n")
    response = logged_in(alice).post(f"/collections/{reading.pk}/import", {
        "file": SimpleUploadedFile("lib.ris", ris), "format": "auto"})
    assert "2 papers added" in response.content.decode()
    assert reading.items.filter(paper__arxiv_id="astro-ph/0601001").exists()


def test_it_imports_pasted_ids_and_counts_repeats(alice, paper, arxiv):
    reading = Collection.objects.create_for(alice, "Reading")
    reading.add(paper)
    response = logged_in(alice).post(f"/collections/{reading.pk}/import", {
        "text": "2401.10241\nhttps://arxiv.org/abs/1605.08386v1\n1605.08386\nnot-an-id",
        "format": "ids"})
    html = response.content.decode()
    assert "1 paper added, 2 already in the collection" in html
    assert "not-an-id</span>: not an arXiv id" in html


def test_it_says_when_arxiv_cannot_be_reached(alice, settings, local_server):
    settings.ARXIV_API_URL = local_server.url + "api/query"
    settings.HTTP_BACKOFF = settings.ARXIV_DELAY = 0
    local_server.respond = lambda path, query: (503, "down")
    reading = Collection.objects.create_for(alice, "Reading")
    html = logged_in(alice).post(f"/collections/{reading.pk}/import", {
        "text": "1605.08386", "format": "ids"}).content.decode()
    assert "0 papers added" in html and "arXiv could not be reached" in html


@pytest.mark.parametrize("text", ["2401.10241\x00", ""])
def test_it_refuses_an_empty_or_binary_import(alice, text):
    reading = Collection.objects.create_for(alice, "Reading")
    response = logged_in(alice).post(f"/collections/{reading.pk}/import",
                                     {"text": text, "format": "auto"})
    assert response.status_code == 400
    assert not reading.items.exists()


def test_it_refuses_a_file_too_large(alice):
    from django.core.files.uploadedfile import SimpleUploadedFile

    reading = Collection.objects.create_for(alice, "Reading")
    response = logged_in(alice).post(f"/collections/{reading.pk}/import", {
        "file": SimpleUploadedFile("big.bib", b"%" * 1_000_001), "format": "auto"})
    assert response.status_code == 400 and "larger than 1 MB" in response.content.decode()


def test_a_hidden_paper_is_not_imported(alice, paper, arxiv):
    Paper.objects.filter(pk=paper.pk).update(is_hidden=True)
    reading = Collection.objects.create_for(alice, "Reading")
    html = logged_in(alice).post(f"/collections/{reading.pk}/import", {
        "text": "2401.10241", "format": "ids"}).content.decode()
    assert "0 papers added" in html and "not shown on this site" in html
    assert not reading.items.exists()


def test_a_member_imports_into_a_shared_collection(alice, bob, paper, arxiv):
    group = Collection.objects.create_for(alice, "Group", "shared")
    group.members.add(bob)
    logged_in(bob).post(f"/collections/{group.pk}/import", {"text": "2401.10241",
                                                             "format": "ids"})
    assert group.items.filter(paper=paper, added_by=bob).exists()
