from datetime import UTC, date, datetime

import pytest

from paperwire.papers.models import Author, Organisation, Paper, PaperAuthor, UpsertCounts
from paperwire.papers.records import (
    MAX_ABSTRACT,
    MAX_AUTHOR_NAME,
    MAX_CATEGORIES,
    MAX_LICENSE,
    MAX_ORGANISATION,
    MAX_SHORT_FIELD,
    MAX_SUBMITTER,
    MAX_TITLE,
    MAX_URL,
    MAX_VERSION,
    PaperRecord,
)

pytestmark = pytest.mark.django_db


def authors_of(paper: Paper) -> list[str]:
    return list(PaperAuthor.objects.filter(paper=paper).order_by("position")
                .values_list("author__name", flat=True))


def test_it_stores_new_papers_with_their_authors():
    counts = Paper.objects.upsert_records([
        PaperRecord.build(arxiv_id="2401.10241v2", title="Zero Bubble Pipeline Parallelism",
                          abstract="Code: https://github.com/sail-sg/zero-bubble.",
                          authors=["Penghui Qi", "Xinyi Wan"], categories="cs.DC cs.LG",
                          published_at="2023-11-30T10:40:34Z", upvotes=19,
                          featured_on="2023-11-30"),
        PaperRecord.build(arxiv_id="2401.00002", title="Second", authors=["Xinyi Wan"]),
    ])
    assert counts == UpsertCounts(new=2, updated=0, unchanged=0)

    paper = Paper.objects.get(arxiv_id="2401.10241")
    assert paper.version == 2
    assert paper.categories == "cs.DC cs.LG"
    assert paper.primary_category == "cs.DC"
    assert paper.code_url == "https://github.com/sail-sg/zero-bubble"
    assert paper.published_at == datetime(2023, 11, 30, 10, 40, 34, tzinfo=UTC)
    assert paper.featured_on == date(2023, 11, 30)
    assert paper.upvotes == 19
    assert paper.author_names == ["Penghui Qi", "Xinyi Wan"]
    assert authors_of(paper) == ["Penghui Qi", "Xinyi Wan"]
    assert Author.objects.count() == 2


def test_it_changes_nothing_when_given_the_same_records_again():
    records = [
        PaperRecord.build(arxiv_id="2401.00001v1", title="One", abstract="A", authors=["A"],
                          upvotes=3, featured_on="2024-01-01"),
        PaperRecord.build(arxiv_id="2401.00002", title="Two", authors=["A", "B"]),
    ]
    Paper.objects.upsert_records(records)
    before = list(Paper.objects.order_by("pk").values())
    links = list(PaperAuthor.objects.order_by("pk").values())

    assert Paper.objects.upsert_records(records) == UpsertCounts(new=0, updated=0, unchanged=2)
    assert list(Paper.objects.order_by("pk").values()) == before
    assert list(PaperAuthor.objects.order_by("pk").values()) == links


def test_it_updates_a_paper_from_a_newer_version():
    Paper.objects.upsert_records([
        PaperRecord.build(arxiv_id="2401.00001v1", title="Draft title", abstract="Draft.",
                          authors=["A"], updated_at="2024-01-01"),
    ])
    counts = Paper.objects.upsert_records([
        PaperRecord.build(arxiv_id="2401.00001v2", title="Final title", abstract="Final.",
                          authors=["A", "B"], updated_at="2024-02-01"),
    ])
    assert counts == UpsertCounts(new=0, updated=1, unchanged=0)
    paper = Paper.objects.get()
    assert (paper.version, paper.title, paper.abstract) == (2, "Final title", "Final.")
    assert paper.updated_at == datetime(2024, 2, 1, tzinfo=UTC)
    assert authors_of(paper) == ["A", "B"]


def test_it_does_not_let_an_older_version_overwrite_a_newer_one():
    Paper.objects.upsert_records([
        PaperRecord.build(arxiv_id="2401.00001v3", title="Final title", abstract="Final.",
                          authors=["A", "B"], upvotes=1),
    ])
    counts = Paper.objects.upsert_records([
        PaperRecord.build(arxiv_id="2401.00001v1", title="Draft title", abstract="Draft.",
                          authors=["A"]),
    ])
    assert counts == UpsertCounts(new=0, updated=0, unchanged=1)
    paper = Paper.objects.get()
    assert (paper.version, paper.title, paper.abstract) == (3, "Final title", "Final.")
    assert authors_of(paper) == ["A", "B"]


def test_it_takes_counts_from_an_older_version_but_not_its_text():
    Paper.objects.upsert_records([PaperRecord.build(arxiv_id="2401.00001v3", title="Final")])
    Paper.objects.upsert_records([
        PaperRecord.build(arxiv_id="2401.00001v1", title="Draft", upvotes=40),
    ])
    paper = Paper.objects.get()
    assert (paper.title, paper.version, paper.upvotes) == ("Final", 3, 40)


