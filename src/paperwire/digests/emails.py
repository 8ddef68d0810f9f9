"""Every message the digests app sends, in one module: the digest itself and the
confirmation mail. Each has a subject, a text and an HTML template under
digests/emails/; links are built on PAPERWIRE_BASE_URL and signed (tokens.py).

A digest carries the headers of RFC 8058 one-click unsubscribe (`List-Unsubscribe` with
an https URL on the site, and `List-Unsubscribe-Post: List-Unsubscribe=One-Click`; the
mail relay's DKIM signature should cover both), an unsubscribe link in its body, and a
Message-ID fixed by its outbox row, so every try of one digest is the same message.

Rendering is shared as far as it goes: each paper's card (HTML and text) is rendered
once per Renderer and reused by every digest that lists it, and a digest is rendered
with stand-ins for the reader's address and links, filled in last, so the many digests
that hold the same trending papers and nothing personal are rendered once.
"""

from __future__ import annotations

import logging
import secrets
import smtplib
import time
from datetime import date
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives, get_connection
from django.template.loader import get_template, render_to_string
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe

from paperwire.digests import tokens
from paperwire.digests.build import Window
from paperwire.digests.models import DAILY, Delivery, Subscriber
from paperwire.papers.models import Paper

log = logging.getLogger(__name__)
SITE_NAME = "paperwire"
SEND_TRIES = 3  # confirmation mail: tries on a temporary failure


def absolute(path_name: str, *args: object) -> str:
    return settings.BASE_URL + reverse(path_name, args=args)


def window_label(window: Window) -> str:
    """"24 October 2024", "18–24 October 2024", "28 October – 3 November 2024"."""
    first, last = window.first, window.last
    if first == last:
        return f"{last.day} {last:%B %Y}"
    if (first.year, first.month) == (last.year, last.month):
        return f"{first.day}–{last.day} {last:%B %Y}"
    if first.year == last.year:
        return f"{first.day} {first:%B} – {last.day} {last:%B %Y}"
    return f"{first.day} {first:%B %Y} – {last.day} {last:%B %Y}"


def _site_link(window: Window) -> str:
    """The site's page of the window's papers: the day, or the week."""
    if window.first == window.last:
        return f"{absolute('pw-papers')}?date={window.last.isoformat()}"
    year, week, _ = window.last.isocalendar()
    return f"{absolute('pw-papers')}?week={year}-W{week:02d}"


def list_headers(subscriber: Subscriber) -> dict[str, str]:
    domain = urlsplit(settings.BASE_URL).hostname or "localhost"
    return {
        "List-Unsubscribe": f"<{tokens.unsubscribe_url(subscriber)}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "List-Id": f"{SITE_NAME} digests <digests.{domain}>",
        # RFC 3834: no vacation auto-replies to a digest.
        "Auto-Submitted": "auto-generated",
    }


class DigestMessage(EmailMultiAlternatives):
    """A digest: text and HTML parts, with a random MIME boundary chosen up front.

    Python's generator otherwise makes one up and scans the whole message for it; 128
    random bits cannot occur in a digest, and skipping the scan saves a fifth of the
    time it takes to turn a digest into bytes.
    """

    def message(self):
        msg = super().message()
        msg.set_boundary(f"==pw{secrets.token_hex(16)}==")
        return msg


