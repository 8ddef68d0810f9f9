"""arXiv's HTML papers (LaTeXML output) as Markdown, for `/papers/<id>.md`.

A small converter over the standard library's HTML parser, for the tags LaTeXML
writes: the `<article class="ltx_document">` only (an answer without one is not a
paper), headings one level down (the page's own title and abstract come first, so
the paper's title, authors and abstract are dropped), paragraphs, lists, table rows
as `a | b` lines, figure captions, and math as its `alttext` between `$…$` (`$$…$$`
for display math). Scripts, styles, navigation, images and buttons are dropped.

Everything in a paper is untrusted: text has HTML's special characters as entities
and square brackets escaped, so a Markdown renderer shows it as text and never builds
a tag or a link from it; math keeps its brackets (LaTeX needs them) but never a `](`.
The output is cut at `max_chars`, between blocks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser

MAX_CHARS = 400_000
VOID = frozenset(("area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
                  "param", "source", "track", "wbr"))
DROPPED_TAGS = frozenset(("script", "style", "nav", "header", "footer", "button", "noscript",
                          "svg", "canvas", "iframe", "object", "form", "select", "textarea",
                          "template", "img", "picture", "video", "audio"))
DROPPED_CLASSES = frozenset(("ltx_page_header", "ltx_page_footer", "ltx_page_navbar",
                             "ltx_title_document", "ltx_authors", "ltx_abstract", "ltx_dates",
                             "ltx_tag_item", "ltx_tag_itemize", "ltx_note_mark"))
BLOCKS = frozenset(("p", "li", "figcaption", "blockquote", "tr", "caption", "dt", "dd", "pre",
                    "h1", "h2", "h3", "h4", "h5", "h6", "table", "figure", "section", "div",
                    "ul", "ol", "dl"))
_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "[": "\\[", "]": "\\]"})
_MATH_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "$": "\\$"})
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Converted:
    markdown: str
    truncated: bool


def md_escape(text: str) -> str:
    return text.translate(_ESCAPES)


def _math(alttext: str) -> str:
    text = " ".join(alttext.split()).translate(_MATH_ESCAPES)
    return text.replace("](", "] (")


class _Converter(HTMLParser):
    def __init__(self, max_chars: int) -> None:
        super().__init__(convert_charrefs=True)
        self.max_chars = max_chars
        self.blocks: list[str] = []
        self.size = 0
        self.truncated = False
        self.found_article = False
        self._inline: list[str] = []
        self._prefix = ""
        self._stack: list[tuple[str, bool, bool]] = []  # (tag, skipped, opened article)
        self._skip = 0
        self._in_article = False
        self._lists: list[list] = []  # [kind, next number]

    # -- blocks ------------------------------------------------------------------------

    def _flush(self) -> None:
        text = _SPACE.sub(" ", "".join(self._inline)).strip()
        self._inline = []
        if not text or self.truncated:
            return
        block = self._prefix + text
        self._prefix = "  " * len(self._lists) if self._lists else ""
        if self.size + len(block) + 2 > self.max_chars:
            self.truncated = True
            return
        self.blocks.append(block)
        self.size += len(block) + 2

    def _open_block(self, tag: str) -> None:
        self._flush()
        if tag[0] == "h" and tag[1:].isdigit():
            self._prefix = "#" * min(6, int(tag[1:]) + 1) + " "
        elif tag == "li":
            indent = "  " * max(0, len(self._lists) - 1)
            if self._lists and self._lists[-1][0] == "ol":
                self._prefix = f"{indent}{self._lists[-1][1]}. "
                self._lists[-1][1] += 1
            else:
                self._prefix = f"{indent}- "
        elif tag == "blockquote":
            self._prefix = "> "
        elif tag in ("ul", "ol"):
            self._lists.append([tag, 1])

    def _close_block(self, tag: str) -> None:
        self._flush()
        if tag in ("ul", "ol") and self._lists:
            self._lists.pop()
        if not self._lists:
            self._prefix = ""

    # -- the parser's events -----------------------------------------------------------

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        classes = set((attributes.get("class") or "").split())
        void = tag in VOID
        if self._skip:
            if not void:
                self._stack.append((tag, True, False))
                self._skip += 1
            return
        if not self._in_article:
            opens = tag == "article" and "ltx_document" in classes
            if opens:
                self._in_article = self.found_article = True
            if not void:
                self._stack.append((tag, False, opens))
            return
        if tag == "math":
            alttext = attributes.get("alttext") or ""
            if alttext.strip():
                if attributes.get("display") == "block":
                    self._flush()
                    self._inline.append(f"$${_math(alttext)}$$")
                    self._flush()
                else:
                    self._inline.append(f" ${_math(alttext)}$ ")
            self._stack.append((tag, True, False))
            self._skip += 1
            return
        if tag in DROPPED_TAGS or classes & DROPPED_CLASSES:
            if not void:
                self._stack.append((tag, True, False))
                self._skip += 1
            return
        if tag == "br":
            self._inline.append(" ")
            return
        if tag in ("td", "th") and self._inline:
            self._inline.append(" | ")
        if tag in BLOCKS:
            self._open_block(tag)
        if not void:
            self._stack.append((tag, False, False))

    def handle_endtag(self, tag: str) -> None:
        if not any(t == tag for t, _, _ in self._stack):
            return  # a stray end tag
        while self._stack:
            open_tag, skipped, opened_article = self._stack.pop()
            if skipped:
                self._skip -= 1
            elif self._in_article and open_tag in BLOCKS:
                self._close_block(open_tag)
            if opened_article:
                self._flush()
                self._in_article = False
            if open_tag == tag:
                break

    def handle_data(self, data: str) -> None:
        if self._in_article and not self._skip and not self.truncated:
            self._inline.append(md_escape(data))

    def close(self) -> None:
        super().close()
        self._flush()


def html_to_markdown(html: str, max_chars: int = MAX_CHARS) -> Converted | None:
    """The paper in `html` as Markdown; None when it holds no LaTeXML article."""
    converter = _Converter(max_chars)
    converter.feed(html)
    converter.close()
    if not converter.found_article:
        return None
    return Converted("\n\n".join(converter.blocks), converter.truncated)
