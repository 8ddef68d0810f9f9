from html.parser import HTMLParser

import pytest
from django.db import connection
from django.test import Client

from paperwire.library.models import Collection, CollectionItem
from paperwire.library.tests.conftest import logged_in
from paperwire.papers.models import Paper

pytestmark = pytest.mark.django_db


class MetaTags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "meta" and attrs.get("name", "").startswith(("citation_", "DC.")):
            self.tags.append((attrs["name"], attrs["content"]))


def test_the_paper_page_carries_highwire_tags(db):
    Paper.objects.create(
        arxiv_id="2401.10241", title='Quotes " and <b>tags</b> & more',
        author_names=["Penghui Qi", "O'Brien <x>"], published_at="2024-01-15T10:00Z")
    html = Client().get("/papers/2401.10241").content.decode()
    parser = MetaTags()
    parser.feed(html)
    tags = parser.tags
    assert ("citation_title", 'Quotes " and <b>tags</b> & more') in tags
    assert [v for n, v in tags if n == "citation_author"] == ["Penghui Qi", "O'Brien <x>"]
    assert ("citation_date", "2024/01/15") in tags
    assert ("citation_publication_date", "2024/01/15") in tags
    assert ("citation_arxiv_id", "2401.10241") in tags
    assert ("citation_pdf_url", "https://arxiv.org/pdf/2401.10241") in tags
    assert ("citation_abstract_html_url", "https://arxiv.org/abs/2401.10241") in tags
    # Zotero's Embedded Metadata translator takes its item type from dc:type when no
    # Highwire tag names one (citation_technical_report_institution would make it a
    # report): a preprint, its repository arXiv (dc:publisher).
    assert ("DC.type", "preprint") in tags and ("DC.publisher", "arXiv") in tags
    assert not [n for n, _ in tags if n in HIGHWIRE_TYPE_TAGS]
    assert "<b>tags</b>" not in html


# Highwire tags from which Zotero's Embedded Metadata translator sets the item type
# itself, over dc:type (its init(): journal, report, conference, book section, thesis).
HIGHWIRE_TYPE_TAGS = {"citation_journal_title", "citation_technical_report_institution",
                      "citation_conference_title", "citation_conference",
                      "citation_book_title", "citation_inbook_title",
                      "citation_dissertation_institution"}


def test_an_anonymous_reader_is_asked_to_log_in_to_save(paper):
    html = Client().get("/").content.decode()
    assert 'href="/login?next=/papers/2401.10241"' in html and "☆ Save" in html
    response = Client().post("/papers/2401.10241/save")
    assert response.status_code == 302 and response["Location"].startswith("/login")
    response = Client().post("/papers/2401.10241/save", headers={"HX-Request": "true"})
    assert response.status_code == 401 and response["HX-Redirect"].startswith("/login")


def test_it_saves_from_a_card_with_htmx(alice, paper):
    client = logged_in(alice)
    page = client.get("/").content.decode()
    assert 'hx-post="/papers/2401.10241/save"' in page
    assert 'aria-pressed="false"' in page.split("form class=\"save")[1]
    response = client.post("/papers/2401.10241/save", {"next": "/"},
                           headers={"HX-Request": "true"})
    assert response.status_code == 200
    body = response.content.decode()
    assert body.startswith('<form class="save saved"') and 'aria-pressed="true"' in body
    assert Collection.objects.saved_paper_ids(alice) == {paper.pk}
    # A reload shows it saved: the page's ETag moved with the save.
    page = client.get("/").content.decode()
    assert '<form class="save saved"' in page


def test_the_save_button_works_without_javascript(alice, paper):
    client = logged_in(alice)
    response = client.post("/papers/2401.10241/save", {"next": "/trending"})
    assert response.status_code == 302 and response["Location"] == "/trending"
    response = client.post("/papers/2401.10241/save", {"next": "https://evil.example/"})
    assert response["Location"] == "/papers/2401.10241"
    assert Collection.objects.saved_paper_ids(alice) == set()


