import random
import threading

import pytest
from django.db import connection
from django.test import Client

from paperwire.community.models import Vote
from paperwire.community.tests.conftest import logged_in, make_user
from paperwire.papers.models import Paper
from paperwire.papers.records import PaperRecord

HTMX = {"HX-Request": "true"}


@pytest.mark.django_db
def test_it_toggles_a_vote_and_answers_the_button(alice, paper):
    client = logged_in(alice)
    response = client.post("/papers/2401.10241/upvote", headers=HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.startswith('<form class="upvote voted"')
    assert 'aria-pressed="true"' in html
    assert '41<span class="visually-hidden"> upvotes' in html
    assert 'name="up" value="0"' in html  # the next click takes it back
    assert Vote.objects.filter(user=alice, paper=paper).exists()

    html = client.post("/papers/2401.10241/upvote", headers=HTMX).content.decode()
    assert 'aria-pressed="false"' in html
    assert "40<span" in html
    assert not Vote.objects.exists()
    paper.refresh_from_db()
    assert paper.upvotes == 40


@pytest.mark.django_db
def test_setting_a_vote_twice_counts_once(alice, paper):
    client = logged_in(alice)
    for _ in range(3):
        client.post("/papers/2401.10241/upvote", {"up": "1"}, headers=HTMX)
    paper.refresh_from_db()
    assert (paper.upvotes, Vote.objects.count()) == (41, 1)
    for _ in range(2):
        client.post("/papers/2401.10241/upvote", {"up": "0"}, headers=HTMX)
    paper.refresh_from_db()
    assert (paper.upvotes, Vote.objects.count()) == (40, 0)


@pytest.mark.django_db
def test_without_htmx_it_goes_back_to_the_paper(alice, paper):
    response = logged_in(alice).post("/papers/2401.10241/upvote")
    assert response.status_code == 302
    assert response.url == "/papers/2401.10241"
    response = logged_in(alice).post("/papers/2401.10241/upvote",
                                     {"next": "https://evil.example/"})
    assert response.url == "/papers/2401.10241"


@pytest.mark.django_db
def test_it_needs_a_session(client, paper):
    response = client.post("/papers/2401.10241/upvote")
    assert response.status_code == 302
    assert response.url == "/login?next=/papers/2401.10241"
    response = client.post("/papers/2401.10241/upvote", headers=HTMX)
    assert response.status_code == 401
    assert response.headers["HX-Redirect"] == "/login?next=/papers/2401.10241"
    paper.refresh_from_db()
    assert paper.upvotes == 40


@pytest.mark.django_db
def test_it_refuses_a_vote_without_the_csrf_token(alice, paper):
    client = logged_in(alice, enforce_csrf_checks=True)
    assert client.post("/papers/2401.10241/upvote").status_code == 403
    assert not Vote.objects.exists()


@pytest.mark.django_db
def test_a_blocked_user_cannot_vote(alice, paper):
    client = logged_in(alice)
    alice.is_active = False
    alice.save()
    response = client.post("/papers/2401.10241/upvote", headers=HTMX)
    assert response.status_code == 401
    assert not Vote.objects.exists()


@pytest.mark.django_db
def test_a_hidden_paper_takes_no_votes(alice, paper):
    Paper.objects.filter(pk=paper.pk).update(is_hidden=True)
    assert logged_in(alice).post("/papers/2401.10241/upvote").status_code == 404


@pytest.mark.django_db
def test_get_changes_nothing(alice, paper):
    assert logged_in(alice).get("/papers/2401.10241/upvote").status_code == 405


@pytest.mark.django_db
def test_ingest_keeps_local_votes_in_the_total(alice, bob, paper):
    Vote.objects.toggle(alice, paper)
    Vote.objects.toggle(bob, paper)
    paper.refresh_from_db()
    assert (paper.local_upvotes, paper.upvotes) == (2, 42)

    # Hugging Face now reports 55: the total is 55 + this site's 2.
    Paper.objects.upsert_records([PaperRecord.build(arxiv_id="2401.10241",
                                                    title=paper.title, upvotes=55)])
    paper.refresh_from_db()
    assert (paper.local_upvotes, paper.upvotes) == (2, 57)
    # A record that says nothing of upvotes leaves both alone.
    Paper.objects.upsert_records([PaperRecord.build(arxiv_id="2401.10241", title="New")])
    paper.refresh_from_db()
    assert (paper.title, paper.local_upvotes, paper.upvotes) == ("New", 2, 57)


def _close_after(target):
    def run(*args):
        try:
            target(*args)
        finally:
            connection.close()
    return run


@pytest.mark.django_db(transaction=True)
@pytest.mark.timeout(120)
def test_the_count_stays_equal_to_the_votes_under_concurrent_toggling():
    paper = Paper.objects.create(arxiv_id="2401.00001", title="Contested", upvotes=7)
    users = [make_user(f"user{n}@example.org", f"User {n}") for n in range(6)]
    start = threading.Barrier(len(users) + 2)
    errors = []

    def toggler(user, seed):
        rng = random.Random(seed)
        start.wait()
        try:
            for _ in range(12):
                if rng.random() < 0.5:
                    Vote.objects.toggle(user, paper)
                else:
                    Vote.objects.set_vote(user, paper, rng.random() < 0.5)
        except Exception as e:  # noqa: BLE001  (reported below)
            errors.append(e)

    def ingester():
        start.wait()
        try:
            for n in range(5):
                Paper.objects.upsert_records([PaperRecord.build(
                    arxiv_id="2401.00001", title="Contested", upvotes=7 + n)])
        except Exception as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=_close_after(toggler), args=(user, n))
               for n, user in enumerate(users)]
    # The same user from two tabs at once.
    threads.append(threading.Thread(target=_close_after(toggler), args=(users[0], 99)))
    threads.append(threading.Thread(target=_close_after(ingester)))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    paper.refresh_from_db()
    votes = Vote.objects.filter(paper=paper).count()
    assert paper.local_upvotes == votes
    assert paper.upvotes == 11 + votes  # the last imported count + this site's votes


@pytest.mark.django_db(transaction=True)
@pytest.mark.timeout(120)
def test_concurrent_requests_through_the_site_keep_the_count():
    paper = Paper.objects.create(arxiv_id="2401.00002", title="Busy", upvotes=0)
    users = [make_user(f"web{n}@example.org", f"Web {n}") for n in range(4)]
    clients = []
    for user in users:
        client = Client()
        client.force_login(user)
        clients.append(client)
    start = threading.Barrier(len(clients))

    def clicker(client):
        start.wait()
        for _ in range(5):
            assert client.post("/papers/2401.00002/upvote", headers=HTMX).status_code == 200

    threads = [threading.Thread(target=_close_after(clicker), args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    paper.refresh_from_db()
    # Five toggles each: every user ends up with a vote.
    assert paper.upvotes == Vote.objects.filter(paper=paper).count() == 4
