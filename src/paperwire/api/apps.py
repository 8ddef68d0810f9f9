from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "paperwire.api"
    verbose_name = "API"
