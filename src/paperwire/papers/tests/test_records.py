from datetime import UTC, date, datetime

import pytest

from paperwire.papers.records import BadRecord, PaperRecord, split_author_string, version_number


def test_it_normalises_the_id_and_takes_the_version_from_it():
    record = PaperRecord.build(arxiv_id="https://arxiv.org/abs/2401.10241v3",
                               title="  Zero Bubble\n  Pipeline Parallelism ")
    assert record.arxiv_id == "2401.10241"
    assert record.version == 3
    assert record.title == "Zero Bubble Pipeline Parallelism"


def test_it_prefers_an_explicit_version():
    record = PaperRecord.build(arxiv_id="2401.10241v1", title="T", version="4")
    assert record.version == 4


def test_it_leaves_unsaid_fields_as_none():
    record = PaperRecord.build(arxiv_id="hep-th/9901001", title="T")
    assert record.abstract is None
    assert record.authors is None
    assert record.upvotes is None
    assert record.featured_on is None


@pytest.mark.parametrize("fields, reason", [
    ({"arxiv_id": None, "title": "T"}, "missing id"),
    ({"arxiv_id": "", "title": "T"}, "missing id"),
    ({"arxiv_id": 2401.10241, "title": "T"}, "id is not text"),
    ({"arxiv_id": "2401.1234", "title": "T"}, "invalid id: .* 5 digits"),
    ({"arxiv_id": "2401.10241", "title": None}, "missing title"),
    ({"arxiv_id": "2401.10241", "title": ""}, "missing title"),
    ({"arxiv_id": "2401.10241", "title": " \n "}, "missing title"),
    ({"arxiv_id": "2401.10241", "title": ["T"]}, "title is not text"),
    ({"arxiv_id": "2401.10241", "title": "T\x00"}, "title holds a NUL"),
    ({"arxiv_id": "2401.10241", "title": "T\ud800"}, "title holds invalid Unicode"),
    ({"arxiv_id": "2401.10241", "title": "T" * 2_001}, "title too long"),
    ({"arxiv_id": "2401.10241", "title": "T", "abstract": "a" * 100_000},
     r"abstract too long \(100000 characters, limit 20000\)"),
    ({"arxiv_id": "2401.10241", "title": "T", "abstract": 42}, "abstract is not text"),
    ({"arxiv_id": "2401.10241", "title": "T", "authors": {"name": "A"}}, "authors is not a list"),
    ({"arxiv_id": "2401.10241", "title": "T", "authors": ["A", 7]}, "author name is not text"),
    ({"arxiv_id": "2401.10241", "title": "T", "authors": ["A"] * 5_001}, "too many authors"),
    ({"arxiv_id": "2401.10241", "title": "T", "authors": ["A\ud83d"]},
     "author name holds invalid Unicode"),
    ({"arxiv_id": "2401.10241", "title": "T", "categories": 5}, "categories is not a list"),
    ({"arxiv_id": "2401.10241", "title": "T", "categories": [5]}, "category is not text"),
    ({"arxiv_id": "2401.10241", "title": "T", "published_at": "2024-02-30"},
     "impossible published at"),
    ({"arxiv_id": "2401.10241", "title": "T", "published_at": "2024-13-01T00:00:00Z"},
     "impossible published at"),
    ({"arxiv_id": "2401.10241", "title": "T", "published_at": "yesterday"},
     "impossible published at"),
    ({"arxiv_id": "2401.10241", "title": "T", "published_at": "1066-10-14"},
     "impossible published at"),
    ({"arxiv_id": "2401.10241", "title": "T", "published_at": "2401-01-01"},
     "impossible published at"),
    ({"arxiv_id": "2401.10241", "title": "T", "published_at": 20240101},
     "published_at is not a date"),
    ({"arxiv_id": "2401.10241", "title": "T", "featured_on": "2024-04-31"},
     "impossible featured day"),
    ({"arxiv_id": "2401.10241", "title": "T", "upvotes": -1}, "upvotes out of range"),
    ({"arxiv_id": "2401.10241", "title": "T", "upvotes": "many"}, "upvotes is not a whole"),
    ({"arxiv_id": "2401.10241", "title": "T", "upvotes": 1.5}, "upvotes is not a whole"),
    ({"arxiv_id": "2401.10241", "title": "T", "upvotes": True}, "upvotes is not a whole"),
    ({"arxiv_id": "2401.10241", "title": "T", "version": "v2"}, "version is not a whole"),
    ({"arxiv_id": "2401.10241", "title": "T", "version": 40_000}, "version out of range"),
    ({"arxiv_id": "2401.10241", "title": "T", "code_url": "javascript:alert(1)"},
     "code_url is not an http"),
    ({"arxiv_id": "2401.10241", "title": "T", "submitter": "S" * 301}, "submitter too long"),
    ({"arxiv_id": "2401.10241", "title": "T", "license": "L" * 501}, "license too long"),
    ({"arxiv_id": "2401.10241", "title": "T", "organisation": "O" * 201},
     "organisation too long"),
    ({"arxiv_id": "2401.10241", "title": "T",
      "categories": ["c" * 39 + chr(97 + n) for n in range(20)]},
     "categories too long"),
])
def test_it_refuses_a_bad_field_with_a_reason(fields, reason):
    with pytest.raises(BadRecord, match=reason):
        PaperRecord.build(**fields)


