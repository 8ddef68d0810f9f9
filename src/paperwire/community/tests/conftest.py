"""Personas and objects every community test starts from, built in plain sight.

alice and bob have confirmed accounts; charlie is an admin; mallory is blocked.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from paperwire.community.models import Profile
from paperwire.papers.models import Author, Paper, PaperAuthor

PASSWORD = "correct horse battery staple"


def make_user(email: str, name: str, *, admin: bool = False, active: bool = True,
              verified: bool = True):
    user = get_user_model().objects.create_user(
        username=email, email=email, password=PASSWORD, is_staff=admin, is_superuser=admin,
        is_active=active)
    Profile.objects.create(user=user, display_name=name,
                           email_verified_at=timezone.now() if verified else None)
    return user


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


@pytest.fixture
def alice(db):
    return make_user("alice@example.org", "Alice")


@pytest.fixture
def bob(db):
    return make_user("bob@example.org", "Bob")


@pytest.fixture
def charlie(db):
    return make_user("charlie@example.org", "Charlie", admin=True)


@pytest.fixture
def mallory(db):
    return make_user("mallory@example.org", "Mallory", active=False)


@pytest.fixture
def paper(db) -> Paper:
    paper = Paper.objects.create(
        arxiv_id="2401.10241", title="Zero Bubble Pipeline Parallelism",
        abstract="Pipeline parallelism without bubbles.",
        author_names=["Penghui Qi", "Xinyi Wan"], featured_on=date(2024, 1, 16),
        published_at=datetime(2024, 1, 15, tzinfo=UTC), upvotes=40)
    for position, name in enumerate(paper.author_names):
        PaperAuthor.objects.create(paper=paper, author=Author.objects.create(name=name),
                                   position=position)
    return paper


def logged_in(user, **kwargs) -> Client:
    client = Client(**kwargs)
    client.force_login(user)
    return client


@pytest.fixture(autouse=True)
def _no_similar(monkeypatch):
    """The paper page's similar papers need the embedding model; not these tests."""
    monkeypatch.setattr("paperwire.front.views.papers.similar_papers", lambda paper, n: [])
