"""The reading site's pages with the community hooks in: vote state, header links,
discussion, at a fixed number of queries."""

from datetime import date

import pytest

from paperwire.community.models import Comment, Vote
from paperwire.community.tests.conftest import logged_in
from paperwire.papers.models import Paper

pytestmark = pytest.mark.django_db


def _papers(n: int, start: int = 0) -> list[Paper]:
    return [Paper.objects.create(arxiv_id=f"2401.{start + i:05d}", title=f"Paper {i}",
                                 featured_on=date(2024, 1, 18), upvotes=i)
            for i in range(n)]


def test_a_list_asks_once_for_the_readers_votes(alice, django_assert_num_queries):
    papers = _papers(3)
    Vote.objects.toggle(alice, papers[1])
    client = logged_in(alice)
    # session, user, data version, latest day, cards, the reader's votes, the reader's
    # saved papers (library), the cards' keywords, previous, next, the reader's
    # "not interested" marks (reader)
    with django_assert_num_queries(11):
        html = client.get("/").content.decode()
    assert html.count('aria-pressed="true"') == 1
    assert html.count('<form class="upvote') == 3
    _papers(20, start=100)
    with django_assert_num_queries(11):
        html = client.get("/").content.decode()
    assert html.count('<form class="upvote') == 23


def test_signed_out_readers_get_links_and_no_forms(client, paper):
    html = client.get("/").content.decode()
    assert '<a class="upvote upvotes" href="/login?next=/papers/2401.10241"' in html
    assert "csrfmiddlewaretoken" not in html
    assert 'href="/login"' in html and 'href="/signup"' in html


def test_the_paper_page_asks_a_fixed_number_of_queries(alice, bob, paper,
                                                       django_assert_num_queries):
    for n in range(3):
        top = Comment.post(bob, paper, f"Comment {n}")
        Comment.post(alice, paper, f"Reply {n}", parent=top)
    client = logged_in(alice)
    # session, user, paper, authors, the reader's vote, the reader's saved papers
    # (library), memberships, comments, the paper's keywords and summary, the reader's
    # "not interested" marks (reader)
    with django_assert_num_queries(10):
        html = client.get("/papers/2401.10241").content.decode()
    assert html.count('class="comment reply"') == 3
    assert "Reply 2" in html


def test_a_session_changes_the_list_etag(client, alice, paper):
    etag = client.get("/").headers["ETag"]
    client.force_login(alice)
    response = client.get("/", headers={"if-none-match": etag})
    assert response.status_code == 200  # not the signed-out page again
    assert 'aria-pressed="false"' in response.content.decode()


def test_a_vote_changes_the_list_etag(alice, paper):
    client = logged_in(alice)
    etag = client.get("/").headers["ETag"]
    client.post("/papers/2401.10241/upvote")
    response = client.get("/", headers={"if-none-match": etag})
    assert response.status_code == 200
    assert 'aria-pressed="true"' in response.content.decode()


def test_search_hits_get_their_vote_state_in_one_query(alice, paper,
                                                       django_assert_num_queries):
    from types import SimpleNamespace

    from django.template import Context, Template

    other = Paper.objects.create(arxiv_id="2401.00002", title="Other")
    Vote.objects.toggle(alice, paper)
    hits = [SimpleNamespace(paper=paper), SimpleNamespace(paper=other)]
    template = Template("{% load community %}{% voted_paper_ids hits as ids %}"
                        "{% for hit in hits %}{% upvote_button hit.paper ids %}{% endfor %}")
    with django_assert_num_queries(1):
        html = template.render(Context({"hits": hits, "user": alice}))
    assert html.count('aria-pressed="true"') == 1
    assert html.count('aria-pressed="false"') == 1
