"""The Save control cards and paper pages include (`library/_save.html`), built with
format_html (see lib/widgets).

A page of cards asks once for the reader's "Saved" papers (kept on the request), not per
card; nothing is asked for an anonymous reader.
"""

from __future__ import annotations

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString

from paperwire.lib.widgets import csrf_field
from paperwire.library.models import Collection

register = template.Library()


def remember_saved(request, paper_ids: set[int]) -> None:
    """The reader's "Saved" papers, read by the view already: the buttons then ask
    nothing."""
    request._pw_default_saved = set(paper_ids)


@register.simple_tag(takes_context=True)
def save_button(context, paper) -> SafeString:
    """The Save form and the link to file the paper in a collection; signed out, a link
    to log in."""
    user = context.get("user")
    request = context.get("request")
    if user is None or not user.is_authenticated:
        return format_html(
            '<span class="save-control"><a class="save" href="{}?next={}" '
            'title="Log in to save">☆ Save</a></span>',
            reverse("pw-login"), reverse("pw-paper", args=[paper.arxiv_id]))
    ids = getattr(request, "_pw_default_saved", None) if request is not None else None
    if ids is None:
        ids = Collection.objects.default_paper_ids(user)
        if request is not None:
            request._pw_default_saved = ids
    form = save_form_html(paper, paper.pk in ids,
                          request.get_full_path() if request is not None else "",
                          context.get("csrf_token"))
    return format_html(
        '<span class="save-control">{} <a class="file-paper" href="{}" '
        'title="Put in a collection">Collections…</a></span>',
        form, reverse("pw-paper-collections", args=[paper.arxiv_id]))


def save_form_html(paper, saved: bool, next_url: str, csrf_token) -> SafeString:
    """The Save toggle: what save_button shows and the save view returns to htmx."""
    action = reverse("pw-save", args=[paper.arxiv_id])
    return format_html(
        '<form class="save{}" method="post" action="{}" hx-post="{}" hx-target="this" '
        'hx-swap="outerHTML">{}<input type="hidden" name="next" value="{}">'
        '<button type="submit" aria-pressed="{}" title="{}"><span aria-hidden="true">{}'
        '</span> {}</button></form>',
        " saved" if saved else "", action, action, csrf_field(csrf_token), next_url,
        "true" if saved else "false",
        "Remove from your Saved papers" if saved else "Save to your library",
        "★" if saved else "☆", "Saved" if saved else "Save")
