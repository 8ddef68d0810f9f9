"""The reader's pages: For you, Following, follow buttons, "not interested" on cards
and paper pages, seeds, reset; and that no one else reaches them."""

from __future__ import annotations

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from paperwire.community.models import Vote
from paperwire.papers.models import Author, Organisation, Paper, PaperAuthor
from paperwire.reader.models import MAX_FOLLOWS, Follow, NotInterested, Seed
from paperwire.reader.tests.conftest import DAY, EARLIER, logged_in, speculative


def test_it_shows_for_you_with_reasons(alice, featured):
    paper = min(featured.values(), key=lambda p: p.upvotes)
    Follow.objects.add(alice, "author", paper.author_names[0])
    response = logged_in(alice).get("/for-you?days=3")
    assert response.status_code == 200
    body = response.content.decode()
    assert f"you follow {paper.author_names[0]}" in body
    assert 'aria-current="page">For you' in body


def test_it_asks_for_a_login_and_rejects_bad_days(alice, featured):
    assert Client().get("/for-you").status_code == 302
    assert logged_in(alice).get("/for-you?days=5").status_code == 400


def test_the_home_page_has_the_for_you_tab_when_signed_in(alice, featured):
    assert 'href="/for-you"' in logged_in(alice).get("/").content.decode()
    assert 'href="/for-you"' not in Client().get("/").content.decode()


def test_it_follows_from_an_author_page_and_unfollows(alice, featured):
    author = Author.objects.create(name="Diyi Yang")
    client = logged_in(alice)
    page = client.get(f"/authors/{author.pk}").content.decode()
    assert "Follow Diyi Yang" in page
    response = client.post("/following", {"kind": "author", "value": "Diyi Yang",
                                          "next": f"/authors/{author.pk}"})
    assert response.status_code == 302 and response["Location"] == f"/authors/{author.pk}"
    follow = Follow.objects.get(user=alice)
    assert (follow.kind, follow.value) == ("author", "Diyi Yang")
    assert "Following Diyi Yang" in client.get(f"/authors/{author.pk}").content.decode()
    assert client.post(f"/following/{follow.pk}/delete").status_code == 302
    assert not Follow.objects.exists()


def test_follow_buttons_on_organisation_category_and_search_pages(alice, featured):
    Organisation.objects.create(name="Acme Research", slug="acme")
    client = logged_in(alice)
    assert "Follow Acme Research" in client.get("/organisations/acme").content.decode()
    assert "Follow cs.CL" in client.get("/categories/cs.CL").content.decode()
    search = client.get("/search?q=speculative+decoding").content.decode()
    assert 'name="value" value="speculative decoding"' in search


def test_it_refuses_bad_follows(alice, db):
    client = logged_in(alice)
    for kind, value in (("author", "a\x00b"), ("category", "not a category"),
                        ("organisation", "nobody"), ("planet", "Mars"),
                        ("topic", "x" * 301)):
        response = client.post("/following", {"kind": kind, "value": value})
        assert response.status_code == 400, (kind, value)
    assert not Follow.objects.exists()


def test_it_bounds_the_follows_of_a_reader(alice, db):
    Follow.objects.bulk_create([Follow(user=alice, kind="category", value=f"cs.X{i}")
                                for i in range(MAX_FOLLOWS)])
    response = logged_in(alice).post("/following", {"kind": "author", "value": "Someone"})
    assert response.status_code == 400
    assert "unfollow some first" in response.content.decode()


def test_the_following_page_shows_the_readers_own_follows_only(alice, bob, db):
    Follow.objects.add(alice, "author", "Alice's Author")
    Follow.objects.add(bob, "author", "Bob's Author")
    page = logged_in(alice).get("/following").content.decode()
    assert "Alice&#x27;s Author" in page and "Bob" not in page.split("<main")[1]


def test_no_one_else_can_unfollow(alice, bob, db):
    follow, _ = Follow.objects.add(alice, "author", "Diyi Yang")
    assert logged_in(bob).post(f"/following/{follow.pk}/delete").status_code == 404
    assert Client().post(f"/following/{follow.pk}/delete").status_code == 302  # login
    assert Follow.objects.filter(pk=follow.pk).exists()


