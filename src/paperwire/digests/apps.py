from django.apps import AppConfig


class DigestsConfig(AppConfig):
    """Email digests: subscribers, saved-search alerts, personal picks and the outbox."""

    name = "paperwire.digests"
    verbose_name = "Digests"
