"""The Save control cards and paper pages include (`library/_save.html`), and the
Highwire `citation_*` tags of a paper page.

A page of cards asks once for the reader's "Saved" papers (kept on the request), not per
card; nothing is asked for an anonymous reader.
"""

from __future__ import annotations

from django import template

from paperwire.library.models import Collection

register = template.Library()


def remember_saved(request, paper_ids: set[int]) -> None:
    """The reader's "Saved" papers, read by the view already: the buttons then ask
    nothing."""
    request._pw_default_saved = set(paper_ids)


@register.inclusion_tag("library/_save_control.html", takes_context=True)
def save_button(context, paper) -> dict:
    user = context.get("user")
    request = context.get("request")
    saved = False
    if user is not None and user.is_authenticated:
        ids = getattr(request, "_pw_default_saved", None) if request is not None else None
        if ids is None:
            ids = Collection.objects.default_paper_ids(user)
            if request is not None:
                request._pw_default_saved = ids
        saved = paper.pk in ids
    return {"paper": paper, "saved": saved, "user": user, "request": request,
            "next": request.get_full_path() if request is not None else "",
            "csrf_token": context.get("csrf_token")}
