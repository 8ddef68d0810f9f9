"""Readers' accounts and what they do: votes, comments, submissions, authorship claims,
organisation memberships, API tokens, rate-limit buckets and the moderation log."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.db.models import F
from django.utils import timezone

from paperwire.lib.markup import render_markdown
from paperwire.papers.models import Author, Organisation, Paper

MAX_COMMENT = 10_000
TOKEN_PREFIX = "pw_"


class Profile(models.Model):
    """What an account adds to Django's user: a public name and whether its email is
    confirmed. Users made by an admin or the CLI have no profile and count as confirmed."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="profile")
    display_name = models.CharField(max_length=50)
    email_verified_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.display_name


def display_name(user) -> str:
    """The name shown beside a user's comments: never their email address."""
    profile = getattr(user, "profile", None)
    if profile is not None and profile.display_name:
        return profile.display_name
    return f"user {user.pk}"


def needs_verification(user) -> bool:
    return Profile.objects.filter(user=user, email_verified_at=None).exists()


class TokenBucket(models.Model):
    """A rate limit as a database row (as Healthchecks does): `tokens` refill to 1.0
    over `refill` seconds and each attempt costs 1 / capacity."""

    key = models.CharField(max_length=100, unique=True)
    tokens = models.FloatField(default=1.0)
    updated_at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return self.key

    @classmethod
    def authorize(cls, kind: str, value: str, capacity: int, refill: timedelta) -> bool:
        """Take one attempt for (kind, value); False when its bucket is empty.

        The value is hashed with the secret key, so the table holds no email address or
        IP address in clear.
        """
        digest = hashlib.blake2b(f"{kind}:{value}".encode(), digest_size=20,
                                 key=settings.SECRET_KEY.encode()[:64]).hexdigest()
        key = f"{kind}:{digest}"
        now = timezone.now()
        with transaction.atomic():
            bucket, created = cls.objects.select_for_update().get_or_create(key=key)
            if not created:
                # Never negative: a clock set back must not drain the bucket.
                elapsed = max(0.0, (now - bucket.updated_at).total_seconds())
                bucket.tokens = min(1.0, bucket.tokens + elapsed / refill.total_seconds())
            bucket.tokens -= 1.0 / capacity
            if bucket.tokens < -1e-9:
                return False
            bucket.updated_at = now
            bucket.save()
        if created and secrets.randbelow(100) == 0:
            # Now and then, forget buckets full again for a day (the longest refill
            # is an hour), so the table does not grow with every address ever seen.
            cls.objects.filter(updated_at__lt=now - timedelta(days=1)).delete()
        return True


class VoteQuerySet(models.QuerySet):
    def paper_ids_for(self, user, paper_ids) -> set[int]:
        """Which of these papers the user has upvoted, in one query (none when anonymous)."""
        if not user.is_authenticated or not paper_ids:
            return set()
        return set(self.filter(user=user, paper_id__in=paper_ids)
                   .values_list("paper_id", flat=True))

    def set_vote(self, user, paper: Paper, up: bool) -> tuple[bool, int]:
        """Make the user's vote on the paper `up` or not; the vote state and the count.

        The Vote row and the paper's counts change in one transaction, and the counts
        move by F() ± 1 only when a row really was inserted or deleted, so local_upvotes
        stays equal to the number of Vote rows (and upvotes to the imported count plus
        it) whatever runs beside it.
        """
        with transaction.atomic():
            if up:
                try:
                    with transaction.atomic():  # a savepoint: the row may exist already
                        self.create(user=user, paper=paper)
                    delta = 1
                except IntegrityError:
                    delta = 0
            else:
                delta = -self.filter(user=user, paper=paper).delete()[0]
            if delta:
                _move_votes(paper.pk, delta)
            count = Paper.objects.values_list("upvotes", flat=True).get(pk=paper.pk)
        return up, count

    def toggle(self, user, paper: Paper) -> tuple[bool, int]:
        with transaction.atomic():
            deleted = self.filter(user=user, paper=paper).delete()[0]
            if deleted:
                _move_votes(paper.pk, -deleted)
                count = Paper.objects.values_list("upvotes", flat=True).get(pk=paper.pk)
                return False, count
            return self.set_vote(user, paper, True)


def _move_votes(paper_id: int, delta: int) -> None:
    Paper.objects.filter(pk=paper_id).update(
        upvotes=F("upvotes") + delta, local_upvotes=F("local_upvotes") + delta,
        modified_at=timezone.now())


class Vote(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="votes")
    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="votes")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = VoteQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "paper"], name="vote_once_per_paper"),
        ]

    def __str__(self) -> str:
        return f"vote of user {self.user_id} on paper {self.paper_id}"


def _move_comment_count(paper_id: int, delta: int) -> None:
    Paper.objects.filter(pk=paper_id).update(
        num_comments=F("num_comments") + delta, local_comments=F("local_comments") + delta,
        modified_at=timezone.now())


