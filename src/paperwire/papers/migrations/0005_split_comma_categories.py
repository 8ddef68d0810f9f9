"""Rows stored before ingest split categories on commas ("cs.LG,cs.AI") hold them as
one word: rewrite them space-separated, as the category pages and filters read them."""

from django.db import migrations

from paperwire.lib.categories import split_categories


def split_stored(apps, schema_editor):
    Paper = apps.get_model("papers", "Paper")
    for paper in Paper.objects.filter(categories__contains=",").only("pk", "categories",
                                                                     "primary_category"):
        codes = split_categories(paper.categories)
        primary = split_categories(paper.primary_category)
        Paper.objects.filter(pk=paper.pk).update(
            categories=" ".join(codes)[:400],
            primary_category=(primary[0] if primary else (codes[0] if codes else "")))


class Migration(migrations.Migration):
    dependencies = [("papers", "0004_daily_submitter")]
    operations = [migrations.RunPython(split_stored, migrations.RunPython.noop)]
