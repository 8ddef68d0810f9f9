from django.apps import AppConfig


class DeliveriesConfig(AppConfig):
    """A reader's destinations beyond email (a webhook, Slack, Discord), the feed each
    receives, and the outbox of what was sent to each."""

    name = "paperwire.deliveries"
    label = "deliveries"
    default_auto_field = "django.db.models.BigAutoField"
