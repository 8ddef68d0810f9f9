"""The reader's controls on the reading site's pages: the "not interested" button on
every card and paper page, and the follow button on author, organisation, category and
search pages.

A page of cards costs one query for the reader's marks (kept on the request), and none
when signed out.
"""

from __future__ import annotations

from django import template

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


@register.inclusion_tag("reader/_not_interested_button.html", takes_context=True)
def not_interested_button(context, paper) -> dict:
    user = context.get("user")
    signed_in = user is not None and user.is_authenticated
    marked = signed_in and paper.pk in _marked_ids(context.get("request"), user)
    return {"paper": paper, "marked": marked, "user": user,
            "csrf_token": context.get("csrf_token"), "request": context.get("request")}


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
