"""The MCP tests' world: the real embedded subset of papers (search/testing.py),
committed so a `paperwire mcp` or `paperwire serve` subprocess reads it; all featured
on two days; alice and bob with API tokens, each with a collection, alice following a
topic. Objects are built in plain sight."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta

import pytest

from paperwire.community.models import ApiToken
from paperwire.community.tests.conftest import make_user
from paperwire.library.models import Collection
from paperwire.papers.models import Paper
from paperwire.reader.models import TOPIC, Follow
from paperwire.search.testing import (  # noqa: F401  (fixtures)
    _fresh_vector_index,
    committed_papers,
    embedded_subset,
)

DAY = date(2024, 10, 24)  # the newest featured day
EARLIER = DAY - timedelta(days=2)


@dataclass
class World:
    day_papers: list[str]  # arXiv ids featured on DAY, most upvoted first
    alice_token: str
    bob_token: str
    alice_paper: str  # in alice's "reading" collection
    bob_paper: str  # in bob's private "secret" collection
    alice: object
    bob: object


@pytest.fixture
def world(committed_papers) -> World:  # noqa: F811
    ordered = sorted(committed_papers)
    half = len(ordered) // 2
    Paper.objects.filter(arxiv_id__in=ordered[:half]).update(featured_on=DAY)
    Paper.objects.filter(arxiv_id__in=ordered[half:]).update(featured_on=EARLIER)
    day_papers = list(Paper.objects.featured_between(DAY, DAY).sorted_by("upvotes")
                      .values_list("arxiv_id", flat=True))
    alice = make_user("alice@example.org", "Alice")
    bob = make_user("bob@example.org", "Bob")
    reading = Collection.objects.create_for(alice, "Reading")
    reading.add(committed_papers[ordered[0]], alice)
    secret = Collection.objects.create_for(bob, "Secret")
    secret.add(committed_papers[ordered[-1]], bob)
    Follow.objects.create(user=alice, kind=TOPIC, value="speculative decoding")
    return World(day_papers=day_papers, alice_token=ApiToken.objects.issue(alice, "agent"),
                 bob_token=ApiToken.objects.issue(bob, "agent"), alice_paper=ordered[0],
                 bob_paper=ordered[-1], alice=alice, bob=bob)


def data(result) -> dict:
    """A tool's answer: its structured content, else the JSON of its text."""
    assert not result.is_error, result.content
    if result.structured_content is not None:
        return result.structured_content
    return json.loads(result.content[0].text)


def text(result) -> str:
    return result.content[0].text
