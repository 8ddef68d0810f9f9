import pytest
from django.contrib.admin.sites import site
from django.contrib.auth import get_user_model
from django.test import RequestFactory

from paperwire.community.admin import ModeratedPaperAdmin, ModeratedUserAdmin
from paperwire.community.models import ApiToken, AuditEntry
from paperwire.community.tests.conftest import logged_in
from paperwire.papers.models import Paper

pytestmark = pytest.mark.django_db
User = get_user_model()


class _Messages:
    def add(self, level, message, extra_tags=""):
        pass


def _request(user):
    request = RequestFactory().post("/admin/")
    request.user, request._messages = user, _Messages()
    return request


def test_an_admin_hides_and_shows_a_paper(charlie, bob, paper):
    admin = ModeratedPaperAdmin(Paper, site)
    admin.actions[0](admin, _request(charlie), Paper.objects.all())
    assert logged_in(bob).get("/papers/2401.10241").status_code == 404
    assert logged_in(bob).post("/papers/2401.10241/upvote").status_code == 404
    admin.actions[1](admin, _request(charlie), Paper.objects.all())
    assert logged_in(bob).get("/papers/2401.10241").status_code == 200
    entries = list(AuditEntry.objects.order_by("pk").values_list(
        "actor__username", "action", "target_type", "target_id"))
    assert entries == [("charlie@example.org", "hide paper", "paper", str(paper.pk)),
                       ("charlie@example.org", "unhide paper", "paper", str(paper.pk))]


def test_an_admin_blocks_a_user(charlie, bob, paper):
    client = logged_in(bob)
    token = ApiToken.objects.issue(bob)
    admin = ModeratedUserAdmin(User, site)
    admin.actions[0](admin, _request(charlie), User.objects.filter(pk=bob.pk))
    bob.refresh_from_db()
    assert not bob.is_active
    assert not ApiToken.objects.exists()
    # The session that was open no longer counts; the token is gone; login is refused.
    assert client.post("/papers/2401.10241/upvote").url.startswith("/login")
    response = client.post("/api/papers/2401.10241/upvote",
                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert client.post("/login", {"email": "bob@example.org",
                                  "password": "correct horse battery staple"}).status_code == 400
    assert AuditEntry.objects.get().action == "block user"

    admin.actions[1](admin, _request(charlie), User.objects.filter(pk=bob.pk))
    bob.refresh_from_db()
    assert bob.is_active


def test_an_admin_cannot_block_themselves(charlie):
    admin = ModeratedUserAdmin(User, site)
    admin.actions[0](admin, _request(charlie), User.objects.filter(pk=charlie.pk))
    charlie.refresh_from_db()
    assert charlie.is_active
    assert not AuditEntry.objects.exists()


def test_the_admin_pages_open(charlie, paper):
    client = logged_in(charlie)
    for path in ("/admin/papers/paper/", "/admin/community/comment/",
                 "/admin/community/authorclaim/", "/admin/community/auditentry/",
                 "/admin/auth/user/", f"/admin/papers/paper/{paper.pk}/change/"):
        assert client.get(path).status_code == 200, path


def test_the_audit_log_cannot_be_edited(charlie):
    client = logged_in(charlie)
    assert client.get("/admin/community/auditentry/add/").status_code == 403


def test_the_admin_logs_in_through_the_throttled_login(client, charlie):
    response = client.get("/admin/")
    assert response.url == "/admin/login/?next=/admin/"
    response = client.get(response.url)
    assert response.url == "/login?next=%2Fadmin%2F"
    response = client.post("/login?next=/admin/", {"email": "charlie@example.org",
                                                   "password": "correct horse battery staple",
                                                   "next": "/admin/"})
    assert response.url == "/admin/"
    assert client.get("/admin/").status_code == 200