def test_not_interested_on_a_card_and_the_paper_page(alice, featured):
    paper = max(featured.values(), key=lambda p: p.upvotes)
    client = logged_in(alice)
    assert f'action="/papers/{paper.arxiv_id}/not-interested"' in client.get("/").content.decode()
    page = client.get(f"/papers/{paper.arxiv_id}").content.decode()
    assert f'action="/papers/{paper.arxiv_id}/not-interested"' in page
    response = client.post(f"/papers/{paper.arxiv_id}/not-interested", HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and 'aria-pressed="true"' in response.content.decode()
    assert NotInterested.objects.filter(user=alice, paper=paper).exists()
    response = client.post(f"/papers/{paper.arxiv_id}/not-interested", {"on": "0"})
    assert response.status_code == 302
    assert not NotInterested.objects.exists()
    assert "not-interested" not in Client().get("/").content.decode()


def test_not_interested_needs_a_login_and_a_post(featured):
    paper = next(iter(featured.values()))
    client = Client()
    assert client.get(f"/papers/{paper.arxiv_id}/not-interested").status_code == 405
    response = client.post(f"/papers/{paper.arxiv_id}/not-interested")
    assert response.status_code == 302 and "/login" in response["Location"]
    assert not NotInterested.objects.exists()


def test_it_adds_seed_papers_from_ids_and_a_bib_file(alice, featured):
    from django.core.files.uploadedfile import SimpleUploadedFile

    first, second = sorted(featured)[:2]
    client = logged_in(alice)
    client.post("/following/seeds", {"ids": f"https://arxiv.org/abs/{first}v2 9999.99999"})
    bib = f"@misc{{x,\n  eprint={{{second}}},\n  archivePrefix={{arXiv}}\n}}".encode()
    client.post("/following/seeds", {"bib": SimpleUploadedFile("refs.bib", bib)})
    assert set(Seed.objects.filter(user=alice).values_list("paper__arxiv_id", flat=True)) \
        == {first, second}
    page = client.get("/following").content.decode()
    assert Paper.objects.get(arxiv_id=first).title[:20] in page


def test_reset_needs_a_post_and_clears_seeds(alice, featured):
    Seed.add(alice, list(featured.values())[:2])
    client = logged_in(alice)
    assert client.get("/following/reset").status_code == 405
    assert client.post("/following/reset").status_code == 302
    assert not Seed.objects.filter(user=alice).exists()


def test_a_followed_authors_paper_page_links_back(alice, featured):
    paper = next(iter(featured.values()))
    author = Author.objects.create(name="Zed Zedson")
    PaperAuthor.objects.create(paper=paper, author=author, position=99)
    assert "Follow Zed Zedson" in logged_in(alice).get(f"/authors/{author.pk}").content.decode()


def test_a_mark_or_a_follow_changes_the_lists_etag(alice, featured):
    paper = max(featured.values(), key=lambda p: p.upvotes)
    client = logged_in(alice)
    etag = client.get("/").headers["ETag"]
    client.post(f"/papers/{paper.arxiv_id}/not-interested", HTTP_HX_REQUEST="true")
    response = client.get("/", headers={"if-none-match": etag})
    assert response.status_code == 200
    assert 'aria-pressed="true" title="Take back' in response.content.decode()
    author = Author.objects.create(name="Diyi Yang")
    etag = client.get(f"/authors/{author.pk}").headers["ETag"]
    client.post("/following", {"kind": "author", "value": "Diyi Yang"})
    client.get("/following")  # the message is shown and gone
    response = client.get(f"/authors/{author.pk}", headers={"if-none-match": etag})
    assert response.status_code == 200
    assert "Following Diyi Yang" in response.content.decode()


def test_the_for_you_page_asks_as_many_queries_for_3_cards_as_for_20(alice, featured):
    liked, *like_it = sorted(speculative(featured), key=lambda p: p.pk)[:3]
    Paper.objects.update(featured_on=EARLIER)
    Paper.objects.filter(pk__in=[liked.pk, *(p.pk for p in like_it)]).update(featured_on=DAY)
    Vote.objects.set_vote(alice, liked, True)
    client = logged_in(alice)
    # The process keeps the background from here on, and what is shown is written the
    # first time only: a reload writes nothing.
    client.get("/for-you?days=1")
    client.get("/for-you?days=3")
    with CaptureQueriesContext(connection) as few:
        html = client.get("/for-you?days=1").content.decode()
    assert html.count('<article class="card">') == 2  # the upvoted one is not new
    with CaptureQueriesContext(connection) as many:
        html = client.get("/for-you?days=3").content.decode()
    assert html.count('<article class="card">') == 20
    # session, user, newest day; the reader's reset, votes, saves, seeds, marks and
    # follows; the candidates, what was seen of them, digests sent, the upvoted papers'
    # versions, vectors, the background's papers and newest vector, the liked papers'
    # titles, the cards; the cards' votes and keywords
    assert len(few.captured_queries) == len(many.captured_queries) == 20
