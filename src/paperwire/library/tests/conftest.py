"""Personas and papers every library test starts from, built in plain sight.

alice owns collections; bob is a member of her reading group; charlie is an outsider.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from django.core.cache import cache
from django.test import Client

from paperwire.community.tests.conftest import make_user
from paperwire.papers.models import Paper


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


@pytest.fixture(autouse=True)
def _no_similar(monkeypatch):
    """The paper page's similar papers need the embedding model; not these tests."""
    monkeypatch.setattr("paperwire.front.views.papers.similar_papers", lambda paper, n: [])


@pytest.fixture
def alice(db):
    return make_user("alice@example.org", "Alice")


@pytest.fixture
def bob(db):
    return make_user("bob@example.org", "Bob")


@pytest.fixture
def charlie(db):
    return make_user("charlie@example.org", "Charlie")


@pytest.fixture
def paper(db) -> Paper:
    return Paper.objects.create(
        arxiv_id="2401.10241", version=2, title="Zero Bubble Pipeline Parallelism",
        abstract="Pipeline parallelism without bubbles.", primary_category="cs.DC",
        categories="cs.DC cs.LG", author_names=["Penghui Qi", "Xinyi Wan"],
        featured_on=date(2024, 1, 16), published_at=datetime(2024, 1, 15, tzinfo=UTC),
        upvotes=40)


@pytest.fixture
def other_paper(db) -> Paper:
    return Paper.objects.create(
        arxiv_id="2401.04088", version=1, title="Mixtral of Experts & 50% {more} $cost$",
        abstract="A sparse mixture of experts.", primary_category="cs.LG",
        categories="cs.LG", author_names=["Albert Q. Jiang", "Alexandre Sablayrolles"],
        featured_on=date(2024, 1, 9), published_at=datetime(2024, 1, 8, tzinfo=UTC),
        upvotes=12)


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client
