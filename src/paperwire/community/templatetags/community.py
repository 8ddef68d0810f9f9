"""Hooks the reading site's templates include: the upvote button, the discussion thread
and the signed-in reader's actions on a paper.

Each costs a fixed number of queries and none for an anonymous reader: a list of cards
asks once for the reader's votes on the whole page (`voted_paper_ids`), not per card.
"""

from __future__ import annotations

from django import template
from django.middleware.csrf import get_token
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString

from paperwire.community.forms import CommentForm
from paperwire.community.models import Comment, Membership, Vote
from paperwire.lib.widgets import csrf_field

register = template.Library()


@register.simple_tag(takes_context=True)
def voted_paper_ids(context, items) -> set[int]:
    """The ids of the papers in `items` (papers, or search hits with a .paper) that the
    reader has upvoted: one query, or none when signed out."""
    user = context.get("user")
    if user is None or not user.is_authenticated:
        return set()
    ids = [getattr(item, "paper", item).pk for item in items or ()]
    return Vote.objects.paper_ids_for(user, ids)


@register.simple_tag(takes_context=True)
def upvote_button(context, paper, voted_ids=None) -> SafeString:
    user = context.get("user")
    if user is None or not user.is_authenticated:
        return upvote_html(paper, voted=False, csrf_token=None, signed_in=False)
    if not isinstance(voted_ids, set):  # a single paper: ask about it alone
        voted = bool(Vote.objects.paper_ids_for(user, [paper.pk]))
    else:
        voted = paper.pk in voted_ids
    return upvote_html(paper, voted, context.get("csrf_token"))


def upvote_html(paper, voted: bool, csrf_token, signed_in: bool = True) -> SafeString:
    """The upvote form, or signed out a link to log in; what the upvote view returns to
    htmx too (upvote_fragment)."""
    label = format_html('<span class="visually-hidden"> upvote{}</span>',
                        pluralize(paper.upvotes))
    if not signed_in:
        return format_html(
            '<a class="upvote upvotes" href="{}?next={}" title="Log in to upvote">'
            '<span aria-hidden="true">▲</span> {}{}</a>',
            reverse("pw-login"), reverse("pw-paper", args=[paper.arxiv_id]), paper.upvotes,
            label)
    action = reverse("pw-upvote", args=[paper.arxiv_id])
    return format_html(
        '<form class="upvote{}" method="post" action="{}" hx-post="{}" hx-target="this" '
        'hx-swap="outerHTML">{}<input type="hidden" name="up" value="{}">'
        '<button type="submit" class="upvotes" aria-pressed="{}" title="{}">'
        '<span aria-hidden="true">▲</span> <span class="count">{}{}</span></button></form>',
        " voted" if voted else "", action, action, csrf_field(csrf_token),
        "0" if voted else "1", "true" if voted else "false",
        "Remove your upvote" if voted else "Upvote", paper.upvotes, label)


def upvote_fragment(request, paper, voted: bool) -> SafeString:
    """upvote_html for the view that just changed the vote (a signed-in reader)."""
    return upvote_html(paper, voted, get_token(request))


@register.inclusion_tag("community/_thread.html", takes_context=True)
def comment_thread(context, paper) -> dict:
    """The paper's discussion. Read only when the paper has shown comments of this
    site's own (local_comments): no query for a quiet paper."""
    comments: list[Comment] = []
    if paper.local_comments > 0:
        comments = list(Comment.objects.filter(paper=paper)
                        .select_related("user__profile").order_by("created_at", "pk"))
    by_parent: dict[int, list[Comment]] = {}
    for comment in comments:
        if comment.parent_id is not None and comment.is_shown:
            by_parent.setdefault(comment.parent_id, []).append(comment)
    threads = []
    for comment in comments:
        if comment.parent_id is not None:
            continue
        replies = by_parent.get(comment.pk, [])
        # A removed comment keeps its place only while replies hang from it.
        if comment.is_shown or replies:
            threads.append((comment, replies))
    return {"paper": paper, "threads": threads, "form": CommentForm(),
            "user": context.get("user"), "request": context.get("request"),
            "csrf_token": context.get("csrf_token")}


@register.inclusion_tag("community/_paper_actions.html", takes_context=True)
def paper_actions(context, paper, authors=None) -> dict:
    """Claim authorship, attach to an organisation: for a signed-in reader only."""
    user = context.get("user")
    data = {"paper": paper, "user": user, "csrf_token": context.get("csrf_token")}
    if user is None or not user.is_authenticated:
        return data
    data["claimable"] = [author for _, author in authors or ()
                         if author is not None and author.user_id is None]
    data["memberships"] = list(Membership.objects.filter(user=user)
                               .select_related("organisation"))
    return data


@register.filter
def shown_name(user) -> str:
    from paperwire.community.models import display_name

    return display_name(user)
