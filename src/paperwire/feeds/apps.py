from django.apps import AppConfig


class FeedsConfig(AppConfig):
    """RSS 2.0, Atom and JSON Feed for the daily lists, trending and any search."""

    name = "paperwire.feeds"
    verbose_name = "Feeds"
