"""What each feed kind holds, and the reason each item carries."""

from __future__ import annotations

import pytest

from paperwire.deliveries.feeds import FeedError, clean_feed, feed_items
from paperwire.deliveries.models import Destination, Send
from paperwire.deliveries.outbox import collect_due
from paperwire.deliveries.tests.conftest import DAY, days_before, make_destination, make_paper

pytestmark = pytest.mark.django_db(transaction=True)


def _items(destination):
    items, _ = feed_items(destination)
    return [(item.paper_id, item.reason) for item in items]


def test_trending_lists_the_trending_papers_with_their_rank(alice, frozen):
    low = make_paper("2410.00001", DAY, upvotes=1)
    high = make_paper("2410.00002", DAY, upvotes=50)
    make_paper("2410.00003", DAY, upvotes=0, is_hidden=True)
    destination = make_destination(alice, "http://127.0.0.1:9/", feed="trending")
    assert _items(destination) == [
        (high.pk, "trending now: #1 in Daily Papers, 50 upvotes"),
        (low.pk, "trending now: #2 in Daily Papers, 1 upvotes"),
    ]


def test_daily_starts_from_the_day_it_last_covered(alice, frozen):
    old = make_paper("2410.00001", days_before(DAY, 2))
    destination = make_destination(alice, "http://127.0.0.1:9/")
    new = make_paper("2410.00002", DAY)
    assert [pk for pk, _ in _items(destination)] == [new.pk]
    assert collect_due(force=True).items == 1
    destination.refresh_from_db()
    assert destination.last_covered_day == DAY
    later = make_paper("2410.00003", DAY)  # featured later the same day
    assert collect_due(force=True).items == 1
    assert set(Send.objects.values_list("paper_id", flat=True)) == {new.pk, later.pk}
    assert old.pk not in set(Send.objects.values_list("paper_id", flat=True))


def test_a_topic_lists_matching_papers_of_the_window(alice, frozen):
    match = make_paper("2410.00001", DAY, "Graph neural networks for molecules",
                       abstract="We study graph neural networks on molecules.")
    make_paper("2410.00002", DAY, "Rainfall in Scotland",
               abstract="Weather records of a wet country.")
    destination = make_destination(alice, "http://127.0.0.1:9/",
                                   feed="topic:graph neural networks")
    assert _items(destination) == [(match.pk, "matches your topic “graph neural networks”")]


def test_a_collection_lists_papers_added_since_the_destination_was_made(alice, frozen):
    from paperwire.library.models import Collection

    collection = Collection.objects.create_for(alice, "Reading group")
    before = make_paper("2410.00001", DAY)
    collection.add(before, alice)
    frozen.shift(60)
    destination = make_destination(alice, "http://127.0.0.1:9/",
                                   feed="collection:reading-group")
    frozen.shift(60)
    after = make_paper("2410.00002", DAY)
    collection.add(after, alice)
    assert _items(destination) == [(after.pk, "added to your collection “Reading group”")]
    collection.delete()
    with pytest.raises(FeedError, match="no longer exists"):
        feed_items(destination)


def test_a_feed_that_cannot_be_read_is_reported_and_the_others_still_go(alice, frozen):
    from paperwire.library.models import Collection

    Collection.objects.create_for(alice, "Gone soon")
    broken = make_destination(alice, "http://127.0.0.1:9/", feed="collection:gone-soon")
    Collection.objects.all().delete()
    make_paper("2410.00001", DAY)
    fine = make_destination(alice, "http://127.0.0.1:9/")
    report = collect_due(force=True)
    assert report.items == 1 and report.errors == [(broken.pk, "The collection "
                                                    "'gone-soon' no longer exists.")]
    broken.refresh_from_db()
    assert "no longer exists" in broken.last_error
    assert Send.objects.get().destination == fine


def test_paused_destinations_are_not_read(alice, frozen):
    make_paper("2410.00001", DAY)
    destination = make_destination(alice, "http://127.0.0.1:9/")
    destination.pause("Paused by you.")
    assert collect_due(force=True).items == 0


@pytest.mark.parametrize("text,why", [("", "The feed is"), ("weekly", "The feed is"),
                                      ("collection:../x", "no collection"),
                                      ("topic:" + "y" * 201, "A topic is")])
def test_clean_feed_refuses(alice, text, why):
    with pytest.raises(FeedError, match=why):
        clean_feed(text, alice)


def test_feed_names(alice):
    assert Destination(feed="topic:llm agents").feed_name == "Topic “llm agents”"
    assert Destination(feed="daily").feed_name == "Daily Papers"


def test_for_you_delivers_the_readers_picks_with_their_reasons(alice, frozen):
    from paperwire.reader.models import Follow

    followed = make_paper("2410.00001", DAY, "By Grace", author_names=["Grace Hopper"],
                          categories="cs.PL", primary_category="cs.PL")
    other = make_paper("2410.00002", DAY, "Other", categories="cs.CL",
                       primary_category="cs.CL", upvotes=5)
    Follow.objects.add(alice, "author", "Grace Hopper")
    destination = make_destination(alice, "http://127.0.0.1:9/", feed="for-you")
    items = dict(_items(destination))
    assert items[followed.pk] == "For you: you follow Grace Hopper"
    assert items[other.pk] == "For you: trending in cs.CL"


def test_a_follow_delivers_what_it_brings(alice, bob, frozen):
    from paperwire.reader.models import Follow

    grace = make_paper("2410.00001", DAY, "By Grace", author_names=["Grace Hopper"])
    make_paper("2410.00002", DAY, "Someone else's")
    follow, _ = Follow.objects.add(alice, "author", "Grace Hopper")
    destination = make_destination(alice, "http://127.0.0.1:9/", feed=f"follow:{follow.pk}")
    assert _items(destination) == [(grace.pk, "you follow Grace Hopper")]
    assert destination.feed_name == "Follow: author Grace Hopper"
    assert clean_feed(f"follow:{follow.pk}", alice) == f"follow:{follow.pk}"
    with pytest.raises(FeedError, match="no follow"):
        clean_feed(f"follow:{follow.pk}", bob)