def test_the_paper_page_has_the_save_button(alice, paper):
    client = logged_in(alice)
    client.post("/papers/2401.10241/save")
    html = client.get("/papers/2401.10241").content.decode()
    assert '<form class="save saved"' in html
    assert 'href="/papers/2401.10241/collections"' in html


def test_a_list_of_cards_asks_once_for_saved_papers(alice, paper, other_paper,
                                                     django_assert_max_num_queries):
    client = logged_in(alice)
    with django_assert_max_num_queries(50) as queries:
        html = client.get("/categories/cs.LG").content.decode()
    assert html.count('<form class="save') == 2
    saved_queries = [q for q in queries.captured_queries
                     if "library_collectionitem" in q["sql"]]
    assert len(saved_queries) == 1


def test_the_library_lists_collections_with_counts(alice, bob, paper, other_paper):
    reading = Collection.objects.create_for(alice, "Reading <group>", "shared")
    reading.add(paper)
    reading.add(other_paper)
    reading.members.add(bob)
    html = logged_in(alice).get("/library/").content.decode()
    assert "Reading &lt;group&gt;" in html and "2 papers" in html
    assert "Reading &lt;group&gt;" in logged_in(bob).get("/library/").content.decode()


def test_it_makes_a_collection(alice):
    response = logged_in(alice).post("/library/", {"name": "Diffusion",
                                                   "visibility": "public"})
    made = Collection.objects.get(owner=alice)
    assert response["Location"] == f"/collections/{made.pk}-diffusion"
    assert made.visibility == "public"


@pytest.mark.parametrize("data", [{"name": "", "visibility": "private"},
                                  {"name": "a\x00b", "visibility": "private"},
                                  {"name": "x" * 101, "visibility": "private"},
                                  {"name": "ok", "visibility": "everyone"}])
def test_it_refuses_a_bad_collection(alice, data):
    assert logged_in(alice).post("/library/", data).status_code == 400
    assert not Collection.objects.exists()


def test_the_owner_sees_cards_with_remove_buttons(alice, paper):
    reading = Collection.objects.create_for(alice, "Reading")
    reading.add(paper)
    client = logged_in(alice)
    html = client.get(reading.get_absolute_url()).content.decode()
    assert "Zero Bubble Pipeline Parallelism" in html and "Remove from Reading" in html
    assert client.get(f"/collections/{reading.pk}-wrong").status_code == 302
    client.post(f"/collections/{reading.pk}/remove", {"paper": "2401.10241"})
    assert not reading.items.exists()


def test_the_owner_renames_and_changes_visibility(alice, bob):
    reading = Collection.objects.create_for(alice, "Reading")
    client = logged_in(alice)
    client.post(f"/collections/{reading.pk}/edit", {"name": "Group", "visibility": "shared"})
    reading.refresh_from_db()
    assert (reading.name, reading.slug, reading.visibility) == ("Group", "reading", "shared")


def test_the_owner_manages_members(alice, bob):
    reading = Collection.objects.create_for(alice, "Reading", "shared")
    client = logged_in(alice)
    client.post(f"/collections/{reading.pk}/members", {"who": "BOB@example.org"})
    assert list(reading.members.all()) == [bob]
    response = client.post(f"/collections/{reading.pk}/members",
                           {"who": "nobody@example.org"}, follow=True)
    assert "No account has that" in response.content.decode()
    client.post(f"/collections/{reading.pk}/members", {"who": "alice@example.org"})
    assert list(reading.members.all()) == [bob]
    client.post(f"/collections/{reading.pk}/members", {"remove": str(bob.pk)})
    assert not reading.members.exists()
    client.post(f"/collections/{reading.pk}/members", {"remove": "x"})


