from django.apps import AppConfig


class MetricsConfig(AppConfig):
    name = "paperwire.metrics"
    label = "metrics"
