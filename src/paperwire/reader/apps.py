from django.apps import AppConfig


class ReaderConfig(AppConfig):
    """A reader's own feed: follows, "not interested", seed papers and For you."""

    name = "paperwire.reader"
    verbose_name = "Reader"
