"""Validation of what a reader sends to their library."""

from __future__ import annotations

from django import forms

from paperwire.lib.citations import MAX_IMPORT_BYTES
from paperwire.library.models import MAX_NAME, Collection, LibraryError, clean_name


class CollectionForm(forms.Form):
    name = forms.CharField(max_length=MAX_NAME)
    visibility = forms.ChoiceField(choices=Collection.VISIBILITIES,
                                   initial=Collection.PRIVATE)

    def clean_name(self) -> str:
        try:
            return clean_name(self.cleaned_data["name"])
        except LibraryError as e:
            raise forms.ValidationError(str(e)) from None


class MemberForm(forms.Form):
    who = forms.CharField(label="Email or username of an account", max_length=254)


class ImportForm(forms.Form):
    FORMATS = [("auto", "Guess from the text"), ("bibtex", "BibTeX"), ("ris", "RIS"),
               ("ids", "arXiv ids or URLs")]

    text = forms.CharField(label="BibTeX, RIS, or arXiv ids and URLs (one a line)",
                           widget=forms.Textarea(attrs={"rows": 10}), required=False,
                           max_length=MAX_IMPORT_BYTES, strip=False)
    file = forms.FileField(label="Or a file", required=False)
    format = forms.ChoiceField(choices=FORMATS, initial="auto")

    def clean(self):
        data = super().clean()
        upload = data.get("file")
        if upload is not None:
            if upload.size > MAX_IMPORT_BYTES:
                raise forms.ValidationError(
                    f"The file is larger than {MAX_IMPORT_BYTES // 1_000_000} MB.")
            data["text"] = upload.read(MAX_IMPORT_BYTES + 1).decode("utf-8", "replace")
        if not (data.get("text") or "").strip():
            raise forms.ValidationError("Paste the entries or choose a file.")
        return data
