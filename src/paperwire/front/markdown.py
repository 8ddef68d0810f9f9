"""A paper as Markdown (`/papers/<id>.md`).

Titles, abstracts and names are untrusted: HTML's special characters become entities
and Markdown's are backslash-escaped (inline ones anywhere, block markers at the start
of a line), so a Markdown renderer shows them as text and never builds a tag, a link,
emphasis, code or a list out of them.
"""

from __future__ import annotations

import re

from django.core.exceptions import ObjectDoesNotExist

from paperwire.papers.models import Paper

_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;",
                          **{c: "\\" + c for c in "\\`*_[]~|#"}})
# What starts a list, a setext underline or a thematic break at the head of a line.
_LINE_START = re.compile(r"^(?:([-+=])|(\d+)([.)]))", re.MULTILINE)
# Indentation, which would make a code block.
_INDENT = re.compile(r"^[ \t]+", re.MULTILINE)


def md_text(text: str) -> str:
    text = _INDENT.sub("", text.translate(_ESCAPES))
    return _LINE_START.sub(
        lambda m: "\\" + m[1] if m[1] else m[2] + "\\" + m[3], text)


def md_url(url: str) -> str:
    """An autolink; characters that could end it early are percent-encoded."""
    return "<" + url.replace("<", "%3C").replace(">", "%3E").replace(" ", "%20") + ">"


def paper_markdown(paper: Paper, page_url: str) -> str:
    lines = [f"# {md_text(' '.join(paper.title.split()))}", ""]
    facts = [("arXiv", md_url(paper.abs_url)), ("PDF", md_url(paper.pdf_url)),
             ("Page", md_url(page_url))]
    if paper.author_names:
        facts.append(("Authors", md_text(", ".join(paper.author_names))))
    if paper.organisation_id:
        facts.append(("Organisation", md_text(paper.organisation.name)))
    if paper.published_at:
        facts.append(("Published", paper.published_at.date().isoformat()))
    if paper.featured_on:
        facts.append(("Featured", paper.featured_on.isoformat()))
    if paper.category_list:
        facts.append(("Categories", md_text(", ".join(paper.category_list))))
    if paper.code_link:
        facts.append(("Code", md_url(paper.code_link)))
    if paper.project_link:
        facts.append(("Project page", md_url(paper.project_link)))
    facts.append(("Upvotes", str(paper.upvotes)))
    lines += [f"- **{name}:** {value}" for name, value in facts]
    lines += ["", "## Abstract", ""]
    for paragraph in paper.abstract_paragraphs:
        lines += [md_text(paragraph), ""]
    full_text = _full_text(paper)
    if full_text is not None:
        lines += ["## Full text", "",
                  "*From arXiv's HTML version of the paper, converted to Markdown.*", "",
                  full_text.markdown, ""]
        if full_text.truncated:
            lines += [f"*The full text is cut here; read the rest at "
                      f"{md_url(paper.abs_url)}.*", ""]
    lines += ["## BibTeX", "", "```bibtex", paper.bibtex().replace("```", "'''"), "```", ""]
    return "\n".join(lines)


def _full_text(paper: Paper):
    """The paper's text from arXiv's HTML (the enrich app), or None when none was read."""
    try:
        full_text = paper.full_text
    except ObjectDoesNotExist:
        return None
    return full_text if full_text.found and full_text.markdown else None
