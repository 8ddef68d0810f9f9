"""What the small per-card controls (upvote, save, "not interested", keywords) share.

Those controls are built with format_html rather than included templates: a page of 20
cards rendered each through four inclusion tags spent about 0.9 ms a card in Django's
template machinery (context copies, nested includes), more than the rest of the card
together (measured on the For-you page, `paperwire bench recommend`). format_html
escapes every value as a template does.
"""

from __future__ import annotations

from django.template.defaulttags import CsrfTokenNode
from django.utils.safestring import SafeString


def csrf_field(token) -> SafeString:
    """The hidden input `{% csrf_token %}` writes for `token`, by the tag's own node."""
    return SafeString(CsrfTokenNode().render({"csrf_token": token}))
