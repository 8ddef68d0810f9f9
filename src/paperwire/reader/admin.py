from django.contrib import admin

from paperwire.reader.models import Follow, NotInterested


@admin.register(Follow)
class FollowAdmin(admin.ModelAdmin):
    list_display = ("user", "kind", "value", "created_at")
    list_filter = ("kind",)
    search_fields = ("value",)
    raw_id_fields = ("user",)
    exclude = ("vector",)


@admin.register(NotInterested)
class NotInterestedAdmin(admin.ModelAdmin):
    list_display = ("user", "paper", "created_at")
    raw_id_fields = ("user", "paper")
