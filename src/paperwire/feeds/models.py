"""A reader's private feed token: the secret in their private feed URLs.

One per reader. Only its hash is kept (as for API tokens), so the URLs are shown once,
when the token is made; making a new one revokes the old, and revoking it turns every
private feed URL of the reader into a 404.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models, transaction

from paperwire.community.models import hash_token

FEED_TOKEN_PREFIX = "pwf_"
MAX_TOKEN = 100


class FeedTokenQuerySet(models.QuerySet):
    def issue(self, user) -> str:
        """A new token for the user, in place of any they had; shown once."""
        raw = FEED_TOKEN_PREFIX + secrets.token_urlsafe(32)
        with transaction.atomic():
            self.filter(user=user).delete()
            self.create(user=user, token_hash=hash_token(raw), prefix=raw[:10])
        return raw

    def revoke(self, user) -> bool:
        return self.filter(user=user).delete()[0] > 0

    def user_for(self, raw: str):
        """The active user whose feed token this is, or None."""
        if not raw.startswith(FEED_TOKEN_PREFIX) or len(raw) > MAX_TOKEN:
            return None
        token = (self.select_related("user")
                 .filter(token_hash=hash_token(raw), user__is_active=True).first())
        return token.user if token is not None else None


class FeedToken(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="feed_token")
    token_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=10)  # enough to recognise it
    created_at = models.DateTimeField(auto_now_add=True)

    objects = FeedTokenQuerySet.as_manager()

    def __str__(self) -> str:
        return f"{self.prefix}… feed token of user {self.user_id}"
