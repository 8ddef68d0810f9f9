"""Sending one message, and what happens when there is nowhere to send it.

With PAPERWIRE_SMTP_HOST empty (the default) mail is not set up: `LogBackend` writes each
message (recipient, subject and the whole text part, whose links work as they are) to
the server log instead, and `deliver` says "logged", so a page can tell the reader where
the link went rather than "check your email".
"""

from __future__ import annotations

import logging
import smtplib
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

log = logging.getLogger("paperwire.mail")
LOG_BACKEND = "paperwire.lib.mail.LogBackend"
SEND_TRIES = 3  # tries of one message on a temporary failure
SENT, LOGGED, FAILED = "sent", "logged", "failed"


def mail_is_set_up() -> bool:
    """False while messages only go to the server log (no SMTP host configured)."""
    return settings.EMAIL_BACKEND != LOG_BACKEND


def as_log_text(message: EmailMessage) -> str:
    return (f"To: {', '.join(message.to)}\nSubject: {message.subject}\n\n"
            f"{message.body.rstrip()}")


class LogBackend(BaseEmailBackend):
    """Every message to the log at WARNING, so it shows at the default log level."""

    def send_messages(self, email_messages) -> int:
        for message in email_messages:
            log.warning("mail is not set up (PAPERWIRE_SMTP_HOST is empty), so this "
                        "message was written here instead of sent:\n%s\n-- end of message",
                        as_log_text(message))
        return len(email_messages)


@dataclass(frozen=True)
class MailResult:
    status: str  # SENT, LOGGED or FAILED
    error: str = ""  # why it failed: the server's answer or the connection error

    @property
    def ok(self) -> bool:
        return self.status != FAILED


def deliver(message: EmailMessage, *, tries: int = SEND_TRIES,
            pause: float = 0.5) -> MailResult:
    """Send through the configured backend, trying again on a temporary failure (4xx,
    a dropped connection); a permanent refusal (5xx) is not tried again."""
    if not mail_is_set_up():
        get_connection().send_messages([message])
        return MailResult(LOGGED)
    error = ""
    for attempt in range(1, tries + 1):
        try:
            get_connection().send_messages([message])
            return MailResult(SENT)
        except smtplib.SMTPResponseException as e:
            error = f"{e.smtp_code} {_text(e.smtp_error)}"
            if not 400 <= e.smtp_code < 500:
                break
        except smtplib.SMTPRecipientsRefused as e:
            answers = list(e.recipients.values())
            error = "; ".join(f"{code} {_text(text)}" for code, text in answers)
            if not all(400 <= code < 500 for code, _ in answers):
                break
        except (OSError, smtplib.SMTPException) as e:
            error = f"cannot reach the mail server {settings.EMAIL_HOST}:" \
                    f"{settings.EMAIL_PORT}: {e}"
        if attempt < tries:
            time.sleep(pause * attempt)
    log.error("mail to %s could not be sent: %s", ", ".join(message.to), error)
    return MailResult(FAILED, error)


def _text(value: bytes | str) -> str:
    text = value.decode(errors="replace") if isinstance(value, bytes) else str(value)
    return " ".join(text.split())


def sent_page(name: str, result: MailResult) -> HttpResponse:
    """Redirect to a "check your email" page, telling it when the mail went to the
    server log or could not be sent (the page then says so instead)."""
    url = reverse(name)
    return redirect(url if result.status == SENT else f"{url}?mail={result.status}")


def mail_outcome(request: HttpRequest) -> str:
    """"logged", "failed" or "" (sent), from the redirect above."""
    value = request.GET.get("mail", "")
    return value if value in (LOGGED, FAILED) else ""