def test_it_keeps_what_a_source_does_not_say():
    Paper.objects.upsert_records([
        PaperRecord.build(arxiv_id="0704.0001v2", title="T", categories="hep-ph",
                          doi="10.1103/PhysRevD.76.013009"),
    ])
    Paper.objects.upsert_records([PaperRecord.build(arxiv_id="0704.0001", title="T",
                                                    upvotes=5)])
    paper = Paper.objects.get()
    assert (paper.categories, paper.doi, paper.version, paper.upvotes) == \
        ("hep-ph", "10.1103/PhysRevD.76.013009", 2, 5)


def test_it_keeps_the_first_featured_day():
    Paper.objects.upsert_records([
        PaperRecord.build(arxiv_id="2401.00001", title="T", featured_on="2024-01-02")])
    Paper.objects.upsert_records([
        PaperRecord.build(arxiv_id="2401.00001", title="T", featured_on="2024-03-04")])
    assert Paper.objects.get().featured_on == date(2024, 1, 2)


def test_it_merges_an_id_repeated_in_one_batch_and_counts_it_once():
    counts = Paper.objects.upsert_records([
        PaperRecord.build(arxiv_id="2401.00001v1", title="First", authors=["A"]),
        PaperRecord.build(arxiv_id="https://arxiv.org/abs/2401.00001v2", title="Second",
                          authors=["B"]),
    ])
    assert counts == UpsertCounts(new=1, updated=0, unchanged=0)
    paper = Paper.objects.get()
    assert (paper.title, paper.version) == ("Second", 2)
    assert authors_of(paper) == ["B"]


def test_it_links_a_name_repeated_on_one_paper_once():
    Paper.objects.upsert_records([
        PaperRecord.build(arxiv_id="2401.00001", title="T", authors=["Wei Li", "Wei Li"])])
    paper = Paper.objects.get()
    assert paper.author_names == ["Wei Li", "Wei Li"]
    assert authors_of(paper) == ["Wei Li"]


def test_it_creates_each_organisation_once():
    Paper.objects.upsert_records([
        PaperRecord.build(arxiv_id="2401.00001", title="T", organisation="Meta AI"),
        PaperRecord.build(arxiv_id="2401.00002", title="T", organisation="Meta AI"),
    ])
    Paper.objects.upsert_records([
        PaperRecord.build(arxiv_id="2401.00003", title="T", organisation="Meta AI")])
    org = Organisation.objects.get()
    assert (org.name, org.slug) == ("Meta AI", "meta-ai")
    assert org.papers.count() == 3


def test_it_gives_organisations_whose_names_slugify_alike_their_own_slugs():
    Paper.objects.upsert_records([
        PaperRecord.build(arxiv_id="2401.00001", title="T", organisation="Meta AI"),
        PaperRecord.build(arxiv_id="2401.00002", title="T", organisation="Meta-AI"),
        PaperRecord.build(arxiv_id="2401.00003", title="T", organisation="meta ai"),
    ])
    assert sorted(Organisation.objects.values_list("slug", flat=True)) == \
        ["meta-ai", "meta-ai-2", "meta-ai-3"]
    assert Paper.objects.get(arxiv_id="2401.00002").organisation.name == "Meta-AI"


def test_it_stores_a_record_with_every_field_at_its_limit():
    """What PaperRecord.build accepts, the database must hold (PostgreSQL checks lengths)."""
    category = "c" * ((MAX_CATEGORIES + 1) // 20 - 1)  # 20 of them, spaces between
    longest = PaperRecord.build(
        arxiv_id="2401.00001",
        version=MAX_VERSION,
        title="T" * MAX_TITLE,
        abstract="A" * MAX_ABSTRACT,
        authors=["N" * MAX_AUTHOR_NAME, "M" * MAX_AUTHOR_NAME],
        categories=[f"{category[:-2]}{chr(97 + n // 26)}{chr(97 + n % 26)}"
                    for n in range(20)],
        published_at="2024-01-01", updated_at="2024-01-02", featured_on="2024-01-03",
        comments="C" * MAX_SHORT_FIELD, journal_ref="J" * MAX_SHORT_FIELD,
        doi="10." + "d" * (MAX_URL - 3), license="L" * MAX_LICENSE,
        submitter="S" * MAX_SUBMITTER, organisation="O" * MAX_ORGANISATION,
        code_url="https://github.com/o/" + "r" * (MAX_URL - 21),
        project_url="https://" + "p" * (MAX_URL - 18) + ".github.io",
        upvotes=10_000_000, num_comments=10_000_000,
    )
    assert len(" ".join(longest.categories)) == MAX_CATEGORIES - 1
    assert Paper.objects.upsert_records([longest]) == UpsertCounts(new=1)
    paper = Paper.objects.get()
    assert (len(paper.title), len(paper.abstract), paper.version) == \
        (MAX_TITLE, MAX_ABSTRACT, MAX_VERSION)
    assert (len(paper.code_url), len(paper.project_url)) == (MAX_URL, MAX_URL)
    assert paper.organisation.name == "O" * MAX_ORGANISATION
