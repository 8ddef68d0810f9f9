"""Signed links for subscribers: confirm, preferences, unsubscribe.

Each kind of link has its own salt, so a token for one never opens another (an
unsubscribe URL, which mail providers see in a header, cannot open the preferences).
Like auth's password-reset tokens they are derived from the subscriber's state and need
no table: a confirmation link names the subscription request it answers, so it dies when
the address unsubscribes and a new request starts; every link dies with its address.
Only the subscriber's id and a short hash appear in the URL, never the address.
"""

from __future__ import annotations

import hashlib

from django.core import signing
from django.urls import reverse

from paperwire.digests.models import Subscriber
from paperwire.lib.urls import site_url

CONFIRM_SALT = "paperwire.digests.confirm"
PREFERENCES_SALT = "paperwire.digests.preferences"
UNSUBSCRIBE_SALT = "paperwire.digests.unsubscribe"
CONFIRM_MAX_AGE = 3 * 24 * 3600  # a confirmation link lasts three days


def _state(subscriber: Subscriber, kind: str) -> str:
    parts = [subscriber.email]
    if kind == CONFIRM_SALT:
        stopped = subscriber.unsubscribed_at
        parts += [subscriber.subscribed_at.isoformat(), stopped.isoformat() if stopped else ""]
    return hashlib.blake2b("|".join(parts).encode(), digest_size=8).hexdigest()


def make(subscriber: Subscriber, salt: str) -> str:
    value = f"{subscriber.pk}.{_state(subscriber, salt)}"
    if salt == CONFIRM_SALT:
        return signing.TimestampSigner(salt=salt).sign(value)
    return signing.Signer(salt=salt).sign(value)


def check(token: str, salt: str) -> Subscriber | None:
    """The subscriber a token names, or None when it is forged, expired or stale."""
    try:
        if salt == CONFIRM_SALT:
            value = signing.TimestampSigner(salt=salt).unsign(token, max_age=CONFIRM_MAX_AGE)
        else:
            value = signing.Signer(salt=salt).unsign(token)
    except signing.BadSignature:  # SignatureExpired is one too
        return None
    pk, _, state = value.partition(".")
    if not pk.isdigit():
        return None
    subscriber = Subscriber.objects.filter(pk=int(pk)).select_related("user").first()
    if subscriber is None or _state(subscriber, salt) != state:
        return None
    return subscriber


def path(name: str, subscriber: Subscriber, salt: str) -> str:
    return reverse(name, args=[make(subscriber, salt)])


def url(name: str, subscriber: Subscriber, salt: str) -> str:
    """An absolute link on the site's address (lib/urls.py)."""
    return site_url() + path(name, subscriber, salt)


def confirm_url(subscriber: Subscriber) -> str:
    return url("pw-digest-confirm", subscriber, CONFIRM_SALT)


def preferences_url(subscriber: Subscriber) -> str:
    return url("pw-digest-preferences", subscriber, PREFERENCES_SALT)


def unsubscribe_url(subscriber: Subscriber) -> str:
    return url("pw-digest-unsubscribe", subscriber, UNSUBSCRIBE_SALT)
