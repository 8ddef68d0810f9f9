"""The reader's controls on the reading site's pages: the "not interested" button on
every card and paper page, and the follow button on author, organisation, category and
search pages.

A page of cards costs one query for the reader's marks (kept on the request), and none
when signed out.
"""

from __future__ import annotations

from django import template
from django.middleware.csrf import get_token
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString

from paperwire.lib.widgets import csrf_field
from paperwire.reader.models import Follow, NotInterested

register = template.Library()


def remember_marks(request, paper_ids: set[int]) -> None:
    """The reader's marks, read by the view already: the buttons then ask nothing."""
    request._pw_not_interested = set(paper_ids)


def _marked_ids(request, user) -> set[int]:
    cached = getattr(request, "_pw_not_interested", None)
    if cached is None:
        cached = NotInterested.objects.paper_ids(user)
        if request is not None:
            request._pw_not_interested = cached
    return cached


@register.simple_tag(takes_context=True)
def not_interested_button(context, paper) -> SafeString:
    """The "not interested" toggle (built with format_html, see lib/widgets); nothing
    when signed out."""
    user = context.get("user")
    if user is None or not user.is_authenticated:
        return SafeString("")
    marked = paper.pk in _marked_ids(context.get("request"), user)
    return not_interested_html(paper, marked, context.get("csrf_token"))


def not_interested_html(paper, marked: bool, csrf_token) -> SafeString:
    action = reverse("pw-not-interested", args=[paper.arxiv_id])
    return format_html(
        '<form class="not-interested{}" method="post" action="{}" hx-post="{}" '
        'hx-target="this" hx-swap="outerHTML">{}<input type="hidden" name="on" value="{}">'
        '<button type="submit" class="link" aria-pressed="{}" title="{}">{}</button></form>',
        " marked" if marked else "", action, action, csrf_field(csrf_token),
        "0" if marked else "1", "true" if marked else "false",
        "Take back “not interested”" if marked else "Show fewer papers like this",
        "Not interested ✓ (undo)" if marked else "Not interested")


def not_interested_fragment(request, paper, marked: bool) -> SafeString:
    """not_interested_html for the view that just changed the mark."""
    return not_interested_html(paper, marked, get_token(request))


@register.inclusion_tag("reader/_follow_button.html", takes_context=True)
def follow_button(context, kind: str, value: str, label: str = "") -> dict:
    """Follow (or unfollow) `value` as a `kind`; signed out, a link to log in."""
    user = context.get("user")
    request = context.get("request")
    follow = None
    if user is not None and user.is_authenticated and value:
        follow = Follow.objects.filter(user=user, kind=kind,
                                       value=" ".join(str(value).split())).first()
    return {"kind": kind, "value": value, "label": label or value, "follow": follow,
            "user": user, "csrf_token": context.get("csrf_token"),
            "next": request.get_full_path() if request is not None else ""}
