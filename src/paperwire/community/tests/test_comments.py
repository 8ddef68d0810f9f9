from html.parser import HTMLParser

import pytest
from django.contrib.admin.sites import site
from django.test import RequestFactory

from paperwire.community.admin import CommentAdmin
from paperwire.community.models import AuditEntry, Comment, CommentReport
from paperwire.community.tests.conftest import logged_in
from paperwire.papers.models import Paper

pytestmark = pytest.mark.django_db

ATTACKS = [
    "<script>alert('script')</script>",
    "<img src=x onerror=alert('img')>",
    "[click me](javascript:alert('link'))",
    "<a href=\"javascript:alert('raw')\">raw</a>",
    "<svg onload=alert('svg')>",
    "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "<iframe src=\"https://evil.example\"></iframe>",
    "**bold** <b onmouseover=alert('b')>hover</b>",
]


def _post(client, body, parent=None):
    data = {"body": body}
    if parent:
        data["parent"] = parent.pk
    return client.post("/papers/2401.10241/comments", data)


def _counts(paper):
    paper.refresh_from_db()
    return paper.num_comments, paper.local_comments


def test_it_posts_a_comment_and_counts_it(alice, paper):
    Paper.objects.filter(pk=paper.pk).update(num_comments=3)  # 3 imported from a source
    response = _post(logged_in(alice), "Nice *result*, see [the code](https://github.com/a/b).")
    comment = Comment.objects.get()
    assert response.status_code == 302
    assert response.url == f"/papers/2401.10241#comment-{comment.pk}"
    assert _counts(paper) == (4, 1)

    html = logged_in(alice).get("/papers/2401.10241").content.decode()
    assert f'id="comment-{comment.pk}"' in html
    assert "Nice <em>result</em>" in html
    assert ('<a href="https://github.com/a/b" rel="nofollow noopener noreferrer ugc">the code'
            '</a>') in html
    assert ">Alice</a>" in html
    assert "alice@example.org" not in html.replace('value="alice@example.org"', "")


def test_replies_are_one_level_deep(alice, bob, paper):
    _post(logged_in(alice), "Top")
    top = Comment.objects.get()
    _post(logged_in(bob), "Reply", parent=top)
    reply = Comment.objects.latest("pk")
    _post(logged_in(alice), "Reply to the reply", parent=reply)
    deeper = Comment.objects.latest("pk")
    assert reply.parent == top
    assert deeper.parent == top  # joins the same thread
    assert _counts(paper) == (3, 3)
    html = logged_in(bob).get("/papers/2401.10241").content.decode()
    assert html.count('class="comment reply"') == 2


def test_it_edits_and_deletes_only_your_own(alice, bob, paper):
    _post(logged_in(alice), "First words")
    comment = Comment.objects.get()
    url = f"/comments/{comment.pk}"
    assert logged_in(bob).post(url + "/edit", {"body": "Hacked"}).status_code == 404
    assert logged_in(bob).post(url + "/delete").status_code == 404
    assert logged_in(alice).get(url + "/edit").status_code == 200
    response = logged_in(alice).post(url + "/edit", {"body": "Better words"})
    assert response.status_code == 302
    comment.refresh_from_db()
    assert (comment.body, comment.edited_at is not None) == ("Better words", True)

    assert logged_in(alice).post(url + "/delete").status_code == 302
    comment.refresh_from_db()
    assert comment.is_deleted and comment.body == ""
    assert _counts(paper) == (0, 0)
    assert logged_in(alice).post(url + "/delete").status_code == 404  # once
    assert _counts(paper) == (0, 0)


def test_a_deleted_comment_keeps_its_replies(alice, bob, paper):
    _post(logged_in(alice), "Top")
    top = Comment.objects.get()
    _post(logged_in(bob), "Still here", parent=top)
    logged_in(alice).post(f"/comments/{top.pk}/delete")
    html = logged_in(bob).get("/papers/2401.10241").content.decode()
    assert "Comment deleted by its author." in html
    assert "Still here" in html
    assert _counts(paper) == (1, 1)