def test_the_owner_deletes_a_collection(alice, paper):
    reading = Collection.objects.create_for(alice, "Reading")
    reading.add(paper)
    response = logged_in(alice).post(f"/collections/{reading.pk}/delete")
    assert response["Location"] == "/library/"
    assert not Collection.objects.exists() and not CollectionItem.objects.exists()
    assert Paper.objects.filter(pk=paper.pk).exists()


def test_a_reader_files_a_paper_in_a_collection(alice, paper):
    reading = Collection.objects.create_for(alice, "Reading")
    client = logged_in(alice)
    assert "Add to Reading" in client.get("/papers/2401.10241/collections").content.decode()
    client.post("/papers/2401.10241/collections", {"collection": reading.pk})
    assert reading.items.filter(paper=paper).exists()
    assert "Remove from Reading" in client.get(
        "/papers/2401.10241/collections").content.decode()
    client.post("/papers/2401.10241/collections", {"collection": reading.pk,
                                                   "action": "remove"})
    assert not reading.items.exists()
    client.post("/papers/2401.10241/collections", {"name": "New one",
                                                   "visibility": "public"})
    assert Collection.objects.get(name="New one").items.filter(paper=paper).exists()


def test_a_hidden_paper_is_not_shown_in_a_collection(alice, paper):
    reading = Collection.objects.create_for(alice, "Reading")
    reading.add(paper)
    Paper.objects.filter(pk=paper.pk).update(is_hidden=True)
    html = logged_in(alice).get(reading.get_absolute_url()).content.decode()
    assert "Zero Bubble" not in html and "0 papers" in html


def test_it_exports_from_the_page(alice, paper):
    reading = Collection.objects.create_for(alice, "Reading", "public")
    reading.add(paper)
    response = Client().get(f"/collections/{reading.pk}/export?format=bibtex")
    assert response["Content-Type"].startswith("application/x-bibtex")
    assert response["Content-Disposition"] == 'attachment; filename="reading.bib"'
    assert "eprint = {2401.10241}" in response.content.decode()
    assert Client().get(f"/collections/{reading.pk}/export?format=ris").content.startswith(
        b"TY  - UNPB")
    assert Client().get(f"/collections/{reading.pk}/export?format=x").status_code == 400


def test_the_account_menu_links_to_the_library(alice):
    assert 'href="/library/"' in logged_in(alice).get("/").content.decode()


def test_a_save_changes_the_list_etag(alice, paper):
    client = logged_in(alice)
    etag = client.get("/").headers["ETag"]
    client.post("/papers/2401.10241/save")
    response = client.get("/", headers={"if-none-match": etag})
    assert response.status_code == 200
    assert '<form class="save saved"' in response.content.decode()


def test_a_paper_in_several_collections_shows_once_in_each(alice, bob, paper, other_paper):
    first = Collection.objects.create_for(alice, "First", "public")
    second = Collection.objects.create_for(bob, "Second", "public")
    for c in (first, second):
        c.add(paper)
        c.add(other_paper)
    html = Client().get(first.get_absolute_url()).content.decode()
    assert html.count('<article class="card">') == 2
    assert html.index("Mixtral") < html.index("Zero Bubble")  # the latest added first


@pytest.mark.parametrize("fmt", ["bibtex", "ris", "csl-json"])
def test_no_stored_value_breaks_an_export(alice, fmt):
    # SQLite stores a NUL that came in before the input gate; PostgreSQL cannot hold one.
    nul = "\x00" if connection.vendor == "sqlite" else "\x07"
    odd = Paper.objects.create(arxiv_id="2401.00001", title=f"{nul} odd \n title",
                               author_names=["Ada", 5, None, {"x": 1}, ""],
                               categories="", primary_category="")
    reading = Collection.objects.create_for(alice, "Reading", "public")
    reading.add(odd)
    response = Client().get(f"/collections/{reading.pk}/export?format={fmt}")
    assert response.status_code == 200 and b"2401.00001" in response.content
    assert nul.encode() not in response.content