class Renderer:
    """Renders digests; keeps each paper's card so many digests render fast."""

    def __init__(self) -> None:
        self._cards: dict[int, tuple[str, str] | None] = {}
        self._titles: dict[int, str] = {}
        self._shared: dict[tuple, tuple[str, str, str] | None] = {}
        # Stand-ins for the reader's address and links while a digest is rendered; random,
        # so no paper's text can hold one.
        nonce = secrets.token_hex(8)
        self._marks = {name: f"pwmark{nonce}{name}" for name in
                       ("email", "preferences", "unsubscribe")}
        self._html = get_template("digests/emails/digest-body.html")
        self._text = get_template("digests/emails/digest-body.txt")
        self._card_html = get_template("digests/emails/_paper.html")
        self._card_text = get_template("digests/emails/_paper.txt")

    def prepare(self, paper_ids) -> None:
        """Render the cards of these papers (visible ones; a hidden paper drops out)."""
        missing = [pk for pk in set(paper_ids) if pk not in self._cards]
        if not missing:
            return
        found = Paper.objects.visible().cards().in_bulk(missing)
        for pk in missing:
            paper = found.get(pk)
            if paper is None:
                self._cards[pk] = None
                continue
            context = {"paper": paper, "url": absolute("pw-paper", paper.arxiv_id)}
            self._cards[pk] = (mark_safe(self._card_html.render(context)),
                               self._card_text.render(context).strip())
            self._titles[pk] = " ".join(paper.title.split())

    def _titles_of(self, paper_ids) -> None:
        missing = [pk for pk in set(paper_ids) if pk not in self._titles]
        if not missing:
            return
        self._titles.update((pk, " ".join(t.split())) for pk, t in
                            Paper.objects.filter(pk__in=missing).values_list("pk", "title"))

    def _cards_of(self, ids) -> list[tuple[str, str]]:
        return [card for card in (self._cards.get(pk) for pk in ids) if card is not None]

    def parts(self, subscriber: Subscriber, window: Window, content: dict
              ) -> tuple[str, str, str] | None:
        """(subject, text, html), or None when nothing is left to show."""
        daily = subscriber.frequency == DAILY
        shared = None
        # A digest of trending papers only is the same for everyone with the same window
        # and count: render it once. (Alerts and picks make a digest personal.)
        key = None
        if not content.get("alerts") and not content.get("picks") \
                and not content.get("for_you"):
            key = (window, daily, tuple(content.get("trending", [])))
            shared = self._shared.get(key)
        if shared is None:
            shared = self._render_shared(window, daily, content, subscriber.user_id)
            if key is not None and len(self._shared) < 1000:
                self._shared[key] = shared
        if shared is None:
            return None
        subject, text, html = shared
        # Fill in the reader: their address and their signed links.
        for mark, value in ((self._marks["email"], subscriber.email),
                            (self._marks["preferences"], tokens.preferences_url(subscriber)),
                            (self._marks["unsubscribe"], tokens.unsubscribe_url(subscriber))):
            text = text.replace(mark, value)
            html = html.replace(mark, escape(value))
        return subject, text, html

    def _render_shared(self, window: Window, daily: bool, content: dict,
                       user_id: int | None = None) -> tuple[str, str, str] | None:
        """The digest with markers where the reader's address and links go (the For
        you section, personal anyway, carries its signed links as they are)."""
        from paperwire.reader.digest import section

        picks = content.get("picks", [])
        for_you_ids = [p[0] for p in content.get("for_you", []) if p and isinstance(p[0], int)]
        self.prepare(list(content.get("trending", []))
                     + [pk for a in content.get("alerts", []) for pk in a["papers"]]
                     + [p[0] for p in picks] + for_you_ids)
        for_you = section(content.get("for_you", []), user_id, self._cards)
        self._titles_of(p[1] for p in picks)
        trending = self._cards_of(content.get("trending", []))
        alerts = [{"query": a["query"], "cards": cards} for a in content.get("alerts", [])
                  if (cards := self._cards_of(a["papers"]))]
        pick_cards = [{"card": self._cards[pk], "because": self._titles.get(because, "")}
                      for pk, because in picks if self._cards.get(pk) is not None]
        count = len({pk for pk in content.get("trending", []) if self._cards.get(pk)}
                    | {pk for a in content.get("alerts", []) for pk in a["papers"]
                       if self._cards.get(pk)}
                    | {p[0] for p in picks if self._cards.get(p[0])}
                    | {pk for pk in for_you_ids if self._cards.get(pk)})
        if not count:
            return None
        label = window_label(window)
        context = {
            "site_name": SITE_NAME, "site_url": settings.BASE_URL, "label": label,
            "daily": daily, "trending": trending, "alerts": alerts, "picks": pick_cards,
            "for_you": for_you,
            "count": count, "site_link": _site_link(window),
            "email": self._marks["email"], "preferences_url": self._marks["preferences"],
            "unsubscribe_url": self._marks["unsubscribe"],
        }
        subject = f"{SITE_NAME} digest for {label}: {count} paper{'s' if count != 1 else ''}"
        return subject, self._text.render(context), self._html.render(context)

    def message(self, delivery: Delivery) -> EmailMultiAlternatives | None:
        subscriber = delivery.subscriber
        parts = self.parts(subscriber, Window(delivery.first_day, delivery.last_day),
                           delivery.content)
        if parts is None:
            return None
        subject, text, html = parts
        message = DigestMessage(
            subject, text, settings.DEFAULT_FROM_EMAIL, [subscriber.email],
            headers={"Message-ID": delivery.message_id, **list_headers(subscriber)})
        message.attach_alternative(html, "text/html")
        return message


def preview(subscriber: Subscriber, today: date | None = None
            ) -> tuple[str, str, str] | None:
    """(subject, text, html) of the subscriber's next digest, or None when empty."""
    from paperwire.digests.build import next_digest

    found = next_digest(subscriber, today)
    if found is None:
        return None
    window, content = found
    return Renderer().parts(subscriber, window, content)


# -- confirmation mail ---------------------------------------------------------------

def send_confirmation(subscriber: Subscriber, *, new_alert: str = "") -> bool:
    """Ask the mailbox to confirm the subscription (or a new alert, when `new_alert`
    names one for an address that is already confirmed). False when it could not go."""
    context = {
        "site_name": SITE_NAME, "site_url": settings.BASE_URL,
        "link": tokens.confirm_url(subscriber), "subscriber": subscriber,
        "new_alert": new_alert, "confirmed": subscriber.is_confirmed,
        "frequency": subscriber.get_frequency_display().lower(),
    }
    base = "digests/emails/confirm"
    subject = " ".join(render_to_string(f"{base}-subject.txt", context).split())
    message = EmailMultiAlternatives(subject, render_to_string(f"{base}-body.txt", context),
                                     settings.DEFAULT_FROM_EMAIL, [subscriber.email])
    message.attach_alternative(render_to_string(f"{base}-body.html", context), "text/html")
    return send_with_retries(message)


def send_with_retries(message: EmailMessage) -> bool:
    """Send through the configured backend, trying again on a temporary failure."""
    for attempt in range(1, SEND_TRIES + 1):
        try:
            get_connection().send_messages([message])
            return True
        except smtplib.SMTPResponseException as e:
            if not 400 <= e.smtp_code < 500 or attempt == SEND_TRIES:
                log.warning("mail to %s refused: %s %s", message.to, e.smtp_code, e.smtp_error)
                return False
        except smtplib.SMTPRecipientsRefused as e:
            codes = [code for code, _ in e.recipients.values()]
            if not all(400 <= c < 500 for c in codes) or attempt == SEND_TRIES:
                log.warning("mail to %s refused: %s", message.to, codes)
                return False
        except (OSError, smtplib.SMTPException) as e:
            if attempt == SEND_TRIES:
                log.warning("could not send mail to %s: %s", message.to, e)
                return False
        time.sleep(0.5 * attempt)
    return False
