"""The GET parameters of the lists and the search page, validated."""

from __future__ import annotations

from django import forms

from paperwire.lib.periods import InvalidPeriod, period_from_params

MAX_PAGE = 1_000


class ListForm(forms.Form):
    """`date` | `week` | `month`, `sort` and `page` of a daily list."""

    date = forms.CharField(required=False, max_length=40)
    week = forms.CharField(required=False, max_length=40)
    month = forms.CharField(required=False, max_length=40)
    sort = forms.ChoiceField(required=False, choices=[
        ("upvotes", "Most upvoted"), ("time", "Newest")])
    page = forms.IntegerField(required=False, min_value=1, max_value=MAX_PAGE)

    def clean(self) -> dict:
        data = super().clean()
        try:
            data["period"] = period_from_params(
                {k: data.get(k) for k in ("date", "week", "month")})
        except InvalidPeriod as e:
            raise forms.ValidationError(str(e)) from None
        data["sort"] = data.get("sort") or "upvotes"
        data["page"] = data.get("page") or 1
        return data


class PageForm(forms.Form):
    page = forms.IntegerField(required=False, min_value=1, max_value=MAX_PAGE)


HAS_CODE = {"": None, "yes": True, "no": False}
# Controls whose change re-runs the search at once (with htmx; a button does it without).
_AUTOSUBMIT = forms.Select(attrs={"class": "autosubmit"})
_DATE = forms.DateInput(attrs={"type": "date", "class": "autosubmit"})


class SearchForm(forms.Form):
    """Every state of the search page; all of it lives in the URL."""

    q = forms.CharField(required=False, label="Search papers", strip=True)
    date_from = forms.DateField(required=False, label="Published from",
                                widget=_DATE)
    date_to = forms.DateField(required=False, label="Published until",
                              widget=_DATE)
    category = forms.CharField(required=False, max_length=40, label="Category",
                               widget=forms.TextInput(attrs={"placeholder": "cs.CL"}))
    author = forms.CharField(required=False, max_length=300, label="Author",
                             widget=forms.TextInput(attrs={"placeholder": "Full name"}))
    organisation = forms.CharField(required=False, max_length=200, label="Organisation")
    keyword = forms.CharField(required=False, max_length=60, label="Keyword")
    has_code = forms.ChoiceField(required=False, label="Code", choices=[
        ("", "Any"), ("yes", "With code"), ("no", "Without code")], widget=_AUTOSUBMIT)
    sort = forms.ChoiceField(required=False, label="Sort by", choices=[
        ("relevance", "Relevance"), ("date", "Newest"), ("upvotes", "Most upvoted")],
        widget=_AUTOSUBMIT)
    page = forms.IntegerField(required=False, min_value=1, max_value=50,
                              widget=forms.HiddenInput)

    FILTERS = ("date_from", "date_to", "category", "author", "organisation", "keyword", "has_code")

    def clean_q(self) -> str:
        # Longer input than this only costs time; the search reads the start of it.
        return self.cleaned_data["q"][:10_000]

    def clean(self) -> dict:
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            raise forms.ValidationError("The start date is after the end date.")
        data["sort"] = data.get("sort") or "relevance"
        data["page"] = data.get("page") or 1
        return data

    def filters(self):
        from paperwire.search.query import SearchFilters

        data = self.cleaned_data
        return SearchFilters(
            date_from=data.get("date_from"), date_to=data.get("date_to"),
            category=data.get("category") or None, author=data.get("author") or None,
            organisation=data.get("organisation") or None,
            keyword=data.get("keyword") or None,
            has_code=HAS_CODE[data.get("has_code") or ""])

    def has_filters(self) -> bool:
        return any(self.cleaned_data.get(name) for name in self.FILTERS)
