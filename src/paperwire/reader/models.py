"""A reader's own feed: what they follow, what they marked "not interested", the seed
papers they picked, what they have been shown, and when they last reset what was learned.

Upvotes live in the community app and saves in the library app; For you reads them
there (see ranking.py) rather than keeping copies.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from paperwire.papers.models import Organisation, Paper

AUTHOR, ORGANISATION, CATEGORY, TOPIC = "author", "organisation", "category", "topic"
FOLLOW_KINDS = [(AUTHOR, "Author"), (ORGANISATION, "Organisation"), (CATEGORY, "Category"),
                (TOPIC, "Topic")]
MAX_FOLLOWS = 200  # per reader
MAX_FOLLOW_VALUE = 300  # an author's name is at most this long (papers.Author.name)
MAX_TOPIC = 200
MAX_NOT_INTERESTED = 5_000  # per reader; the oldest go first past this
MAX_SEEDS = 200
CATEGORY_PATTERN = re.compile(r"^[A-Za-z][A-Za-z\-]*(\.[A-Za-z\-]+)?$")


def clean_follow(kind: str, value: str) -> str:
    """The stored form of a follow's value, or ValidationError saying what is wrong.

    An organisation is stored by its name, whether given by name or by slug; a
    category as arXiv writes it; an author's name and a topic with their spaces folded.
    """
    if kind not in dict(FOLLOW_KINDS):
        raise ValidationError(f"kind must be one of {', '.join(k for k, _ in FOLLOW_KINDS)}")
    if not isinstance(value, str) or "\x00" in value:
        raise ValidationError("the value holds a NUL character")
    value = " ".join(value.split())
    if not value:
        raise ValidationError("the value is empty")
    limit = MAX_TOPIC if kind == TOPIC else MAX_FOLLOW_VALUE
    if len(value) > limit:
        raise ValidationError(f"the value is longer than {limit} characters")
    if kind == CATEGORY and not CATEGORY_PATTERN.match(value):
        raise ValidationError("not an arXiv category (like cs.CL)")
    if kind == ORGANISATION:
        found = (Organisation.objects.filter(name=value).first()
                 or Organisation.objects.filter(slug=value).first())
        if found is None:
            raise ValidationError("no such organisation")
        value = found.name
    return value


class FollowQuerySet(models.QuerySet):
    def add(self, user, kind: str, value: str) -> tuple[Follow, bool]:
        """Follow (kind, value); (the follow, whether it is new). ValidationError when
        the value is bad or the reader follows MAX_FOLLOWS things already."""
        value = clean_follow(kind, value)
        existing = self.filter(user=user, kind=kind, value=value).first()
        if existing is not None:
            return existing, False
        if self.filter(user=user).count() >= MAX_FOLLOWS:
            raise ValidationError(f"you follow {MAX_FOLLOWS} things already; "
                                  "unfollow some first")
        vector = topic_vector(value) if kind == TOPIC else None
        try:
            with transaction.atomic():
                return self.create(user=user, kind=kind, value=value, vector=vector), True
        except IntegrityError:  # followed by a request running beside this one
            return self.get(user=user, kind=kind, value=value), False

    def of(self, user) -> FollowQuerySet:
        return self.filter(user=user).order_by("kind", "value")


def topic_vector(text: str) -> bytes | None:
    """The topic's sentence vector, kept so For you never runs the model per request;
    None when the model is not at hand (the topic then matches by its words alone)."""
    try:
        from paperwire.search.embeddings import embed_query

        return embed_query(text).astype("float32").tobytes()
    except Exception:
        return None


class Follow(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="follows")
    kind = models.CharField(max_length=20, choices=FOLLOW_KINDS)
    value = models.CharField(max_length=MAX_FOLLOW_VALUE)
    # A topic's sentence vector (float32), made once when it is followed.
    vector = models.BinaryField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = FollowQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "kind", "value"],
                                               name="reader_follow_once")]

    def __str__(self) -> str:
        return f"{self.kind} {self.value}"

    @property
    def reason(self) -> str:
        """What a paper this follow brings says about why it is there."""
        if self.kind == TOPIC:
            return f"matches your topic “{self.value}”"
        if self.kind == CATEGORY:
            return f"you follow {self.value}"
        return f"you follow {self.value}"

    def as_dict(self) -> dict:
        return {"id": self.pk, "kind": self.kind, "value": self.value,
                "createdAt": self.created_at.isoformat()}


class NotInterestedQuerySet(models.QuerySet):
    def paper_ids(self, user) -> set[int]:
        return set(self.filter(user=user).values_list("paper_id", flat=True))

    def set(self, user, paper: Paper, on: bool) -> bool:
        """Mark the paper "not interested" or take the mark back; the new state."""
        if not on:
            self.filter(user=user, paper=paper).delete()
            return False
        try:
            with transaction.atomic():
                self.create(user=user, paper=paper)
        except IntegrityError:
            return True
        # Bounded: the oldest marks beyond MAX_NOT_INTERESTED are forgotten.
        stale = self.filter(user=user).order_by("-created_at", "-pk")[MAX_NOT_INTERESTED:]
        stale_ids = list(stale.values_list("pk", flat=True)[:100])
        if stale_ids:
            self.filter(pk__in=stale_ids).delete()
        return True

    def toggle(self, user, paper: Paper) -> bool:
        marked = self.filter(user=user, paper=paper).exists()
        return self.set(user, paper, not marked)


class NotInterested(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="not_interested")
    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    objects = NotInterestedQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "paper"],
                                               name="reader_not_interested_once")]
        indexes = [models.Index(fields=["user", "-created_at"], name="reader_ni_recent")]

    def __str__(self) -> str:
        return f"user {self.user_id} not interested in paper {self.paper_id}"


class Seed(models.Model):
    """A paper the reader picked (or pasted, or imported) to start For you from."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="seeds")
    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "paper"],
                                               name="reader_seed_once")]

    def __str__(self) -> str:
        return f"seed {self.paper_id} of user {self.user_id}"

    @classmethod
    def add(cls, user, papers: list[Paper]) -> int:
        """Add these seeds (up to MAX_SEEDS in all); how many were new."""
        have = set(cls.objects.filter(user=user).values_list("paper_id", flat=True))
        room = max(0, MAX_SEEDS - len(have))
        new = [cls(user=user, paper=p) for p in papers if p.pk not in have][:room]
        cls.objects.bulk_create(new, ignore_conflicts=True)
        return len(new)


