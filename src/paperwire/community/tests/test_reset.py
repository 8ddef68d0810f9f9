import re
import time

import pytest
from django.core import mail

from paperwire.community.models import Profile

pytestmark = pytest.mark.django_db


def _path(message) -> str:
    return re.search(r"http://localhost:8000(/account/reset/\S+)", message.body).group(1)


def test_it_mails_a_reset_link_that_works_once(client, alice):
    response = client.post("/account/reset", {"email": "Alice@example.org"})
    assert response.status_code == 302
    assert response.url == "/account/reset/sent"
    message = mail.outbox[0]
    assert message.to == ["alice@example.org"]
    assert message.subject == "Reset your paperwire password"
    assert "choose a new password" in message.body
    path = _path(message)
    assert f'href="http://localhost:8000{path}"' in message.alternatives[0].content

    form = client.get(path, follow=True)
    assert form.status_code == 200
    assert b"Choose a new password" in form.content
    new = "a brand new passphrase"
    response = client.post(form.redirect_chain[-1][0],
                           {"new_password1": new, "new_password2": new})
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.check_password(new)

    again = client.get(path, follow=True)
    assert b"This link is not valid" in again.content


def test_it_answers_the_same_for_an_unknown_address(client, alice):
    known = client.post("/account/reset", {"email": "alice@example.org"})
    unknown = client.post("/account/reset", {"email": "nobody@example.org"})
    assert (known.status_code, known.url) == (unknown.status_code, unknown.url)
    assert known.content == unknown.content
    # Both paths send one message (the same work, the same time order of magnitude).
    assert [m.to for m in mail.outbox] == [["alice@example.org"], ["nobody@example.org"]]
    message = mail.outbox[1]
    assert message.subject == "Reset your paperwire password"
    assert "no account uses it" in message.body
    assert "http://localhost:8000/signup" in message.body
    assert 'href="http://localhost:8000/signup"' in message.alternatives[0].content


def test_both_paths_take_about_as_long(client, alice):
    def timed(email):
        start = time.perf_counter()
        for _ in range(3):
            client.post("/account/reset", {"email": email})
        return time.perf_counter() - start

    timed("warm@example.org")
    known, unknown = timed("alice@example.org"), timed("nobody@example.org")
    # Locmem mail: both paths render and send one message; neither is many times slower.
    assert max(known, unknown) / min(known, unknown) < 3


def test_a_reset_also_confirms_the_address(client, alice):
    Profile.objects.filter(user=alice).update(email_verified_at=None)
    client.post("/account/reset", {"email": "alice@example.org"})
    form = client.get(_path(mail.outbox[0]), follow=True)
    new = "a brand new passphrase"
    client.post(form.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})
    assert Profile.objects.get(user=alice).email_verified_at is not None


def test_a_blocked_user_gets_no_reset_link(client, mallory):
    client.post("/account/reset", {"email": "mallory@example.org"})
    assert "no account uses it" in mail.outbox[0].body


def test_it_throttles_reset_requests(client, alice):
    for _ in range(3):
        assert client.post("/account/reset", {"email": "alice@example.org"}).status_code == 302
    assert client.post("/account/reset", {"email": "alice@example.org"}).status_code == 429
    assert len(mail.outbox) == 3
