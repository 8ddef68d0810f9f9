""""Alert me" on the search page, and the admins' preview of a subscriber's next digest."""

import pytest

from paperwire.community.tests.conftest import logged_in
from paperwire.digests.models import SavedSearch, Subscriber
from paperwire.digests.tests.conftest import DAY, make_paper, make_subscriber, parts

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]


def test_alert_me_sits_under_a_search_and_keeps_its_filters(client):
    make_paper("2410.00001", DAY, "Diffusion video models")
    assert 'class="alert-me"' not in client.get("/search").content.decode()  # no search yet
    html = client.get("/search?q=diffusion&category=cs.CV&page=1").content.decode()
    assert '<form class="alert-me" method="post" action="/digests/alerts">' in html
    assert '<input type="hidden" name="q" value="diffusion">' in html
    assert '<input type="hidden" name="category" value="cs.CV">' in html
    assert 'name="page"' not in html.split('class="alert-me"')[1].split("</form>")[0]
    assert '<label for="alert-email">' in html


def test_a_signed_in_reader_saves_an_alert_at_once(alice):
    client = logged_in(alice)
    html = client.get("/search?q=diffusion").content.decode()
    assert 'value="alice@example.org"' in html  # their address, filled in

    response = client.post("/digests/alerts", {"email": "alice@example.org",
                                               "q": "diffusion video", "has_code": "yes"})
    assert response.status_code == 302
    assert response.url == "/search?q=diffusion+video&has_code=yes"
    search = SavedSearch.objects.get()
    assert (search.query, search.filters, search.user) == ("diffusion video",
                                                           {"has_code": "yes"}, alice)
    assert search.confirmed_at is not None
    subscriber = Subscriber.objects.get()
    assert subscriber.status == "active" and subscriber.user == alice
    assert "Alert saved" in client.get(response.url).content.decode()


def test_an_alert_for_a_new_address_is_confirmed_by_mail(client, smtp):
    response = client.post("/digests/alerts", {"email": "reader@example.org",
                                               "q": "speculative decoding"})
    assert response.status_code == 302 and response.url == "/digests/subscribe/sent"
    [mail] = smtp.wait_for(1)
    text, html = parts(mail)
    # The address is not proven: the mail carries none of the words the form took.
    assert "speculative" not in text and "speculative" not in html
    assert "with new papers for an alert" in text and "with new papers for an alert" in html
    link = text.split("https://papers.example.org", 1)[1].split()[0]
    assert SavedSearch.objects.get().confirmed_at is None

    assert b"speculative decoding" in client.get(link).content
    client.post(link)
    assert Subscriber.objects.get().status == "active"
    assert SavedSearch.objects.get().confirmed_at is not None


def test_an_alert_for_a_confirmed_address_asks_that_mailbox(client, smtp):
    make_subscriber("reader@example.org")
    client.post("/digests/alerts", {"email": "reader@example.org", "q": "mamba"})
    [mail] = smtp.wait_for(1)
    assert mail["Subject"] == "Confirm your new paperwire alert"
    assert SavedSearch.objects.get().confirmed_at is None
    link = parts(mail)[0].split("https://papers.example.org", 1)[1].split()[0]
    assert b"Confirm your new alert" in client.get(link).content
    client.post(link)
    assert SavedSearch.objects.get().confirmed_at is not None


def test_an_alert_needs_a_search_and_an_address(client):
    response = client.post("/digests/alerts", {"email": "reader@example.org", "q": ""})
    assert response.status_code == 302
    response = client.post("/digests/alerts", {"email": "nope", "q": "mamba"})
    assert response.status_code == 302 and response.url == "/search?q=mamba"
    assert not SavedSearch.objects.exists()


def test_the_alert_form_needs_a_csrf_token(alice):
    client = logged_in(alice, enforce_csrf_checks=True)
    response = client.post("/digests/alerts", {"email": "alice@example.org", "q": "x"})
    assert response.status_code == 403


def test_the_preview_is_for_admins(client, alice, charlie):
    make_paper("2410.17243", DAY, "Breaking the Memory Barrier")
    reader = make_subscriber("reader@example.org")
    url = f"/digests/preview/{reader.pk}"
    assert client.get(url).status_code == 302  # to the login page
    assert logged_in(alice).get(url).status_code == 302

    admin = logged_in(charlie)
    response = admin.get(url)
    assert response.status_code == 200
    assert "style-src 'unsafe-inline'" in response.headers["Content-Security-Policy"]
    assert b"Breaking the Memory Barrier" in response.content
    assert admin.get("/digests/preview/reader@example.org").status_code == 200
    text = admin.get(url + "?format=text")
    assert text.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert text.content.decode().startswith("Subject: paperwire digest for 24 October 2024")
    assert admin.get("/digests/preview/999").status_code == 404

    Subscriber.objects.filter(pk=reader.pk).update(last_covered_day=DAY)
    assert b"has nothing new to receive" in admin.get(url).content


@pytest.mark.django_db
def test_an_alert_keeps_its_keyword_filter():
    from paperwire.digests.models import SavedSearch

    search = SavedSearch(query="", filters={"keyword": "pipeline parallelism"})
    assert search.search_filters().keyword == "pipeline parallelism"
    assert search.description == "Every paper with the keyword pipeline parallelism"
