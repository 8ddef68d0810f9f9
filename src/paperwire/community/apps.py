from django.apps import AppConfig


class CommunityConfig(AppConfig):
    """Accounts, upvotes, comments, submissions, authorship claims, organisation members
    and moderation."""

    name = "paperwire.community"
    verbose_name = "Community"
