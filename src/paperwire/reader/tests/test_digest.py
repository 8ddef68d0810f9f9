"""The For you section of a signed-in reader's digest and its signed one-click links."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.utils import timezone

from paperwire.digests.build import build_digests
from paperwire.digests.emails import Renderer
from paperwire.digests.models import DAILY, Delivery, Subscriber
from paperwire.reader import tokens
from paperwire.reader.models import Follow, NotInterested

BASE_URL = "https://papers.example.org"


@pytest.fixture(autouse=True)
def _base_url(settings):
    settings.BASE_URL = BASE_URL


def _digest(alice, featured, frozen):
    paper = min((p for p in featured.values() if p.featured_on.isoformat() == "2024-10-24"),
                key=lambda p: p.upvotes)
    Follow.objects.add(alice, "author", paper.author_names[0])
    Subscriber.objects.create(email=alice.email, user=alice, frequency=DAILY,
                              confirmed_at=timezone.now(), trending_count=1)
    build_digests(DAILY)
    delivery = Delivery.objects.get()
    message = Renderer().message(delivery)
    text = message.body
    html = message.alternatives[0][0]
    return paper, delivery, text, html


def test_it_lists_for_you_picks_with_reasons_and_links(alice, featured, frozen):
    paper, delivery, text, html = _digest(alice, featured, frozen)
    assert [paper.pk, [f"you follow {paper.author_names[0]}"]] in delivery.content["for_you"]
    assert paper.pk in delivery.paper_ids
    for part in (text, html):
        assert "For you" in part
        assert f"you follow {paper.author_names[0]}" in part
        assert f"{BASE_URL}/reader/link/" in part
    assert "Not interested: https://" in text
    assert ">Not interested</a>" in html


def test_the_not_interested_link_confirms_on_get_and_acts_on_post(alice, featured, frozen):
    _, delivery, text, _ = _digest(alice, featured, frozen)
    first_pick = delivery.content["for_you"][0][0]
    link = re.search(rf"Not interested: {re.escape(BASE_URL)}(/reader/link/\S+)", text)[1]
    client = Client()  # no session: the link alone is enough
    page = client.get(link)
    assert page.status_code == 200 and "Not interested in this paper?" in page.content.decode()
    assert not NotInterested.objects.exists()
    done = client.post(link)
    assert done.status_code == 200
    marked = NotInterested.objects.get()
    assert (marked.user, marked.paper_id) == (alice, first_pick)
    client.post(link)  # a second click keeps the mark
    assert NotInterested.objects.count() == 1
    client.post(link, {"undo": "1"})
    assert not NotInterested.objects.exists()


def test_a_bad_or_tampered_link_does_nothing(alice, featured):
    paper = next(iter(featured.values()))
    token = tokens.make(alice.pk, paper.pk, "not-interested")
    other = token.replace(f"{alice.pk}.", f"{alice.pk + 1}.", 1)
    client = Client()
    for bad in ("nonsense", other, token[:-2] + "xx"):
        assert client.post(f"/reader/link/{bad}").status_code == 400
    assert not NotInterested.objects.exists()


def test_a_digest_without_an_account_has_no_for_you(featured, frozen):
    Subscriber.objects.create(email="anon@example.org", frequency=DAILY,
                              confirmed_at=timezone.now())
    build_digests(DAILY)
    assert "for_you" not in Delivery.objects.get().content


def _library() -> bool:
    from django.apps import apps

    return apps.is_installed("paperwire.library")


@pytest.mark.skipif(_library(), reason="the library app is installed")
def test_without_the_library_there_is_no_save_link(alice, featured, frozen):
    _, delivery, text, html = _digest(alice, featured, frozen)
    assert "Save: " not in text and ">Save</a>" not in html
    paper = featured[sorted(featured)[0]]
    token = tokens.make(alice.pk, paper.pk, "save")
    assert Client().post(f"/reader/link/{token}").status_code == 400


@pytest.mark.skipif(not _library(), reason="needs the library app")
def test_the_save_link_saves_once_and_undoes(alice, featured, frozen):
    from paperwire.reader.ranking import saved_ids

    _, delivery, text, html = _digest(alice, featured, frozen)
    link = re.search(rf"Save: {re.escape(BASE_URL)}(/reader/link/\S+)", text)[1]
    assert ">Save</a>" in html
    first_pick = delivery.content["for_you"][0][0]
    client = Client()
    assert "Save this paper?" in client.get(link).content.decode()
    assert first_pick not in saved_ids(alice)
    client.post(link)
    client.post(link)  # a second click never unsaves
    assert first_pick in saved_ids(alice)
    client.post(link, {"undo": "1"})
    assert first_pick not in saved_ids(alice)
