from django.apps import AppConfig


class EnrichConfig(AppConfig):
    name = "paperwire.enrich"
    verbose_name = "Things fetched about papers"
