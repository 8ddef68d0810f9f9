"""Rate limits for login, sign-up, password reset, comments and submissions.

Each limit is a TokenBucket row per (kind, value): per address, per client network and
per user. A request is allowed only when every bucket it touches has a token left.
"""

from __future__ import annotations

import ipaddress
from datetime import timedelta

from django.conf import settings
from django.http import HttpRequest

from paperwire.community.models import TokenBucket

# kind: (attempts, over this long)
LIMITS: dict[str, tuple[int, timedelta]] = {
    "login-address": (10, timedelta(minutes=15)),
    "login-ip": (40, timedelta(minutes=15)),
    "signup-address": (3, timedelta(hours=1)),
    "signup-ip": (10, timedelta(hours=1)),
    "reset-address": (3, timedelta(hours=1)),
    "reset-ip": (10, timedelta(hours=1)),
    "comment-user": (20, timedelta(minutes=10)),
    "report-user": (20, timedelta(hours=1)),
    "submit-user": (10, timedelta(hours=1)),
    "claim-user": (10, timedelta(hours=1)),
}


def client_ip(request: HttpRequest) -> str:
    """The client's address for rate limits; an IPv6 client counts as its /64 network,
    since one host usually holds a whole /64."""
    raw = request.META.get("REMOTE_ADDR", "")
    if settings.TRUST_X_FORWARDED_FOR:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        # The last entry is the one our proxy added; earlier ones the client can forge.
        if forwarded.strip():
            raw = forwarded.split(",")[-1].strip()
    try:
        address = ipaddress.ip_address(raw)
    except ValueError:
        return raw[:60] or "unknown"
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def allow(**values: str) -> bool:
    """Take a token from each named bucket (`login_address="a@b"`, `login_ip=...`);
    all buckets are charged, so hammering one address also drains the client's."""
    allowed = True
    for kind, value in values.items():
        kind = kind.replace("_", "-")
        capacity, refill = LIMITS[kind]
        if not TokenBucket.authorize(kind, value, capacity, refill):
            allowed = False
    return allowed