def test_it_reads_dates_in_the_forms_sources_write():
    record = PaperRecord.build(arxiv_id="2401.10241", title="T",
                               published_at="2023-11-30T10:40:34.000Z",
                               updated_at="2024-01-02", featured_on="2023-12-01T09:00:00+02:00")
    assert record.published_at == datetime(2023, 11, 30, 10, 40, 34, tzinfo=UTC)
    assert record.updated_at == datetime(2024, 1, 2, tzinfo=UTC)
    assert record.featured_on == date(2023, 12, 1)


def test_it_splits_an_author_string():
    assert split_author_string("C. Bal\\'azs, E. L. Berger,\n P. M. Nadolsky and C.-P. Yuan") == \
        ["C. Bal\\'azs", "E. L. Berger", "P. M. Nadolsky", "C.-P. Yuan"]


def test_it_reads_authors_as_names_or_objects():
    authors = [{"name": "Zesen  Cheng", "hidden": False}, "Hang Zhang", ""]
    record = PaperRecord.build(arxiv_id="2410.17243", title="T", authors=authors)
    assert record.authors == ["Zesen Cheng", "Hang Zhang"]


def test_it_puts_the_primary_category_first():
    record = PaperRecord.build(arxiv_id="2401.10241", title="T", categories="cs.LG cs.DC")
    assert record.categories == ["cs.LG", "cs.DC"]
    assert record.primary_category == "cs.LG"


def test_it_finds_the_code_and_project_links_in_the_abstract():
    record = PaperRecord.build(
        arxiv_id="2401.10241", title="T",
        abstract="Code at https://github.com/sail-sg/zero-bubble. Page: https://z.github.io/b",
    )
    assert record.code_url == "https://github.com/sail-sg/zero-bubble"
    assert record.project_url == "https://z.github.io/b"


def test_it_prefers_the_links_a_source_gives():
    record = PaperRecord.build(arxiv_id="2401.10241", title="T",
                               abstract="Code at https://github.com/a/b.",
                               code_url="https://github.com/c/d")
    assert record.code_url == "https://github.com/c/d"


def test_it_treats_an_unknown_field_as_a_programming_error():
    with pytest.raises(TypeError, match="colour"):
        PaperRecord.build(arxiv_id="2401.10241", title="T", colour="blue")


@pytest.mark.parametrize("label, number", [
    ("v1", 1), ("v12", 12), ("3", 3), ("v9999", 9999), ("v10000", None), ("v", None),
    ("vx", None), ("v\u00b2", None), ("v" + "9" * 5000, None), (None, None), (2, 2),
])
def test_it_reads_a_version_label(label, number):
    assert version_number(label) == number


def test_it_splits_categories_on_commas_and_keeps_msc_and_acm_codes():
    record = PaperRecord.build(arxiv_id="2401.10241", title="T",
                               categories="cs.LG,cs.AI 14J32, I.2.7 <b>")
    assert record.categories == ["cs.LG", "cs.AI", "14J32", "I.2.7"]
    assert record.primary_category == "cs.LG"


def test_it_splits_each_category_of_a_list():
    record = PaperRecord.build(arxiv_id="2401.10241", title="T",
                               categories=["math.AG,math.CO", "math.AG"],
                               primary_category="math.AG,math.CO")
    assert record.categories == ["math.AG", "math.CO"]
    assert record.primary_category == "math.AG"
