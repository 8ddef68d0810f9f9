import importlib

import pytest
from django.apps import apps

from paperwire.papers.models import Paper

pytestmark = pytest.mark.django_db
migration = importlib.import_module("paperwire.papers.migrations.0005_split_comma_categories")


def test_it_rewrites_comma_separated_categories_stored_before():
    Paper.objects.create(arxiv_id="2401.10241", title="T", categories="cs.LG,cs.AI",
                         primary_category="cs.LG,cs.AI")
    Paper.objects.create(arxiv_id="2401.10242", title="U", categories="cs.CL",
                         primary_category="cs.CL")
    migration.split_stored(apps, None)
    assert Paper.objects.get(arxiv_id="2401.10241").categories == "cs.LG cs.AI"
    assert Paper.objects.get(arxiv_id="2401.10241").primary_category == "cs.LG"
    assert list(Paper.objects.in_category("cs.AI").values_list("arxiv_id", flat=True)) == [
        "2401.10241"]
    assert Paper.objects.get(arxiv_id="2401.10242").categories == "cs.CL"
