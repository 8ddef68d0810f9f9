"""Only real matches are results, and the count says how many: on all 753 real papers."""

from django.test import override_settings

from paperwire.search.query import search

INTERPRETABILITY = {
    "2402.01761",  # Rethinking Interpretability in the Era of Large Language Models
    "2404.03118",  # LVLM-Intrepret: An Interpretability Tool for Large Vision-Language Models
    "2401.06102",  # Patchscopes: ... Inspecting Hidden Representations of Language Models
}


def test_it_finds_nothing_for_a_word_that_matches_nothing(all_papers):
    for mode in ("hybrid", "semantic", "lexical"):
        results = search("zzzqqq", mode=mode)
        assert (results.total, results.hits) == (0, []), mode


def test_it_counts_only_the_papers_about_mechanistic_interpretability(all_papers):
    results = search("mechanistic interpretability", per_page=100)
    found = {h.paper.arxiv_id for h in results.hits}
    assert found >= INTERPRETABILITY
    assert "2402.12219" in found  # Reformatted Alignment: holds both words
    assert results.total == len(results.hits) <= 15
    # A word of the query in passing ("interpretable", "interpret") is not a match.
    assert "2401.01808" not in found  # aMUSEd: An Open MUSE Reproduction
    assert "2402.17412" not in found  # DiffuseKronA: ... Personalized Diffusion Models


def test_it_counts_every_candidate_with_the_floors_off(all_papers):
    # The count before real matches: the retrievers' depth, whatever the query.
    with override_settings(SEARCH_MIN_SIMILARITY=-1.0, SEARCH_MIN_LEXICAL=0.0):
        assert search("zzzqqq").total > 20


def test_it_shows_the_count_of_real_matches_on_the_page(client, all_papers):
    page = client.get("/search", {"q": "zzzqqq"}).content.decode()
    assert "No papers match" in page
    page = client.get("/search", {"q": "mechanistic interpretability"}).content.decode()
    total = search("mechanistic interpretability").total
    assert f"{total} results for" in page and total <= 15
    answer = client.get("/api/papers/search", {"q": "zzzqqq"})
    assert answer.status_code == 200 and answer.json() == []
