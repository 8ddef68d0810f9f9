from django.apps import AppConfig


class LibraryConfig(AppConfig):
    """A reader's library: saved papers in named collections (private, public or shared
    with named members), their export to BibTeX, RIS and CSL-JSON, and import from them."""

    name = "paperwire.library"
    verbose_name = "Library"
