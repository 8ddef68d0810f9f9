"""A reader's library: collections of papers.

"Saved" means: in any collection the reader owns. The one-click Save on a card or a
paper page puts the paper in the reader's default private collection, "Saved" (slug
`saved`), made on the first save.

Who sees what: a private collection is its owner's alone; a public one anyone may read
(its page and its exports); a shared one its owner and its named members may read, and
members may add papers to it (a reading group collects together). Only the owner
renames, deletes, changes the visibility, manages the members and removes papers. To
anyone else a collection does not exist: every route answers 404, never 403.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.text import slugify

from paperwire.papers.models import Paper

SAVED_SLUG = "saved"
SAVED_NAME = "Saved"
MAX_NAME = 100
MAX_COLLECTIONS = 50  # per owner
MAX_ITEMS = 2_000  # per collection
MAX_MEMBERS = 50  # per shared collection


class LibraryError(Exception):
    """A request the library refuses (a bound reached, a bad name); the message says why
    in words a reader understands."""


class CollectionQuerySet(models.QuerySet):
    def saved_paper_ids(self, user) -> set[int]:
        """The pks of the papers in any collection the user owns (none when anonymous)."""
        if user is None or not user.is_authenticated:
            return set()
        return set(CollectionItem.objects.filter(collection__owner=user)
                   .values_list("paper_id", flat=True))

    def default_paper_ids(self, user) -> set[int]:
        """The pks of the papers in the user's "Saved" collection: what the one-click
        Save button shows as pressed."""
        if user is None or not user.is_authenticated:
            return set()
        return set(CollectionItem.objects.filter(collection__owner=user,
                                                 collection__slug=SAVED_SLUG)
                   .values_list("paper_id", flat=True))

    def owned_by(self, user) -> CollectionQuerySet:
        return self.filter(owner=user)

    def readable_by(self, user) -> CollectionQuerySet:
        """Collections this user may read: their own, public ones, shared with them."""
        if user is None or not user.is_authenticated:
            return self.filter(visibility=Collection.PUBLIC)
        return self.filter(
            models.Q(owner=user) | models.Q(visibility=Collection.PUBLIC)
            | models.Q(visibility=Collection.SHARED, members=user)).distinct()

    def addable_by(self, user) -> CollectionQuerySet:
        """Collections this user may add papers to: their own and those shared with them."""
        return self.filter(
            models.Q(owner=user)
            | models.Q(visibility=Collection.SHARED, members=user)).distinct()

    def with_counts(self) -> CollectionQuerySet:
        return self.annotate(paper_count=models.Count("items", distinct=True))

    def create_for(self, user, name: str, visibility: str = "private") -> Collection:
        """A new collection of the user's, with a slug unique among theirs."""
        name = clean_name(name)
        if visibility not in dict(Collection.VISIBILITIES):
            raise LibraryError("The visibility is private, public or shared.")
        with transaction.atomic():
            # Serialise one owner's creations, so two at once cannot pass the bound.
            get_user_model().objects.select_for_update().filter(pk=user.pk).first()
            if self.filter(owner=user).count() >= MAX_COLLECTIONS:
                raise LibraryError(f"You have {MAX_COLLECTIONS} collections, the most "
                                   "one reader may have; delete one first.")
            base = slugify(name)[:50].strip("-") or "collection"
            taken = set(self.filter(owner=user, slug__startswith=base)
                        .values_list("slug", flat=True))
            slug, n = base, 1
            while slug in taken:
                n += 1
                slug = f"{base}-{n}"
            return self.create(owner=user, name=name, slug=slug, visibility=visibility)

    def default_for(self, user) -> Collection:
        """The user's "Saved" collection, made on first use."""
        found = self.filter(owner=user, slug=SAVED_SLUG).first()
        if found is not None:
            return found
        try:
            with transaction.atomic():
                return self.create(owner=user, name=SAVED_NAME, slug=SAVED_SLUG)
        except IntegrityError:  # made meanwhile by another request
            return self.get(owner=user, slug=SAVED_SLUG)


def clean_name(name: str) -> str:
    if not isinstance(name, str):
        raise LibraryError("The name is not text.")
    if "\x00" in name:
        raise LibraryError("The name holds a NUL character.")
    name = " ".join(name.split())
    if not name:
        raise LibraryError("The name is empty.")
    if len(name) > MAX_NAME:
        raise LibraryError(f"The name is longer than {MAX_NAME} characters.")
    return name


