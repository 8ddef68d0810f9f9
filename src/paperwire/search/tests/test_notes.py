"""Keywords and extractive summaries, with the real embedding model."""

import json

import pytest

from paperwire.lib import keyphrases
from paperwire.search.models import PaperNotes
from paperwire.search.notes import note_papers, papers_to_note
from paperwire.search.query import SearchFilters, search
from paperwire.search.tasks import embed_papers_task


def test_it_notes_keywords_and_the_most_central_sentence(papers):
    medusa = papers["2401.10774"]
    assert note_papers([medusa.pk]) == 1
    notes = PaperNotes.objects.get(paper=medusa)
    assert 1 <= len(notes.keywords) <= 5
    abstract = " ".join(medusa.abstract.split()).lower()
    assert all(k.lower() in abstract for k in notes.keywords)  # phrases of the abstract
    assert any("decoding" in k.lower() or "heads" in k.lower() for k in notes.keywords)
    assert notes.summary in keyphrases.sentences(medusa.abstract)  # extracted, not written
    assert notes.keyword_index == "|" + "|".join(k.lower() for k in notes.keywords) + "|"


def test_it_notes_a_paper_once_until_its_text_changes(papers):
    paper = papers["2402.13720"]
    assert note_papers([paper.pk]) == 1
    assert note_papers([paper.pk]) == 0
    paper.abstract = "Speculative decoding drafts tokens. A verifier then accepts them."
    paper.save()
    # The embed task embeds the new text, then notes it again.
    embed_papers_task.call([paper.pk])
    assert PaperNotes.objects.get(paper=paper).summary in paper.abstract
    assert not papers_to_note().filter(pk=paper.pk).exists()


def test_a_paper_without_an_abstract_gets_empty_notes(papers):
    paper = papers["2402.13720"]
    paper.abstract = ""
    paper.save()
    assert note_papers([paper.pk]) == 1
    notes = PaperNotes.objects.get(paper=paper)
    assert (notes.keywords, notes.summary) == ([], "")


def test_search_filters_by_keyword_in_any_case(papers):
    medusa = papers["2401.10774"]
    note_papers([medusa.pk, papers["2402.13720"].pk])
    keyword = PaperNotes.objects.get(paper=medusa).keywords[0]
    found = search("", SearchFilters(keyword=keyword.upper()))
    assert medusa in [h.paper for h in found.hits]
    assert search("", SearchFilters(keyword="no such keyword")).total == 0
    # A bar cannot reach across two stored keywords.
    assert search("", SearchFilters(keyword="|")).total == 0


@pytest.mark.django_db
def test_stored_keywords_of_the_wrong_shape_read_as_none():
    assert PaperNotes(keywords={"a": 1}).keyword_list == []
    assert PaperNotes(keywords=["ok", 3, None, ""]).keyword_list == ["ok"]
    json.dumps(PaperNotes(keywords=["x"]).keyword_list)


def test_the_cli_notes_stored_papers_a_bounded_number_at_a_time(cli, shared_data, tmp_path):
    from paperwire.papers.models import Paper
    from paperwire.search.testing import subset

    path = tmp_path / "papers.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in subset(shared_data)[:3]))
    cli("ingest", "jsonl", str(path), "--quiet", check=True)
    assert "noted 2 papers" in cli("keywords", "--limit", "2", check=True).stderr
    assert PaperNotes.objects.count() == 2
    assert "noted 1 paper\n" in cli("keywords", check=True).stderr  # resumes
    assert "noted 0 papers" in cli("keywords", check=True).stderr
    assert {n.paper_id for n in PaperNotes.objects.all()} == set(
        Paper.objects.values_list("pk", flat=True))
