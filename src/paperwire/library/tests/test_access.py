"""Another reader can neither read nor change a private or shared collection, by id or
slug, through any route, page or API: each answers 404, as for a collection that does
not exist. Members of a shared collection read it and add to it, and nothing more."""

import json

import pytest
from django.test import Client

from paperwire.community.models import ApiToken
from paperwire.library.models import Collection
from paperwire.library.tests.conftest import logged_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def collections(alice, bob, paper):
    made = {}
    for visibility in ("private", "shared", "public"):
        c = Collection.objects.create_for(alice, f"Alice {visibility}", visibility)
        c.add(paper, alice)
        made[visibility] = c
    made["shared"].members.add(bob)
    return made


def _snapshot(c: Collection) -> tuple:
    c.refresh_from_db()
    return (c.name, c.visibility, sorted(c.members.values_list("pk", flat=True)),
            sorted(c.items.values_list("paper_id", flat=True)))


def _page_attempts(c: Collection, other_paper) -> list[tuple[str, str, dict]]:
    return [
        ("get", f"/collections/{c.pk}-{c.slug}", {}),
        ("get", f"/collections/{c.pk}-other", {}),
        ("get", f"/collections/{c.pk}/export?format=bibtex", {}),
        ("get", f"/collections/{c.pk}/export?format=csl-json", {}),
        ("get", f"/collections/{c.pk}/import", {}),
        ("post", f"/collections/{c.pk}/import", {"text": "2401.04088", "format": "ids"}),
        ("post", f"/collections/{c.pk}/edit", {"name": "Mine", "visibility": "public"}),
        ("post", f"/collections/{c.pk}/delete", {}),
        ("post", f"/collections/{c.pk}/members", {"who": "charlie@example.org"}),
        ("post", f"/collections/{c.pk}/members", {"remove": "1"}),
        ("post", f"/collections/{c.pk}/remove", {"paper": "2401.10241"}),
        ("post", "/papers/2401.04088/collections", {"collection": c.pk}),
        ("post", "/papers/2401.10241/collections", {"collection": c.pk, "action": "remove"}),
    ]


@pytest.mark.parametrize("visibility", ["private", "shared"])
def test_an_outsider_cannot_read_or_change_a_collection(collections, charlie, other_paper,
                                                         visibility):
    c = collections[visibility]
    before = _snapshot(c)
    client = logged_in(charlie)
    for method, url, data in _page_attempts(c, other_paper):
        response = getattr(client, method)(url, data)
        assert response.status_code == 404, (method, url, response.status_code)
    assert _snapshot(c) == before
    assert "Alice" not in client.get("/library/").content.decode()
    assert f"collections/{c.pk}-" not in client.get(
        "/papers/2401.10241/collections").content.decode()


@pytest.mark.parametrize("visibility", ["private", "shared"])
def test_an_anonymous_reader_cannot_read_or_change_a_collection(collections, other_paper,
                                                                 visibility):
    c = collections[visibility]
    before = _snapshot(c)
    for method, url, data in _page_attempts(c, other_paper):
        response = getattr(Client(), method)(url, data)
        # Pages that need an account send to the log-in page; the rest do not exist.
        assert response.status_code == 404 or (
            response.status_code == 302 and response["Location"].startswith("/login")), url
    assert _snapshot(c) == before


def test_anyone_reads_a_public_collection_and_nobody_else_changes_it(
        collections, charlie, other_paper):
    c = collections["public"]
    before = _snapshot(c)
    assert Client().get(c.get_absolute_url()).status_code == 200
    assert b"2401.10241" in Client().get(f"/collections/{c.pk}/export?format=ris").content
    client = logged_in(charlie)
    html = client.get(c.get_absolute_url()).content.decode()
    assert "Remove from" not in html and "Settings" not in html and "Import" not in html
    for method, url, data in _page_attempts(c, other_paper)[4:]:
        response = getattr(client, method)(url, data)
        assert response.status_code == 404, (method, url, response.status_code)
    assert _snapshot(c) == before


def test_a_member_reads_and_adds_to_a_shared_collection_and_nothing_more(
        collections, bob, paper, other_paper):
    c = collections["shared"]
    client = logged_in(bob)
    html = client.get(c.get_absolute_url()).content.decode()
    assert "Zero Bubble" in html and "Remove from" not in html and "Settings" not in html
    assert client.get(f"/collections/{c.pk}/export?format=bibtex").status_code == 200
    client.post("/papers/2401.04088/collections", {"collection": c.pk})
    assert c.items.filter(paper=other_paper, added_by=bob).exists()
    before = _snapshot(c)
    for method, url, data in _page_attempts(c, other_paper)[6:11]:
        assert getattr(client, method)(url, data).status_code == 404, url
    client.post("/papers/2401.10241/collections", {"collection": c.pk, "action": "remove"})
    assert _snapshot(c) == before
    # A member's additions are not their saved papers.
    assert Collection.objects.saved_paper_ids(bob) == set()


def test_a_former_member_or_a_made_private_collection_is_gone(collections, bob):
    c = collections["shared"]
    c.visibility = "private"
    c.save()
    assert logged_in(bob).get(c.get_absolute_url()).status_code == 404
    c.visibility = "shared"
    c.save()
    c.members.remove(bob)
    assert logged_in(bob).get(c.get_absolute_url()).status_code == 404


def _api(method, path, token, data=None):
    client = Client()
    headers = {"Authorization": f"Bearer {token}"}
    if method == "get":
        return client.get(f"/api{path}", headers=headers)
    return client.post(f"/api{path}", json.dumps(data or {}),
                       content_type="application/json", headers=headers)


@pytest.mark.parametrize("visibility", ["private", "shared", "public"])
def test_another_token_cannot_reach_a_collection_through_the_api(
        collections, charlie, bob, other_paper, visibility):
    c = collections[visibility]
    before = _snapshot(c)
    for user in (charlie, bob):
        token = ApiToken.objects.issue(user, "tests")
        assert _api("get", "/me/collections", token).json() == []
        assert _api("get", f"/me/collections/{c.slug}/export", token).status_code == 404
        assert _api("post", f"/me/collections/{c.slug}/papers", token,
                    {"id": "2401.04088"}).status_code == 404
    assert _snapshot(c) == before


def test_the_same_slug_names_each_readers_own_collection(collections, charlie, other_paper):
    mine = Collection.objects.create_for(charlie, "Alice private")
    assert mine.slug == collections["private"].slug
    token = ApiToken.objects.issue(charlie, "tests")
    assert _api("post", f"/me/collections/{mine.slug}/papers", token,
                {"id": "2401.04088"}).status_code == 201
    assert list(mine.items.values_list("paper_id", flat=True)) == [other_paper.pk]
    assert not collections["private"].items.filter(paper=other_paper).exists()
