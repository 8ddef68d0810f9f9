from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "paperwire.search"
    verbose_name = "Search"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        post_migrate.connect(_ensure_fulltext, sender=self)


def _ensure_fulltext(sender, using: str = "default", **kwargs) -> None:
    # A later migration that rebuilds papers_paper on SQLite drops its triggers;
    # put them back (and re-index) after every migrate.
    from django.db import connections

    from paperwire.search.lexical import ensure_schema

    conn = connections[using]
    if "papers_paper" in conn.introspection.table_names():
        ensure_schema(conn)