class Seen(models.Model):
    """What For you has shown the reader, and at which version.

    A paper first shown when `shown_through` was the newest featured day is listed
    again while that day is the newest, and not once a newer day is featured: never
    twice as new. For an upvoted or saved paper `version` is the one the reader
    knew; a newer version on arXiv is shown once, as "updated to vN".
    """

    SHOWN, KNOWN, UPDATED = "shown", "known", "updated"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="+")
    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="+")
    version = models.PositiveSmallIntegerField(null=True, blank=True)
    how = models.CharField(max_length=10, default=SHOWN)
    shown_through = models.DateField(null=True, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "paper"],
                                               name="reader_seen_once")]

    def __str__(self) -> str:
        return f"paper {self.paper_id} {self.how} to user {self.user_id}"


class ReaderState(models.Model):
    """When the reader last reset For you: signals from before it no longer teach the
    model (the upvotes and saves themselves stay where they are)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                primary_key=True, related_name="reader_state")
    reset_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"reader state of user {self.user_id}"

    @classmethod
    def reset(cls, user) -> None:
        """Forget what was learned: the signals up to now stop teaching the model and
        the seeds go. Papers marked "not interested" stay hidden (a mark is taken back
        on the paper itself), and what was shown or sent is still not shown again."""
        with transaction.atomic():
            cls.objects.update_or_create(user=user, defaults={"reset_at": timezone.now()})
            Seed.objects.filter(user=user).delete()

    @classmethod
    def reset_at_for(cls, user):
        return cls.objects.filter(user=user).values_list("reset_at", flat=True).first()