class Comment(models.Model):
    """A comment on a paper, or a reply to one (one level deep).

    `local_comments` on the paper counts the comments that are neither deleted nor
    hidden (and `num_comments` adds the imported count); every change of those two
    flags goes through _set_flag on the locked row, so the count moves once per real
    change.
    """

    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="thread")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="paper_comments")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE,
                               related_name="replies")
    body = models.TextField(max_length=MAX_COMMENT)
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    is_deleted = models.BooleanField(default=False)
    is_hidden = models.BooleanField(default=False)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["paper", "created_at"])]

    def __str__(self) -> str:
        return f"comment {self.pk} on paper {self.paper_id}"

    @property
    def html(self) -> str:
        return render_markdown(self.body)

    @property
    def is_shown(self) -> bool:
        return not self.is_deleted and not self.is_hidden

    @classmethod
    def post(cls, user, paper: Paper, body: str, parent: Comment | None = None) -> Comment:
        if parent is not None and parent.parent_id is not None:
            parent = parent.parent  # one level deep: a reply to a reply joins its thread
        with transaction.atomic():
            comment = cls.objects.create(user=user, paper=paper, parent=parent, body=body)
            _move_comment_count(paper.pk, 1)
        return comment

    def edit(self, body: str) -> None:
        self.body, self.edited_at = body, timezone.now()
        self.save(update_fields=["body", "edited_at"])

    def _set_flag(self, flag: str, value: bool) -> bool:
        """Set is_deleted or is_hidden; True when it changed. The paper's count moves
        when the comment starts or stops being shown, judged on the locked row."""
        with transaction.atomic():
            row = type(self).objects.select_for_update().get(pk=self.pk)
            if getattr(row, flag) == value:
                return False
            was_shown = row.is_shown
            setattr(row, flag, value)
            type(self).objects.filter(pk=self.pk).update(**{flag: value})
            if was_shown != row.is_shown:
                _move_comment_count(self.paper_id, 1 if row.is_shown else -1)
        setattr(self, flag, value)
        return True

    def delete_by_author(self) -> bool:
        """Soft delete: the thread keeps its place ("deleted") and its replies."""
        changed = self._set_flag("is_deleted", True)
        if changed:
            type(self).objects.filter(pk=self.pk).update(body="")
            self.body = ""
        return changed

    def hide(self) -> bool:
        return self._set_flag("is_hidden", True)

    def unhide(self) -> bool:
        return self._set_flag("is_hidden", False)


class CommentReport(models.Model):
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="reports")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="comment_reports")
    reason = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["comment", "user"], name="report_once"),
        ]

    def __str__(self) -> str:
        return f"report on comment {self.comment_id}"


class Submission(models.Model):
    """A reader asked for a paper to be featured."""

    paper = models.OneToOneField(Paper, on_delete=models.CASCADE, related_name="submission")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                             related_name="submissions")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"submission of paper {self.paper_id}"


class AuthorClaim(models.Model):
    PENDING, APPROVED, REJECTED = "pending", "approved", "rejected"
    STATUSES = [(PENDING, "pending"), (APPROVED, "approved"), (REJECTED, "rejected")]

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="author_claims")
    author = models.ForeignKey(Author, on_delete=models.CASCADE, related_name="claims")
    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="author_claims")
    status = models.CharField(max_length=10, choices=STATUSES, default=PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "author"], name="claim_author_once"),
        ]

    def __str__(self) -> str:
        return f"claim of {self.author} by user {self.user_id}"

    def approve(self, admin) -> bool:
        """Link the author to the claimant; False when another user holds it already."""
        with transaction.atomic():
            linked = Author.objects.filter(pk=self.author_id).filter(
                models.Q(user=None) | models.Q(user=self.user_id)).update(user=self.user_id)
            if not linked:
                return False
            self._decide(self.APPROVED, admin)
        return True

    def reject(self, admin) -> None:
        self._decide(self.REJECTED, admin)

    def _decide(self, status: str, admin) -> None:
        self.status, self.decided_at, self.decided_by = status, timezone.now(), admin
        self.save(update_fields=["status", "decided_at", "decided_by"])


class Membership(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="memberships")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE,
                                     related_name="memberships")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation"], name="member_once"),
        ]

    def __str__(self) -> str:
        return f"user {self.user_id} in {self.organisation}"


# How stale a token's last_used_at may be: at most one write a minute, not one a request.
LAST_USED_PRECISION = timedelta(minutes=1)


class ApiTokenQuerySet(models.QuerySet):
    def issue(self, user, name: str = "", expires_at=None) -> str:
        """A new token for the user; only its hash is stored, so it is shown once."""
        raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
        self.create(user=user, name=name, token_hash=hash_token(raw), prefix=raw[:10],
                    expires_at=expires_at)
        return raw

    def user_for(self, raw: str):
        """The active user holding this unexpired token, or None."""
        if not raw.startswith(TOKEN_PREFIX) or len(raw) > 200:
            return None
        now = timezone.now()
        token = (self.select_related("user")
                 .filter(token_hash=hash_token(raw), user__is_active=True)
                 .filter(models.Q(expires_at=None) | models.Q(expires_at__gt=now)).first())
        if token is None:
            return None
        if token.last_used_at is None or now - token.last_used_at >= LAST_USED_PRECISION:
            type(token).objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user

    def revoke_all(self, user) -> int:
        """Delete every token of the user (their password changed); how many there were."""
        return self.filter(user=user).delete()[0]


def hash_token(raw: str) -> str:
    # Tokens carry 256 random bits: a fast hash is enough, nothing to guess.
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="api_tokens")
    name = models.CharField(max_length=100, blank=True)
    token_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=10)  # enough to recognise it in a list
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)  # to LAST_USED_PRECISION
    expires_at = models.DateTimeField(null=True, blank=True)  # None: until revoked

    objects = ApiTokenQuerySet.as_manager()

    def __str__(self) -> str:
        return f"{self.prefix}… of user {self.user_id}"

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()


class AuditEntry(models.Model):
    """One moderation action: who did what to which object, and when."""

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                              related_name="+")
    action = models.CharField(max_length=40)
    target_type = models.CharField(max_length=40)
    target_id = models.CharField(max_length=60)
    target_repr = models.CharField(max_length=200)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"{self.action} {self.target_type} {self.target_id}"

    @classmethod
    def record(cls, actor, action: str, target: models.Model) -> AuditEntry:
        return cls.objects.create(
            actor=actor, action=action, target_type=target._meta.model_name,
            target_id=str(target.pk), target_repr=str(target)[:200])
