"""`{% mail_banner %}`: says that mail is not set up, and, for staff, which messages the
mail server did not take."""

from __future__ import annotations

from datetime import timedelta

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from paperwire.lib.mail import mail_is_set_up

register = template.Library()
FAILURES_SHOWN_FOR = timedelta(days=7)


@register.simple_tag(takes_context=True)
def mail_banner(context, staff: bool = False) -> str:
    from paperwire.digests.models import MailFailure

    # In the admin, in its own message list's markup; on the site, a notice.
    wrap = ('<ul class="messagelist mail-banner"><li class="warning">{}</li></ul>' if staff
            else '<p class="notice mail-banner" role="status">{}</p>')
    if not mail_is_set_up():
        return format_html(wrap, mark_safe(  # a constant: nothing in it to escape
            "<strong>Mail is not set up.</strong> Confirmation, password-reset and digest "
            "mail is written to the server log instead of sent. Set "
            "<code>PAPERWIRE_SMTP_HOST</code> (and the other <code>PAPERWIRE_SMTP_*</code> "
            "settings) to send it."))
    if not staff:
        return ""
    failures = MailFailure.objects.filter(
        failed_at__gte=timezone.now() - FAILURES_SHOWN_FOR).count()
    if not failures:
        return ""
    return format_html(wrap, format_html(
        '<strong>{} message{} could not be sent</strong> in the last 7 days. <a href="{}">'
        "See them and send the confirmations again</a>.", failures,
        "s" if failures != 1 else "", reverse("admin:digests_mailfailure_changelist")))
