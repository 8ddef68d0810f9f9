"""Saved-search alerts and personal picks, on real papers and their real embeddings:
what they hold, what they leave out, and that nothing comes twice."""

from datetime import timedelta

import pytest

from paperwire.community.models import Vote
from paperwire.digests.build import build_digests
from paperwire.digests.emails import preview
from paperwire.digests.models import Delivery, SavedSearch
from paperwire.digests.tests.conftest import DAY, NOW, make_subscriber
from paperwire.papers.models import Paper

pytestmark = pytest.mark.django_db

WEDNESDAY = ["2401.10774", "2401.13660", "2401.15077"]  # Medusa, MambaByte, EAGLE
THURSDAY = ["2402.08644", "2402.11131", "2402.13720", "2403.09919"]  # Tandem, Streaming,
# Ouroboros, Recurrent Drafter: every paper of the subset about speculative decoding.
SPECULATIVE = set(WEDNESDAY + THURSDAY)


@pytest.fixture
def days(papers, frozen):
    """The subset featured on Wednesday and Thursday; the others are popular."""
    others = sorted(set(papers) - SPECULATIVE)
    for n, arxiv_id in enumerate(others):
        Paper.objects.filter(pk=papers[arxiv_id].pk).update(
            featured_on=DAY - timedelta(days=n % 2), upvotes=100 + n)
    Paper.objects.filter(arxiv_id__in=WEDNESDAY).update(featured_on=DAY - timedelta(days=1),
                                                        upvotes=1)
    Paper.objects.filter(arxiv_id__in=THURSDAY).update(featured_on=DAY, upvotes=1)
    frozen.shift(-86_400)  # Thursday morning: the latest featured day is Wednesday
    return papers


def _ids(arxiv_ids) -> set[int]:
    return set(Paper.objects.filter(arxiv_id__in=arxiv_ids).values_list("pk", flat=True))


def _run(frozen=None) -> Delivery:
    if frozen is not None:
        frozen.shift(86_400)
    build_digests("daily")
    return Delivery.objects.order_by("-pk").first()


def test_an_alert_lists_the_new_matches_and_no_weak_ones(days, frozen):
    bob = make_subscriber("bob@example.org", trending_count=0,
                          last_covered_day=DAY - timedelta(days=2))
    search = SavedSearch.objects.create(subscriber=bob, query="speculative decoding",
                                        confirmed_at=NOW)

    first = _run()
    [alert] = first.content["alerts"]
    assert alert["search"] == search.pk and alert["query"] == "“speculative decoding”"
    assert set(alert["papers"]) == _ids(WEDNESDAY)

    second = _run(frozen)
    [alert] = second.content["alerts"]
    assert set(alert["papers"]) == _ids(THURSDAY)  # nothing of Wednesday again
    assert first.period != second.period


def test_an_alert_applies_its_filters(days):
    Paper.objects.filter(arxiv_id="2401.15077").update(code_url="https://github.com/a/b")
    bob = make_subscriber("bob@example.org", trending_count=0)
    SavedSearch.objects.create(subscriber=bob, query="speculative decoding",
                               filters={"has_code": "yes"}, confirmed_at=NOW)

    [alert] = _run().content["alerts"]
    assert alert["papers"] == [days["2401.15077"].pk]
    assert alert["query"] == "“speculative decoding” with code"


def test_an_alert_that_matches_nothing_leaves_no_digest(days):
    bob = make_subscriber("bob@example.org", trending_count=0)
    SavedSearch.objects.create(subscriber=bob, query="protein folding in yeast",
                               confirmed_at=NOW)
    SavedSearch.objects.create(subscriber=bob, query="speculative decoding")  # unconfirmed

    report = build_digests("daily")
    assert (report.digests, report.empty) == (0, 1)


def test_picks_are_near_the_upvotes_and_never_upvoted_sent_or_listed(days, frozen, alice):
    for arxiv_id in ("2401.10774", "2401.15077", "2402.08644"):  # Medusa, EAGLE, Tandem
        Vote.objects.set_vote(alice, days[arxiv_id], True)
    make_subscriber("alice@example.org", user=alice, trending_count=2, alerts=False,
                    last_covered_day=DAY - timedelta(days=2))
    voted = _ids(["2401.10774", "2401.15077", "2402.08644"])

    first = _run()
    second = _run(frozen)
    sent: set[int] = set()
    for digest in (first, second):
        picks = [pick for pick, _ in digest.content["picks"]]
        assert not set(picks) & voted
        assert not set(picks) & set(digest.content["trending"])
        assert not set(picks) & sent
        assert {because for _, because in digest.content["picks"]} <= voted
        sent |= set(digest.paper_ids)
    # Thursday's speculative-decoding papers she has not upvoted come first.
    thursday_picks = [pick for pick, _ in second.content["picks"]]
    assert _ids(["2402.11131", "2402.13720", "2403.09919"]) <= set(thursday_picks)
    assert days["2402.08644"].pk not in thursday_picks  # upvoted


def test_the_preview_is_the_next_digest_and_writes_nothing(days, alice, frozen):
    Vote.objects.set_vote(alice, days["2401.10774"], True)
    reader = make_subscriber("alice@example.org", user=alice, trending_count=1)
    SavedSearch.objects.create(subscriber=reader, query="speculative decoding",
                               confirmed_at=NOW)
    frozen.shift(86_400)

    subject, text, html = preview(reader)
    assert subject.startswith("paperwire digest for 24 October 2024")
    for section in ("Trending", "New for your alert “speculative decoding”", "Picked for you"):
        assert section in text and section in html
    assert "Recurrent Drafter for Fast Speculative Decoding" in text
    assert "which you upvoted" in text and "which you upvoted" in html
    assert not Delivery.objects.exists()
