"""Every message the community sends: a subject, a text part and an HTML part, each from
its own template under community/emails/, with links built on PAPERWIRE_BASE_URL (never
on the request's Host header, which a client chooses)."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

log = logging.getLogger(__name__)


def absolute(path_name: str, *args: object) -> str:
    return settings.BASE_URL + reverse(path_name, args=args)


def send(template: str, to: str, context: dict) -> bool:
    """Send one message; False (logged) when the mail server refused it."""
    context = {**context, "site_url": settings.BASE_URL}
    base = f"community/emails/{template}"
    subject = " ".join(render_to_string(f"{base}-subject.txt", context).split())
    text = render_to_string(f"{base}-body.txt", context)
    html = render_to_string(f"{base}-body.html", context)
    message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, [to])
    message.attach_alternative(html, "text/html")
    try:
        message.send()
    except Exception:
        # The page answers the same either way: it must not tell whether mail went out.
        log.exception("could not send %s mail", template)
        return False
    return True