class Collection(models.Model):
    PRIVATE, PUBLIC, SHARED = "private", "public", "shared"
    VISIBILITIES = [
        (PRIVATE, "Private: only you"),
        (PUBLIC, "Public: anyone with the link"),
        (SHARED, "Shared: you and the members you name"),
    ]

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                              related_name="collections")
    name = models.CharField(max_length=MAX_NAME)
    # Fixed when the collection is made: renaming keeps its URLs and API paths.
    slug = models.SlugField(max_length=60)
    visibility = models.CharField(max_length=10, choices=VISIBILITIES, default=PRIVATE)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True,
                                     related_name="shared_collections")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CollectionQuerySet.as_manager()

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "slug"], name="collection_slug_per_owner"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("pw-collection", args=[self.pk, self.slug])

    @property
    def is_default(self) -> bool:
        return self.slug == SAVED_SLUG

    def is_member(self, user) -> bool:
        return (self.visibility == self.SHARED and user.is_authenticated
                and self.members.filter(pk=user.pk).exists())

    def can_read(self, user) -> bool:
        if self.visibility == self.PUBLIC:
            return True
        if user is None or not user.is_authenticated:
            return False
        return self.owner_id == user.pk or self.is_member(user)

    def can_add(self, user) -> bool:
        if user is None or not user.is_authenticated:
            return False
        return self.owner_id == user.pk or self.is_member(user)

    def papers(self):
        """The visible papers in the collection, the latest added first."""
        return (Paper.objects.visible().filter(collection_items__collection=self)
                .order_by("-collection_items__added_at", "-collection_items__pk"))

    def add(self, paper: Paper, user=None) -> bool:
        """Put the paper in the collection; False when it was in already."""
        with transaction.atomic():
            if self.items.filter(paper=paper).exists():
                return False
            if self.items.count() >= MAX_ITEMS:
                raise LibraryError(f"“{self.name}” holds {MAX_ITEMS} papers, the most a "
                                   "collection may hold.")
            try:
                with transaction.atomic():  # a savepoint: added meanwhile is fine
                    CollectionItem.objects.create(
                        collection=self, paper=paper, version_when_saved=paper.version,
                        added_by=user if user is not None and user.is_authenticated
                        else None)
            except IntegrityError:
                return False
        _touch(paper)
        return True

    def remove(self, paper: Paper) -> bool:
        removed = self.items.filter(paper=paper).delete()[0] > 0
        if removed:
            _touch(paper)
        return removed

    def add_member(self, user) -> None:
        if user.pk == self.owner_id:
            raise LibraryError("You own this collection already.")
        if self.members.count() >= MAX_MEMBERS:
            raise LibraryError(f"A collection may have {MAX_MEMBERS} members at most.")
        self.members.add(user)


def _touch(paper: Paper) -> None:
    # A reader's pages are revalidated by ETag, which follows the papers' modified_at
    # (front/caching.py): bumping it keeps a page reloaded after a save from showing
    # the old Save button, as a vote does.
    Paper.objects.filter(pk=paper.pk).update(modified_at=timezone.now())


class CollectionItemQuerySet(models.QuerySet):
    def saved_versions(self, user) -> dict[int, int | None]:
        """Paper pk → the version it had when saved, over the user's own collections
        (the highest when it is in several; None when no version was known)."""
        if user is None or not user.is_authenticated:
            return {}
        return highest_versions((paper_id, version) for paper_id, version in
                                self.filter(collection__owner=user)
                                .values_list("paper_id", "version_when_saved"))

    def of_owner(self, user) -> list[tuple[int, int | None, datetime, bool]]:
        """Every item of the user's own collections, newest first, as (paper pk,
        version when saved, added at, whether in "Saved"): one query for what For
        you needs of them (reader/ranking.py)."""
        if user is None or not user.is_authenticated:
            return []
        return [(pk, version, at, slug == SAVED_SLUG) for pk, version, at, slug in
                self.filter(collection__owner=user).order_by("-added_at", "-pk")
                .values_list("paper_id", "version_when_saved", "added_at",
                             "collection__slug")]


def highest_versions(pairs) -> dict[int, int | None]:
    """(paper pk, version or None) pairs → pk → the highest version known (None when
    none is)."""
    versions: dict[int, int | None] = {}
    for paper_id, version in pairs:
        known = versions.get(paper_id)
        if paper_id not in versions or (version is not None
                                        and (known is None or version > known)):
            versions[paper_id] = version
    return versions


class CollectionItem(models.Model):
    collection = models.ForeignKey(Collection, on_delete=models.CASCADE, related_name="items")
    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="collection_items")
    added_at = models.DateTimeField(default=timezone.now)
    version_when_saved = models.PositiveSmallIntegerField(null=True, blank=True)
    # Who put it there: the owner, or a member of a shared collection.
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+")

    objects = CollectionItemQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["collection", "paper"],
                                    name="collection_item_once"),
        ]

    def __str__(self) -> str:
        return f"paper {self.paper_id} in collection {self.collection_id}"


def toggle_save(user, paper: Paper) -> bool:
    """Put the paper in the user's "Saved" collection, or take it out; True when it is
    in "Saved" now. Only "Saved" changes: a paper filed in a reading list stays there
    (and so stays saved in the sense of saved_paper_ids) until removed from it."""
    with transaction.atomic():
        removed = CollectionItem.objects.filter(
            collection__owner=user, collection__slug=SAVED_SLUG, paper=paper).delete()[0]
        if removed:
            _touch(paper)
            return False
        Collection.objects.default_for(user).add(paper, user)
    return True
