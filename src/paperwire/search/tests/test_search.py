from datetime import date

import numpy as np
from django.utils.html import strip_tags

from paperwire.papers.models import Organisation, Paper
from paperwire.search.lexical import lexical_search
from paperwire.search.query import SearchFilters, retrieve, search
from paperwire.search.vectors import vector_index

SPECULATIVE = {"2401.10774", "2401.13660", "2401.15077", "2402.08644", "2402.11131",
               "2402.13720", "2403.09919"}


def _ids(results) -> list[str]:
    return [h.paper.arxiv_id for h in results.hits]


def test_it_puts_speculative_decoding_papers_first(papers):
    top = _ids(search("speculative decoding", per_page=5))
    assert len(top) == 5
    assert set(top) <= SPECULATIVE


def test_it_finds_a_paraphrase_without_title_words(papers):
    # EAGLE's title: "Speculative Sampling Requires Rethinking Feature Uncertainty".
    top = _ids(search("draft model extrapolates second-to-top-layer hidden states to "
                      "accelerate LLM generation", per_page=3))
    assert "2401.15077" in top


def test_it_marks_query_words_in_safe_snippets(papers):
    paper = papers["2402.13720"]
    paper.abstract = "Speculative <script>alert(1)</script> decoding " + paper.abstract
    paper.save()
    hit = next(h for h in search("speculative decoding").hits if h.paper.pk == paper.pk)
    assert "<script>" not in hit.snippet_html
    assert "&lt;script&gt;" in hit.snippet_html
    assert "<mark>Speculative</mark>" in hit.snippet_html
    assert "<mark>Decoding</mark>" in hit.title_html
    assert strip_tags(hit.title_html) == paper.title.replace("\n", " ").replace("  ", " ")


def test_it_filters_by_date(papers):
    filters = SearchFilters(date_from=date(2024, 2, 1), date_to=date(2024, 2, 29))
    hits = search("speculative decoding", filters).hits
    assert {h.paper.arxiv_id for h in hits} >= {"2402.11131", "2402.13720", "2402.08644"}
    assert all(h.paper.published_at.date().month == 2 for h in hits)


def test_it_filters_by_category_author_organisation_and_code(papers):
    org = Organisation.objects.create(name="Apple", slug="apple")
    Paper.objects.filter(arxiv_id="2403.09919").update(
        categories="cs.CL cs.LG", organisation=org, code_url="https://github.com/apple/ml")
    for filters in (SearchFilters(category="cs.LG"), SearchFilters(organisation="apple"),
                    SearchFilters(organisation="Apple", has_code=True),
                    SearchFilters(author=papers["2403.09919"].author_names[0].upper())):
        assert _ids(search("language models", filters)) == ["2403.09919"], filters
    assert "2403.09919" not in _ids(search("speculative", SearchFilters(has_code=False)))


def test_it_applies_filters_inside_both_retrievers(papers):
    # Only Tandem Transformers is allowed; a retriever that filtered after its top-1
    # cut would come back empty.
    target = papers["2402.08644"]
    filters = SearchFilters(author=target.author_names[-1])
    allowed_sql = filters.queryset().values("pk").query.sql_with_params()
    assert lexical_search("speculative decoding", 1, allowed_sql)[0][0] == target.pk
    allowed = np.array([target.pk])
    from paperwire.search.embeddings import embed_query

    assert vector_index().search(embed_query("speculative decoding"), 1, allowed)[0][0] == target.pk
    fused, _, _ = retrieve("speculative decoding", filters, depth=1)
    assert [pk for pk, _ in fused] == [target.pk]


def test_it_sorts_by_date_and_upvotes(papers):
    by_date = search("speculative decoding", sort="date").hits
    dates = [h.paper.published_at for h in by_date]
    assert dates == sorted(dates, reverse=True)
    by_votes = search("speculative decoding", sort="upvotes").hits
    votes = [h.paper.upvotes for h in by_votes]
    assert votes == sorted(votes, reverse=True)


def test_it_pages_without_repeating(papers):
    first = search("language model", per_page=5, page=1)
    second = search("language model", per_page=5, page=2)
    assert first.total == second.total > 10
    assert first.has_next and second.has_previous
    assert not set(_ids(first)) & set(_ids(second))


def test_it_leaves_out_hidden_papers(papers):
    Paper.objects.filter(arxiv_id="2403.09919").update(is_hidden=True)
    assert "2403.09919" not in _ids(search("speculative decoding", per_page=50))


def test_it_lists_filtered_papers_for_an_empty_query(papers):
    results = search("", SearchFilters(date_from=date(2024, 3, 1)), per_page=100)
    assert results.total == len(results.hits) > 0
    assert all(h.paper.published_at.date() >= date(2024, 3, 1) for h in results.hits)


def test_it_finds_nothing_for_stop_words_lexically(papers):
    assert search("the of and", mode="lexical").hits == []
