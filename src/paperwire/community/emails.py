"""Every message the community sends: a subject, a text part and an HTML part, each from
its own template under community/emails/, with links built on the site's address
(lib/urls.py: PAPERWIRE_BASE_URL, or the checked address of the request)."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from paperwire.lib.mail import FAILED, MailResult, deliver
from paperwire.lib.urls import site_url

log = logging.getLogger(__name__)


def absolute(path_name: str, *args: object) -> str:
    return site_url() + reverse(path_name, args=args)


# Which record a failed message leaves for the admin (digests.MailFailure).
FAILURE_KINDS = {"verify": "account"}


def send(template: str, to: str, context: dict) -> MailResult:
    """Send one message (to the server log when mail is not set up). A failure is
    logged and recorded for the admin, and said to the caller, which tells the reader:
    every path of a page sends one message to the same address, so the outcome says
    nothing about whether the address has an account."""
    from paperwire.digests.models import MailFailure

    context = {**context, "site_url": site_url()}
    base = f"community/emails/{template}"
    subject = " ".join(render_to_string(f"{base}-subject.txt", context).split())
    text = render_to_string(f"{base}-body.txt", context)
    html = render_to_string(f"{base}-body.html", context)
    message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, [to])
    message.attach_alternative(html, "text/html")
    result = deliver(message)
    kind = FAILURE_KINDS.get(template, MailFailure.OTHER)
    if result.status == FAILED:
        log.warning("could not send %s mail: %s", template, result.error)
        MailFailure.objects.record(to, kind, result.error)
    else:
        MailFailure.objects.resolved(to, kind)
    return result