def test_it_takes_a_report_once(alice, bob, paper):
    _post(logged_in(alice), "Spam spam")
    comment = Comment.objects.get()
    for _ in range(2):
        response = logged_in(bob).post(f"/comments/{comment.pk}/report", {"reason": "spam"})
        assert response.status_code == 302
    report = CommentReport.objects.get()
    assert (report.user, report.reason) == (bob, "spam")


def test_a_moderator_hides_and_shows_a_comment(alice, bob, charlie, paper):
    _post(logged_in(alice), "Rude words")
    comment = Comment.objects.get()
    CommentReport.objects.create(comment=comment, user=bob)
    request = RequestFactory().post("/admin/")
    request.user = charlie
    request._messages = _Messages()
    admin = CommentAdmin(Comment, site)
    admin.actions[0](admin, request, Comment.objects.all())
    comment.refresh_from_db()
    assert comment.is_hidden
    assert _counts(paper) == (0, 0)
    assert CommentReport.objects.get().resolved
    assert "Rude words" not in logged_in(bob).get("/papers/2401.10241").content.decode()
    admin.actions[1](admin, request, Comment.objects.all())
    assert _counts(paper) == (1, 1)
    assert [(e.actor, e.action, e.target_id) for e in AuditEntry.objects.order_by("pk")] == [
        (charlie, "hide comment", str(comment.pk)), (charlie, "unhide comment", str(comment.pk))]


def test_hiding_a_deleted_comment_counts_it_once(alice, paper):
    _post(logged_in(alice), "Gone")
    comment = Comment.objects.get()
    comment.delete_by_author()
    comment.hide()
    comment.unhide()
    assert _counts(paper) == (0, 0)


class _Tags(HTMLParser):
    """Every tag and attribute in a piece of HTML, as a browser would parse them."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


@pytest.mark.parametrize("attack", ATTACKS)
def test_a_comment_with_an_attack_renders_inert(alice, paper, attack):
    _post(logged_in(alice), attack)
    html = logged_in(alice).get("/papers/2401.10241").content.decode()
    body = html.split('<div class="comment-body">', 1)[1].split("</div>", 1)[0]
    parser = _Tags()
    parser.feed(body)
    for tag, attrs in parser.tags:
        assert tag in {"p", "em", "strong", "a", "code", "pre", "br"}, tag
        assert all(not name.startswith("on") for name in attrs), attrs
        assert set(attrs) <= {"href", "rel"}, attrs
        assert attrs.get("href", "https:").startswith(("https:", "http:")), attrs


def test_it_refuses_an_empty_or_huge_comment(alice, paper):
    assert _post(logged_in(alice), "   ").status_code == 400
    assert _post(logged_in(alice), "x" * 10_001).status_code == 400
    assert not Comment.objects.exists()


def test_it_refuses_a_reply_to_another_papers_comment(alice, paper):
    other = Paper.objects.create(arxiv_id="2401.00002", title="Other")
    elsewhere = Comment.post(alice, other, "Elsewhere")
    assert _post(logged_in(alice), "Reply", parent=elsewhere).status_code == 400
    assert Comment.objects.count() == 1


def test_it_needs_a_session(client, paper):
    response = _post(client, "Anonymous")
    assert response.status_code == 302
    assert response.url.startswith("/login")
    assert not Comment.objects.exists()


def test_a_blocked_user_cannot_comment(alice, paper):
    client = logged_in(alice)
    alice.is_active = False
    alice.save()
    assert _post(client, "Still here?").status_code == 302
    assert not Comment.objects.exists()


def test_it_throttles_comments(alice, paper):
    client = logged_in(alice)
    for n in range(20):
        assert _post(client, f"Comment {n}").status_code == 302
    assert _post(client, "One too many").status_code == 429
    assert Comment.objects.count() == 20


def test_a_hidden_paper_takes_no_comments(alice, paper):
    Paper.objects.filter(pk=paper.pk).update(is_hidden=True)
    assert _post(logged_in(alice), "Hello").status_code == 404


class _Messages:
    def add(self, level, message, extra_tags=""):
        pass
