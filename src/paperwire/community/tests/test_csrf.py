"""Every state-changing form refuses a request without its CSRF token, and every write
needs a session."""

import pytest
from django.test import Client

from paperwire.community.models import ApiToken, Comment
from paperwire.community.tests.conftest import PASSWORD, logged_in

pytestmark = pytest.mark.django_db


def _writes(comment, token) -> list[tuple[str, dict]]:
    return [
        ("/signup", {"email": "x@example.org", "display_name": "X", "password": PASSWORD}),
        ("/login", {"email": "alice@example.org", "password": PASSWORD}),
        ("/logout", {}),
        ("/account/reset", {"email": "alice@example.org"}),
        ("/account/tokens", {"name": "x"}),
        (f"/account/tokens/{token.pk}/revoke", {}),
        ("/submit", {"id": "2401.10241"}),
        ("/papers/2401.10241/upvote", {}),
        ("/papers/2401.10241/comments", {"body": "x"}),
        ("/papers/2401.10241/claim", {"author": 1}),
        ("/papers/2401.10241/organisation", {"organisation": 1}),
        (f"/comments/{comment.pk}/edit", {"body": "changed"}),
        (f"/comments/{comment.pk}/delete", {}),
        (f"/comments/{comment.pk}/report", {}),
    ]


@pytest.fixture
def targets(alice, paper):
    ApiToken.objects.issue(alice)
    comment = Comment.post(alice, paper, "Original")
    return _writes(comment, ApiToken.objects.get())


def test_every_form_refuses_a_post_without_its_csrf_token(alice, targets):
    for client in (Client(enforce_csrf_checks=True), logged_in(alice, enforce_csrf_checks=True)):
        for path, data in targets:
            response = client.post(path, data)
            assert response.status_code == 403, path
    assert Comment.objects.get().body == "Original"
    assert ApiToken.objects.count() == 1


def test_every_write_but_the_account_forms_needs_a_session(alice, targets):
    client = Client()
    for path, data in targets:
        if path in ("/signup", "/login", "/logout", "/account/reset"):
            continue
        response = client.post(path, data)
        assert response.status_code == 302, path
        assert response.url.startswith("/login?next="), path
    comment = Comment.objects.get()
    assert (comment.body, comment.is_deleted) == ("Original", False)
    assert ApiToken.objects.count() == 1
