"""Whatever JSON a source hands over becomes a paper the database holds, or a reason.

A source reads the fields it knows from an object it did not write; a field of the wrong
type, or a value the database would refuse, must end as BadRecord (a skip), never as an
exception that stops the run.
"""

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from paperwire.ingest.daily import daily_record
from paperwire.ingest.jsonl import jsonl_record
from paperwire.ingest.snapshot import snapshot_record
from paperwire.papers.models import Paper
from paperwire.papers.records import BadRecord

# Values that mean something to some field, or that have tripped a source up before.
telling = st.sampled_from([
    "2401.00001", "0704.0001v2", "hep-th/9901001", "2024-01-02", "2024-02-30",
    "Mon, 2 Apr 2007 19:18:42 GMT", "v2", "v\u00b2", "\u00b2", "lone \ud800 surrogate",
    "x" * 1_500, "https://github.com/a/b", ["A. One", "B. Two"], "cs.CL cs.LG", 7,
])
texts = st.text(max_size=30) | telling.filter(lambda v: isinstance(v, str))
scalars = st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats() | texts
json_values = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(texts, inner,
                                                                          max_size=3),
    max_leaves=6)


def objects(*keys: str, **fixed) -> st.SearchStrategy[dict]:
    """JSON objects holding any of `keys` with any value, and the `fixed` ones."""
    return st.fixed_dictionaries({k: st.just(v) for k, v in fixed.items()},
                                 optional={k: json_values for k in keys})


def one_field(*keys: str, **fixed) -> st.SearchStrategy[dict]:
    """The `fixed` fields and one of `keys`, most often with a telling value."""
    return st.builds(lambda key, value: {**fixed, key: value},
                     st.sampled_from(keys), telling | json_values)


SNAPSHOT_KEYS = ("id", "submitter", "authors", "title", "comments", "journal-ref", "doi",
                 "categories", "license", "abstract", "versions", "authors_parsed")
JSONL_KEYS = ("id", "url", "title", "authors", "abstract", "publication_date", "featured_on",
              "upvotes", "categories", "comments", "code_url", "project_url",
              "organisation", "organization")
versions = st.lists(json_values | objects("version", "created"), max_size=3)

fuzz = settings(max_examples=150, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])


class Rollback(Exception):
    pass


def assert_record_or_reason(to_record, data: dict) -> None:
    try:
        record = to_record(data)
    except BadRecord:
        return
    try:
        with transaction.atomic():  # each example leaves the database as it found it
            Paper.objects.upsert_records([record])
            raise Rollback
    except Rollback:
        pass


@pytest.mark.django_db
@fuzz
@given(objects(*SNAPSHOT_KEYS)
       | one_field(*SNAPSHOT_KEYS[2:], id="0704.0001", title="T")
       | st.builds(lambda d, v: {**d, "versions": v}, objects(*SNAPSHOT_KEYS), versions))
def test_it_turns_any_snapshot_object_into_a_paper_or_a_reason(data):
    assert_record_or_reason(snapshot_record, data)


@pytest.mark.django_db
@fuzz
@given(objects(*JSONL_KEYS) | one_field(*JSONL_KEYS[3:], id="2401.00001", title="T"))
def test_it_turns_any_jsonl_object_into_a_paper_or_a_reason(data):
    assert_record_or_reason(jsonl_record, data)


@pytest.mark.django_db
@fuzz
@given(st.builds(
    lambda entry, paper: {**entry, "paper": {"id": "2401.00001", "title": "T", **paper}},
    objects("submittedOnDailyAt", "publishedAt", "submittedBy", "numComments",
            "organization", "title", "summary"),
    one_field("authors", "summary", "publishedAt", "upvotes", "githubRepo", "projectPage",
              "organization", "submittedOnDailyBy"),
) | objects("paper", "title"))
def test_it_turns_any_daily_entry_into_a_paper_or_a_reason(data):
    assert_record_or_reason(daily_record, data)
