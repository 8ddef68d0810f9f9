import django.db.models.deletion
from django.db import migrations, models


def create_fulltext(apps, schema_editor):
    from paperwire.search.lexical import ensure_schema

    ensure_schema(schema_editor.connection)


def drop_fulltext(apps, schema_editor):
    from paperwire.search.lexical import drop_schema

    drop_schema(schema_editor.connection)


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("papers", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="PaperEmbedding",
            fields=[
                ("paper", models.OneToOneField(
                    on_delete=django.db.models.deletion.CASCADE, primary_key=True,
                    related_name="embedding", serialize=False, to="papers.paper")),
                ("model", models.CharField(db_index=True, max_length=200)),
                ("dim", models.PositiveSmallIntegerField()),
                ("vector", models.BinaryField()),
                ("text_hash", models.CharField(max_length=40)),
                ("updated_at", models.DateTimeField(auto_now=True, db_index=True)),
            ],
        ),
        migrations.RunPython(create_fulltext, drop_fulltext),
    ]
