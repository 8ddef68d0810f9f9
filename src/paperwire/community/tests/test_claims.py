import pytest
from django.contrib.admin.sites import site
from django.test import RequestFactory

from paperwire.community.admin import AuthorClaimAdmin
from paperwire.community.models import AuditEntry, AuthorClaim, Membership
from paperwire.community.tests.conftest import logged_in
from paperwire.papers.models import Author, Organisation, Paper

pytestmark = pytest.mark.django_db


class _Messages:
    def add(self, level, message, extra_tags=""):
        self.last = message


def _admin_request(user):
    request = RequestFactory().post("/admin/")
    request.user, request._messages = user, _Messages()
    return request


def test_a_reader_claims_an_author_and_an_admin_approves(alice, charlie, paper):
    qi = Author.objects.get(name="Penghui Qi")
    html = logged_in(alice).get("/papers/2401.10241").content.decode()
    assert f'<option value="{qi.pk}">Penghui Qi</option>' in html

    response = logged_in(alice).post("/papers/2401.10241/claim", {"author": qi.pk})
    assert response.url == "/papers/2401.10241#community-actions"
    claim = AuthorClaim.objects.get()
    assert (claim.user, claim.author, claim.status) == (alice, qi, "pending")
    # Pending: on the owner's account section, not yet among "Author of".
    html = logged_in(alice).get(f"/users/{alice.pk}").content.decode()
    assert "Penghui Qi on" in html and f'href="/authors/{qi.pk}"' not in html

    admin = AuthorClaimAdmin(AuthorClaim, site)
    admin.actions[0](admin, _admin_request(charlie), AuthorClaim.objects.all())
    qi.refresh_from_db()
    claim.refresh_from_db()
    assert qi.user == alice
    assert (claim.status, claim.decided_by) == ("approved", charlie)
    assert AuditEntry.objects.get().action == "approve claim"
    # The profile shows it, to everyone.
    html = logged_in(charlie).get(f"/users/{alice.pk}").content.decode()
    assert f'<a href="/authors/{qi.pk}">Penghui Qi</a>' in html


def test_a_claimed_author_cannot_be_taken_by_another(alice, bob, charlie, paper):
    qi = Author.objects.get(name="Penghui Qi")
    for user in (alice, bob):
        logged_in(user).post("/papers/2401.10241/claim", {"author": qi.pk})
    admin = AuthorClaimAdmin(AuthorClaim, site)
    admin.actions[0](admin, _admin_request(charlie), AuthorClaim.objects.order_by("pk"))
    qi.refresh_from_db()
    assert qi.user == alice
    assert AuthorClaim.objects.get(user=bob).status == "pending"


def test_only_an_author_of_the_paper_can_be_claimed(alice, paper):
    stranger = Author.objects.create(name="Someone Else")
    assert logged_in(alice).post("/papers/2401.10241/claim",
                                 {"author": stranger.pk}).status_code == 404
    assert not AuthorClaim.objects.exists()


def test_a_member_attaches_a_paper_to_the_organisation(alice, bob, paper):
    lab = Organisation.objects.create(name="Sea AI Lab", slug="sea-ai-lab")
    Membership.objects.create(user=alice, organisation=lab)
    assert logged_in(bob).post("/papers/2401.10241/organisation",
                               {"organisation": lab.pk}).status_code == 404

    html = logged_in(alice).get("/papers/2401.10241").content.decode()
    assert "Attach to Sea AI Lab" in html
    logged_in(alice).post("/papers/2401.10241/organisation", {"organisation": lab.pk})
    paper.refresh_from_db()
    assert paper.organisation == lab
    assert "Zero Bubble Pipeline Parallelism" in \
        logged_in(bob).get("/organisations/sea-ai-lab").content.decode()
    assert "Sea AI Lab" in logged_in(bob).get(f"/users/{alice.pk}").content.decode()

    logged_in(alice).post("/papers/2401.10241/organisation",
                          {"organisation": lab.pk, "detach": "1"})
    paper.refresh_from_db()
    assert paper.organisation is None


def test_a_member_cannot_take_another_organisations_paper(alice, paper):
    lab = Organisation.objects.create(name="Lab", slug="lab")
    other = Organisation.objects.create(name="Other", slug="other")
    Paper.objects.filter(pk=paper.pk).update(organisation=other)
    Membership.objects.create(user=alice, organisation=lab)
    logged_in(alice).post("/papers/2401.10241/organisation", {"organisation": lab.pk})
    paper.refresh_from_db()
    assert paper.organisation == other
