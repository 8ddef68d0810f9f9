from django.apps import AppConfig


class FrontConfig(AppConfig):
    """The reading site: daily lists, trending, search, paper, author and other pages."""

    name = "paperwire.front"
    verbose_name = "Reading site"
