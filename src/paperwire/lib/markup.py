"""A small Markdown subset for comments, rendered with markdown-it-py and cleaned by nh3.

Readers write paragraphs, *emphasis*, **strong**, `code`, fenced code, links, lists and
quotes. Raw HTML is never passed through: markdown-it escapes it (html=False), and nh3
then keeps only the tags and attributes below, so even a bug in the renderer cannot
let a script, an event handler or a `javascript:` link through.
"""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt

ALLOWED_TAGS = {"p", "br", "em", "strong", "code", "pre", "a", "ul", "ol", "li", "blockquote"}
ALLOWED_ATTRIBUTES = {"a": {"href"}}
URL_SCHEMES = {"http", "https", "mailto"}

_md = (
    MarkdownIt("zero", {"html": False, "linkify": False, "breaks": True})
    .enable(["emphasis", "backticks", "fence", "code", "link", "list", "blockquote",
             "newline", "escape", "autolink"])
)


def render_markdown(text: str) -> str:
    """Safe HTML for a comment body."""
    html = _md.render(text)
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="nofollow noopener noreferrer ugc",
        strip_comments=True,
    )
