"""What the small per-card controls (upvote, save, "not interested", keywords) share.

Those controls are built with format_html rather than included templates: a page of 20
cards rendered each through four inclusion tags spent about 0.9 ms a card in Django's
template machinery (context copies, nested includes), more than the rest of the card
together (measured on the For-you page, `paperwire bench recommend`). format_html
escapes every value as a template does.
"""

from __future__ import annotations

from django.utils.html import format_html
from django.utils.safestring import SafeString


def csrf_field(token) -> SafeString:
    """The hidden input `{% csrf_token %}` writes; nothing without a token (as it)."""
    if not token or str(token) == "NOTPROVIDED":
        return SafeString("")
    return format_html('<input type="hidden" name="csrfmiddlewaretoken" value="{}">', token)


def plural(count: int) -> str:
    """"s" unless `count` is 1, as the `pluralize` filter."""
    return "" if count == 1 else "s"
