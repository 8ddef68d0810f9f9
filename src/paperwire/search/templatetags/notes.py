"""Keywords and the extractive summary (search.PaperNotes) in templates."""

from __future__ import annotations

from django import template

from paperwire.search.models import PaperNotes

register = template.Library()


@register.simple_tag
def notes_for(papers) -> dict[int, PaperNotes]:
    """One query for the notes of a list of cards (papers, or search hits with a
    .paper): `{% notes_for papers as notes %}`."""
    return PaperNotes.objects.by_paper(getattr(item, "paper", item).pk for item in papers or ())


@register.inclusion_tag("search/_card_keywords.html")
def card_keywords(paper, notes=None) -> dict:
    """A card's keyword links; `notes` from notes_for (or the paper's own PaperNotes),
    else the paper's are read."""
    if isinstance(notes, PaperNotes):
        note = notes
    elif isinstance(notes, dict):
        note = notes.get(paper.pk)
    else:
        note = PaperNotes.objects.filter(paper_id=paper.pk).first()
    return {"keywords": note.keyword_list[:5] if note else []}


@register.simple_tag
def paper_notes(paper) -> PaperNotes | None:
    return PaperNotes.objects.filter(paper_id=paper.pk).first()
