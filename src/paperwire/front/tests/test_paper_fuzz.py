"""Whatever a paper row holds, its page and its Markdown render: never a 500.

Rows are written straight to the database (as an admin, a migration or an older
release could have), skipping the checks ingest makes.
"""

from datetime import UTC, datetime
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from paperwire.papers.models import Organisation, Paper

pytestmark = pytest.mark.django_db

# Neither backend stores NUL or a lone surrogate in a text column the same way (PostgreSQL
# refuses both); every input is refused with them before it gets here.
storable = st.characters(exclude_categories=("Cs",), exclude_characters="\x00")
telling = st.sampled_from([
    "cs.LG,cs.AI", "14J32", "I.2.7", "javascript:alert(1)", "https://github.com/a/b",
    "{% url 'x' %}", "<script>x</script>", "\n\n", " ", "a" * 400, "hep-th/9901001",
])
texts = st.text(storable, max_size=40) | telling
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**40), 2**40) | texts,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(texts, inner, max_size=3),
    max_leaves=5)


@pytest.fixture(autouse=True)
def no_similar():
    with mock.patch("paperwire.front.views.papers.similar_papers", return_value=[]):
        yield


@settings(max_examples=150, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
@given(title=texts, abstract=texts, categories=texts, primary=texts, comments=texts,
       journal_ref=texts, doi=texts, license=texts, submitter=texts, code_url=texts,
       project_url=texts, author_names=json_values.filter(lambda v: v is not None),
       org_name=texts, org_slug=texts,
       version=st.none() | st.integers(0, 9_999))
def test_no_stored_value_turns_the_paper_page_into_an_error(
        client, title, abstract, categories, primary, comments, journal_ref, doi,
        license, submitter, code_url, project_url, author_names, org_name, org_slug,
        version):
    Organisation.objects.filter(slug__startswith="fuzz").delete()
    org = Organisation.objects.create(name=org_name[:200], slug=("fuzz" + org_slug)[:200])
    Paper.objects.update_or_create(arxiv_id="2401.10241", defaults={
        "title": title, "abstract": abstract, "categories": categories[:400],
        "primary_category": primary[:40], "comments": comments, "journal_ref": journal_ref,
        "doi": doi[:500], "license": license[:500], "submitter": submitter[:300],
        "code_url": code_url[:500], "project_url": project_url[:500],
        "author_names": author_names, "organisation": org, "version": version,
        "published_at": datetime(2024, 1, 16, tzinfo=UTC)})
    for path in ("/papers/2401.10241", "/papers/2401.10241.md"):
        response = client.get(path)
        assert response.status_code == 200, path
