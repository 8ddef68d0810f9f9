"""Forms of the reader's pages: follow something, pick seed papers, choose the days."""

from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError

from paperwire.lib.arxiv_ids import InvalidArxivId, parse_arxiv_id
from paperwire.reader.models import FOLLOW_KINDS, MAX_FOLLOW_VALUE, MAX_SEEDS
from paperwire.reader.ranking import DAY_CHOICES, DEFAULT_DAYS

MAX_SEED_TEXT = 20_000
MAX_BIB_BYTES = 1_000_000
# An arXiv id as BibTeX and pasted lists write it: `eprint = {2401.01234}`, arXiv URLs,
# `arXiv:2401.01234v2`, old-style `hep-th/9901001`.
_ID_IN_TEXT = re.compile(
    r"(?:arxiv\.org/(?:abs|pdf)/)?(\d{4}\.\d{4,5}(?:v\d+)?|[a-z][a-z.\-]*/\d{7}(?:v\d+)?)",
    re.IGNORECASE | re.ASCII)


class FollowForm(forms.Form):
    kind = forms.ChoiceField(choices=FOLLOW_KINDS)
    value = forms.CharField(max_length=MAX_FOLLOW_VALUE)
    next = forms.CharField(required=False, max_length=2_000)

    def clean_value(self) -> str:
        value = self.cleaned_data["value"]
        if "\x00" in value:
            raise ValidationError("the value holds a NUL character")
        return value


class DaysForm(forms.Form):
    days = forms.TypedChoiceField(choices=[(d, d) for d in DAY_CHOICES], coerce=int,
                                  required=False, empty_value=DEFAULT_DAYS)


def ids_in_text(text: str) -> list[str]:
    """The arXiv ids a pasted list or a BibTeX file names, in order, each once."""
    found: list[str] = []
    for match in _ID_IN_TEXT.finditer(text):
        try:
            arxiv_id = parse_arxiv_id(match.group(1)).id
        except InvalidArxivId:
            continue
        if arxiv_id not in found:
            found.append(arxiv_id)
        if len(found) >= MAX_SEEDS:
            break
    return found


class SeedForm(forms.Form):
    ids = forms.CharField(required=False, max_length=MAX_SEED_TEXT, widget=forms.Textarea,
                          label="arXiv ids or links")
    bib = forms.FileField(required=False, label="or a BibTeX file (.bib)")

    def clean(self) -> dict:
        data = super().clean()
        text = data.get("ids") or ""
        upload = data.get("bib")
        if upload is not None:
            if upload.size > MAX_BIB_BYTES:
                raise ValidationError("the BibTeX file is larger than 1 MB")
            text += "\n" + upload.read().decode("utf-8", errors="replace")
        if "\x00" in text:
            raise ValidationError("the text holds a NUL character")
        data["arxiv_ids"] = ids_in_text(text)
        if not data["arxiv_ids"]:
            raise ValidationError("no arXiv id found: paste ids like 2401.10241, or links")
        return data
