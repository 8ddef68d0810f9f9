"""For you over the real subset: cold start, follows, upvotes, "not interested",
reset, the window of days, never twice and "updated to vN"; the background and the
words the model reads."""

from __future__ import annotations

from datetime import timedelta

from paperwire.community.models import Vote
from paperwire.digests.models import Delivery, Subscriber
from paperwire.papers.models import Paper
from paperwire.reader.models import Follow, NotInterested, ReaderState, Seed
from paperwire.reader.ranking import Lexicon, background, for_you
from paperwire.reader.tests.conftest import DAY, speculative
from paperwire.search.models import PaperEmbedding


def _ids(picks) -> list[str]:
    return [p.paper.arxiv_id for p in picks]


def test_it_starts_from_trending_for_a_new_reader(alice, featured):
    top = max(featured.values(), key=lambda p: (p.featured_on, p.upvotes))
    Paper.objects.filter(pk=top.pk).update(primary_category="cs.CL", upvotes=10_000)
    picks = for_you(alice, days=7, limit=10)
    assert len(picks) == 10
    assert picks[0].paper.pk == top.pk
    assert picks[0].reasons == ["trending in cs.CL"]
    assert all(p.reasons[0].startswith("trending") for p in picks)


def test_it_counts_days_from_the_newest_featured_day(alice, featured):
    picks = for_you(alice, days=1, limit=100)
    assert picks and {p.paper.featured_on for p in picks} == {DAY}
    assert len(for_you(alice, days=3, limit=100, record=False)) == len(featured)


def test_it_always_lists_a_followed_authors_paper_first(alice, featured):
    quiet = min(featured.values(), key=lambda p: p.upvotes)
    name = quiet.author_names[0]
    Follow.objects.add(alice, "author", name)
    theirs = {p.pk for p in featured.values() if name in p.author_names}
    picks = for_you(alice, days=7, limit=10)
    assert {p.paper.pk for p in picks[:len(theirs)]} == theirs
    assert all(p.reasons == [f"you follow {name}"] for p in picks[:len(theirs)])
    assert quiet.pk in theirs


def test_it_lists_papers_of_a_followed_organisation_and_category(alice, featured):
    from paperwire.papers.models import Organisation

    org = Organisation.objects.create(name="Acme Research", slug="acme-research")
    first, second = sorted(featured.values(), key=lambda p: p.upvotes)[:2]
    Paper.objects.filter(pk=first.pk).update(organisation=org)
    Paper.objects.filter(pk=second.pk).update(categories="cs.CL cs.LG")
    Follow.objects.add(alice, "organisation", "acme-research")  # by slug
    Follow.objects.add(alice, "category", "cs.LG")
    picks = {p.paper.pk: p.reasons for p in for_you(alice, days=7, limit=2)}
    assert picks == {first.pk: ["you follow Acme Research"], second.pk: ["you follow cs.LG"]}


def test_it_lists_the_papers_matching_a_followed_topic(alice, featured):
    Follow.objects.add(alice, "topic", "speculative decoding")
    wanted = {p.pk for p in speculative(featured)}
    picks = for_you(alice, days=7, limit=len(wanted))
    matched = {p.paper.pk for p in picks
               if "matches your topic “speculative decoding”" in p.reasons}
    assert len(matched) >= len(wanted) - 1
    assert matched <= wanted


def test_it_ranks_papers_like_an_upvoted_one_first_and_says_so(alice, featured):
    liked, *others = speculative(featured)
    Vote.objects.set_vote(alice, liked, True)
    picks = for_you(alice, days=7, limit=5)
    assert liked.pk not in {p.paper.pk for p in picks}  # marked: not new any more
    assert {p.paper.pk for p in picks[:3]} <= {p.pk for p in others}
    assert picks[0].reasons[0].startswith("like “")
    assert picks[0].reasons[0].endswith("”, which you upvoted")


def test_it_starts_from_seed_papers(alice, featured):
    seed, *others = speculative(featured)
    Seed.add(alice, [seed])
    picks = for_you(alice, days=7, limit=3)
    assert {p.paper.pk for p in picks} <= {p.pk for p in others}
    assert picks[0].reasons[0].endswith("which you picked")


def test_it_never_lists_a_paper_marked_not_interested_even_if_followed(alice, featured):
    paper = max(featured.values(), key=lambda p: p.upvotes)
    Follow.objects.add(alice, "author", paper.author_names[0])
    NotInterested.objects.set(alice, paper, True)
    assert paper.pk not in {p.paper.pk for p in for_you(alice, limit=100)}


