import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from paperwire.papers.models import Paper
from paperwire.papers.records import PaperRecord
from paperwire.search.lexical import fts5_match, lexical_search, query_terms
from paperwire.search.query import search

MALFORMED = [
    '"', '""', '"speculative decoding', "(", "())(", "speculative AND", "OR OR OR",
    "NEAR(speculative decoding, 2)", "NEAR/3", "decod*", "*", "-", "title:speculative",
    "^decoding", "a + b - c", "NOT", "'; DROP TABLE papers_paper; --", "%", "_", "\\",
    "🚀🔥", "speculative 🚀 decoding", "推测解码", "مرحبا بالعالم", "Ünïcödé naïve",
    "\x00", "\t\n", "AND (OR) NEAR \"*\"", "x" * 10_000, "speculative decoding " * 600,
]


def _record(arxiv_id: str, title: str, abstract: str) -> PaperRecord:
    return PaperRecord.build(arxiv_id=arxiv_id, title=title, abstract=abstract,
                             authors=["Ada Lovelace"], published_at="2024-01-02T00:00:00")


def _ids(hits) -> list[str]:
    by_pk = dict(Paper.objects.values_list("pk", "arxiv_id"))
    return [by_pk[pk] for pk, _ in hits]


def test_it_quotes_every_term():
    assert query_terms('"Speculative" AND (decoding) NEAR* the 🚀') == [
        "speculative", "decoding"]
    assert fts5_match(["speculative", "decoding"]) == '"speculative" OR "decoding"'


def test_it_finds_papers_by_title_words(papers):
    hits = _ids(lexical_search("speculative decoding", 5))
    assert hits[0] in {"2403.09919", "2402.13720"}  # both have both words in the title


def test_it_stems_words(papers):
    assert "2402.13720" in _ids(lexical_search("decoders speculate", 20))


@pytest.mark.django_db
def test_it_ranks_a_title_match_above_an_abstract_match():
    Paper.objects.upsert_records([
        _record("2401.00001", "Graph rewiring", "We study pipelines for quokka sightings."),
        _record("2401.00002", "Quokka sightings", "We study pipelines for graph rewiring."),
    ])
    assert _ids(lexical_search("quokka", 5)) == ["2401.00002", "2401.00001"]


@pytest.mark.django_db
def test_it_stays_in_sync_after_an_upsert_changes_a_paper():
    Paper.objects.upsert_records([_record("2401.00003", "Wombat burrows", "Soil.")])
    assert _ids(lexical_search("wombat", 5)) == ["2401.00003"]

    counts = Paper.objects.upsert_records([_record("2401.00003", "Platypus nests", "Rivers.")])

    assert counts.updated == 1
    assert _ids(lexical_search("wombat", 5)) == []
    assert _ids(lexical_search("platypus rivers", 5)) == ["2401.00003"]


@pytest.mark.django_db
def test_it_forgets_deleted_papers():
    Paper.objects.upsert_records([_record("2401.00004", "Echidna spines", "Spines.")])
    Paper.objects.filter(arxiv_id="2401.00004").delete()
    assert lexical_search("echidna", 5) == []


@pytest.mark.django_db
def test_it_ignores_diacritics():
    if connection.vendor != "sqlite":
        pytest.skip("diacritics are folded by FTS5's unicode61 tokenizer (SQLite only)")
    Paper.objects.upsert_records([_record("2401.00005", "Naïve Bayes for Señor Müller", "")])
    assert _ids(lexical_search("naive senor muller", 5)) == ["2401.00005"]


@pytest.mark.parametrize("query", MALFORMED, ids=range(len(MALFORMED)))
def test_it_never_errors_on_malformed_queries(papers, query):
    assert isinstance(lexical_search(query, 10), list)
    assert isinstance(search(query, mode="lexical").hits, list)
    assert isinstance(search(query).hits, list)


_text = st.text(
    alphabet=st.one_of(st.characters(codec="utf-8", exclude_categories=["Cs"]),
                       st.sampled_from('"()*:^-+ ')),
    max_size=200,
)
_words = st.one_of(_text, st.sampled_from(["AND", "OR", "NOT", "NEAR", "NEAR/2", "speculative",
                                           "decoding", "*", '"', "(", ")"]))
_queries = st.one_of(_text, st.lists(_words, max_size=12).map(" ".join))


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=_queries)
def test_it_never_errors_on_any_text_lexically(papers, query):
    hits = lexical_search(query, 10)
    assert all(isinstance(pk, int) for pk, _ in hits)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=_queries)
def test_it_never_errors_on_any_text_in_hybrid_search(papers, query):
    results = search(query, per_page=5)
    assert len(results.hits) <= 5


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "sqlite", reason="FTS5 query pruning")
def test_it_keeps_the_rarest_words_within_a_postings_budget(monkeypatch):
    from paperwire.search import lexical

    # "wombat" in 1 paper, "burrow" in 3, "soil" in 6: a budget of 4 papers keeps the
    # two rarest words only; the third would take the query past it.
    Paper.objects.upsert_records(
        [_record(f"2401.1000{n}", f"Paper {n}", " ".join(
            ["soil"] + ["burrow"] * (n < 3) + ["wombat"] * (n < 1))) for n in range(6)])
    monkeypatch.setattr(lexical, "PRUNE_ABOVE", 0)
    monkeypatch.setattr(lexical, "COMMON", 1.0)
    monkeypatch.setattr(lexical, "POSTINGS_BUDGET", 4)
    lexical._df_cache.clear()
    lexical.index_pending()
    with connection.cursor() as cursor:
        match, _ = lexical._sqlite_match(cursor, ["soil", "burrow", "wombat"])
    assert match == '"wombat" OR "burrow"'
    assert _ids(lexical_search("soil burrow wombat", 5))[0] == "2401.10000"
