from django.contrib import admin

from paperwire.library.models import Collection, CollectionItem


class ItemInline(admin.TabularInline):
    model = CollectionItem
    raw_id_fields = ["paper", "added_by"]
    extra = 0


@admin.register(Collection)
class CollectionAdmin(admin.ModelAdmin):
    list_display = ["name", "owner", "visibility", "created_at"]
    list_filter = ["visibility"]
    search_fields = ["name", "owner__email"]
    raw_id_fields = ["owner"]
    filter_horizontal = ["members"]
    inlines = [ItemInline]
