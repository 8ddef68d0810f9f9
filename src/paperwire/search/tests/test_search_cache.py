from unittest.mock import patch

import pytest
from django.test import override_settings

from paperwire.search import query
from paperwire.search.query import search


@pytest.fixture(autouse=True)
def _empty_caches():
    query._ranked_cache.clear()
    query._vectors.clear()
    yield
    query._ranked_cache.clear()
    query._vectors.clear()


def _counting(name: str):
    return patch.object(query, name, side_effect=getattr(query, name))


@override_settings(SEARCH_CACHE_SECONDS=60)
def test_it_ranks_a_repeated_search_once(papers):
    with _counting("retrieve") as retrieve:
        first = search("speculative decoding")
        again = search("speculative decoding")
        assert retrieve.call_count == 1
        assert [h.paper.pk for h in again.hits] == [h.paper.pk for h in first.hits]
        assert again.total == first.total
        search("speculative decoding", sort="date")  # another ordering: ranked again
        assert retrieve.call_count == 2


@override_settings(SEARCH_CACHE_SECONDS=60)
def test_it_ranks_again_once_a_paper_changes(papers):
    first = search("speculative decoding")
    hidden = first.hits[0].paper
    hidden.is_hidden = True
    hidden.save()
    again = search("speculative decoding")
    assert hidden.pk not in [h.paper.pk for h in again.hits]
    assert again.total == first.total - 1


@override_settings(SEARCH_CACHE_SECONDS=60)
def test_it_embeds_a_query_once_for_its_other_pages_and_filters(papers):
    with _counting("embed_query_soon") as embed:
        search("speculative decoding")
        search("speculative decoding", page=2, per_page=5)
        search("speculative decoding", sort="upvotes")
        assert embed.call_count == 1


def test_it_keeps_nothing_when_turned_off(papers):
    with _counting("retrieve") as retrieve, _counting("embed_query_soon") as embed:
        search("speculative decoding")
        search("speculative decoding")
        assert (retrieve.call_count, embed.call_count) == (2, 2)
    assert not query._ranked_cache and not query._vectors
