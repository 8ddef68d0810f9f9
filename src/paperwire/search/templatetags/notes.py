"""Keywords and the extractive summary (search.PaperNotes) in templates."""

from __future__ import annotations

from urllib.parse import quote

from django import template
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from paperwire.search.models import PaperNotes

register = template.Library()


@register.simple_tag
def notes_for(papers) -> dict[int, PaperNotes]:
    """One query for the notes of a list of cards (papers, or search hits with a
    .paper): `{% notes_for papers as notes %}`."""
    return PaperNotes.objects.by_paper(getattr(item, "paper", item).pk for item in papers or ())


@register.simple_tag
def card_keywords(paper, notes=None) -> SafeString:
    """A card's keyword links; `notes` from notes_for (or the paper's own PaperNotes),
    else the paper's are read. Built with format_html (see lib/widgets)."""
    if isinstance(notes, PaperNotes):
        note = notes
    elif isinstance(notes, dict):
        note = notes.get(paper.pk)
    else:
        note = PaperNotes.objects.filter(paper_id=paper.pk).first()
    keywords = note.keyword_list[:5] if note else []
    if not keywords:
        return SafeString("")
    search = reverse("pw-search")
    return format_html('<ul class="keywords" aria-label="Keywords">{}</ul>', format_html_join(
        "", '<li><a href="{}?keyword={}">{}</a></li>',
        ((search, quote(keyword, safe="/"), keyword) for keyword in keywords)))


@register.simple_tag
def paper_notes(paper) -> PaperNotes | None:
    return PaperNotes.objects.filter(paper_id=paper.pk).first()
