import pytest

from paperwire.library import models
from paperwire.library.models import (
    Collection,
    CollectionItem,
    LibraryError,
    toggle_save,
)
from paperwire.papers.models import Paper

pytestmark = pytest.mark.django_db


def test_it_saves_to_a_default_private_collection(alice, paper):
    assert toggle_save(alice, paper) is True
    saved = Collection.objects.get(owner=alice)
    assert (saved.name, saved.slug, saved.visibility) == ("Saved", "saved", "private")
    assert Collection.objects.saved_paper_ids(alice) == {paper.pk}
    assert CollectionItem.objects.get().version_when_saved == 2


def test_it_unsaves_on_the_second_toggle(alice, paper):
    toggle_save(alice, paper)
    assert toggle_save(alice, paper) is False
    assert Collection.objects.saved_paper_ids(alice) == set()
    assert Collection.objects.filter(owner=alice, slug="saved").exists()


def test_toggle_leaves_a_reading_list_alone(alice, paper):
    group = Collection.objects.create_for(alice, "Group", "shared")
    group.add(paper, alice)
    assert toggle_save(alice, paper) is True
    assert toggle_save(alice, paper) is False
    assert group.items.filter(paper=paper).exists()
    assert Collection.objects.saved_paper_ids(alice) == {paper.pk}
    assert Collection.objects.default_paper_ids(alice) == set()


def test_saved_is_only_what_the_reader_owns(alice, bob, paper):
    group = Collection.objects.create_for(alice, "Group", "shared")
    group.members.add(bob)
    group.add(paper, bob)
    assert Collection.objects.saved_paper_ids(alice) == {paper.pk}
    assert Collection.objects.saved_paper_ids(bob) == set()
    assert CollectionItem.objects.saved_versions(bob) == {}


def test_it_answers_the_highest_version_saved(alice, paper, other_paper):
    toggle_save(alice, paper)  # version 2
    Paper.objects.filter(pk=paper.pk).update(version=3)
    paper.refresh_from_db()
    Collection.objects.create_for(alice, "Later").add(paper)
    Paper.objects.filter(pk=other_paper.pk).update(version=None)
    other_paper.refresh_from_db()
    toggle_save(alice, other_paper)
    assert CollectionItem.objects.saved_versions(alice) == {paper.pk: 3, other_paper.pk: None}


def test_it_answers_nothing_for_an_anonymous_reader(paper):
    from django.contrib.auth.models import AnonymousUser

    assert Collection.objects.saved_paper_ids(AnonymousUser()) == set()
    assert CollectionItem.objects.saved_versions(AnonymousUser()) == {}


def test_it_makes_slugs_unique_per_owner(alice, bob):
    first = Collection.objects.create_for(alice, "Reading group")
    second = Collection.objects.create_for(alice, "Reading  group!")
    third = Collection.objects.create_for(bob, "Reading group")
    assert (first.slug, second.slug, third.slug) == (
        "reading-group", "reading-group-2", "reading-group")
    assert Collection.objects.create_for(alice, "Ωμέγα ★").slug == "collection"


@pytest.mark.parametrize("name", ["", "   ", "a\x00b", "x" * 101, 5])
def test_it_refuses_a_bad_name(alice, name):
    with pytest.raises(LibraryError):
        Collection.objects.create_for(alice, name)


def test_it_refuses_a_bad_visibility(alice):
    with pytest.raises(LibraryError):
        Collection.objects.create_for(alice, "x", "everyone")


def test_it_bounds_collections_per_reader(alice, monkeypatch):
    monkeypatch.setattr(models, "MAX_COLLECTIONS", 2)
    Collection.objects.create_for(alice, "One")
    Collection.objects.create_for(alice, "Two")
    with pytest.raises(LibraryError, match="2 collections"):
        Collection.objects.create_for(alice, "Three")


def test_it_bounds_papers_per_collection(alice, paper, other_paper, monkeypatch):
    monkeypatch.setattr(models, "MAX_ITEMS", 1)
    reading = Collection.objects.create_for(alice, "One")
    assert reading.add(paper) is True
    assert reading.add(paper) is False  # in already: no error
    with pytest.raises(LibraryError, match="1 papers"):
        reading.add(other_paper)


def test_saving_bumps_the_data_version(alice, paper):
    # Pages revalidate by ETag built on the data version: a save must change it.
    before = Paper.objects.data_version()
    toggle_save(alice, paper)
    assert Paper.objects.data_version() != before
