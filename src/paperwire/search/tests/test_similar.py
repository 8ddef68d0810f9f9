from paperwire.search.query import similar_papers


def test_it_excludes_the_paper_itself(papers):
    paper = papers["2402.13720"]
    similar = similar_papers(paper, limit=5)
    assert len(similar) == 5
    assert paper not in similar


def test_it_finds_papers_on_the_same_topic(papers):
    similar = similar_papers(papers["2402.13720"], limit=3)
    assert {p.arxiv_id for p in similar} & {"2403.09919", "2401.15077", "2402.11131",
                                           "2401.10774"}


def test_it_works_for_a_paper_not_yet_embedded(papers):
    paper = papers["2401.15077"]
    paper.embedding.delete()
    assert paper not in similar_papers(paper, limit=3)