def test_it_sinks_the_neighbours_of_a_paper_marked_not_interested(alice, bob, featured):
    liked, rejected, *neighbours = speculative(featured)
    for reader in (alice, bob):
        Vote.objects.set_vote(reader, liked, True)
    NotInterested.objects.set(bob, rejected, True)
    before = _ids(for_you(alice, limit=100, record=False))
    after = _ids(for_you(bob, limit=100, record=False))
    assert rejected.arxiv_id not in after
    moved = [after.index(p.arxiv_id) - before.index(p.arxiv_id) for p in neighbours]
    assert sum(m > 0 for m in moved) >= len(moved) - 1, moved


def test_a_reset_forgets_what_was_learned(alice, featured, frozen):
    liked, *_ = speculative(featured)
    Vote.objects.set_vote(alice, liked, True)
    Seed.add(alice, [liked])
    frozen.shift(60)
    ReaderState.reset(alice)
    assert not Seed.objects.filter(user=alice).exists()
    picks = for_you(alice, limit=20, record=False)
    assert all(not r.startswith("like") for p in picks for r in p.reasons)
    assert Vote.objects.filter(user=alice, paper=liked).exists()  # the vote itself stays


def test_it_does_not_list_a_paper_shown_before_the_newest_day(alice, featured):
    shown = _ids(for_you(alice, days=7, limit=5))
    assert _ids(for_you(alice, days=7, limit=5)) == shown  # the same day: the same list
    later = DAY + timedelta(days=1)
    Paper.objects.create(arxiv_id="2410.99999", title="A newer paper", featured_on=later)
    again = _ids(for_you(alice, days=7, limit=100))
    assert not set(shown) & set(again)


def test_it_does_not_list_a_paper_sent_in_a_digest(alice, featured):
    sent = max(featured.values(), key=lambda p: p.upvotes)
    subscriber = Subscriber.objects.create(email=alice.email, user=alice)
    Delivery.objects.create(subscriber=subscriber, period="daily:2024-10-25", first_day=DAY,
                            last_day=DAY, content={"trending": [sent.pk]},
                            status=Delivery.SENT, message_id="<x@example.org>")
    assert sent.pk not in {p.paper.pk for p in for_you(alice, limit=100)}


def test_it_shows_a_new_version_of_an_upvoted_paper_once(alice, featured):
    paper = min(featured.values(), key=lambda p: p.upvotes)
    Paper.objects.filter(pk=paper.pk).update(version=2)
    Vote.objects.set_vote(alice, paper, True)
    assert paper.pk not in {p.paper.pk for p in for_you(alice, limit=100)}
    Paper.objects.filter(pk=paper.pk).update(version=3)
    picks = for_you(alice, limit=5)
    assert picks[0].paper.pk == paper.pk and picks[0].reasons == ["updated to v3"]
    assert for_you(alice, limit=5)[0].paper.pk == paper.pk  # still, the same day
    Paper.objects.create(arxiv_id="2410.99999", title="A newer paper",
                         featured_on=DAY + timedelta(days=1))
    assert paper.pk not in {p.paper.pk for p in for_you(alice, limit=100)}


def test_one_readers_signals_never_reach_another(alice, bob, featured):
    quiet = min(featured.values(), key=lambda p: p.upvotes)
    Follow.objects.add(alice, "author", quiet.author_names[0])
    NotInterested.objects.set(alice, max(featured.values(), key=lambda p: p.upvotes), True)
    bobs = for_you(bob, limit=100)
    assert all(r.startswith("trending") for p in bobs for r in p.reasons)
    assert len(bobs) == len(featured)


def test_the_words_of_liked_papers_find_the_papers_that_share_them():
    lexicon = Lexicon.of({1: "Gaussian splatting for scenes", 2: "Gaussian splatting of heads",
                          3: "Speech recognition for calls", 4: "Speech synthesis of calls"})
    liked, other, unrelated, unknown = lexicon.similarity([1], [2, 3, 4, 99])
    assert liked > other > 0  # "gaussian splatting" against a lone "for"
    assert unrelated == unknown == 0
    assert not lexicon.similarity([99], [1, 2]).any()  # no positive has words here


def test_the_background_is_kept_until_its_papers_change(featured):
    kept = background(DAY)
    assert kept is not None and background(DAY) is kept
    Paper.objects.create(arxiv_id="2410.99999", title="A newer paper", featured_on=DAY)
    assert background(DAY) is not kept


def test_it_ranks_without_a_background_when_too_few_papers_are_embedded(alice, featured):
    liked, *others = speculative(featured)
    Vote.objects.set_vote(alice, liked, True)
    PaperEmbedding.objects.exclude(paper__in=[liked, *others]).delete()
    assert background(DAY) is None
    picks = for_you(alice, days=7, limit=3)
    assert {p.paper.pk for p in picks} <= {p.pk for p in others}
    assert picks[0].reasons[0].endswith("”, which you upvoted")
