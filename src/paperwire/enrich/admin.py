from django.contrib import admin

from paperwire.enrich.models import CodeRepo, FullText, LinkedArtifacts, StarCount, Thumbnail


@admin.register(CodeRepo)
class CodeRepoAdmin(admin.ModelAdmin):
    list_display = ("paper", "full_name", "stars", "fetched_at", "error")
    search_fields = ("paper__arxiv_id", "full_name")
    raw_id_fields = ("paper",)


@admin.register(StarCount)
class StarCountAdmin(admin.ModelAdmin):
    list_display = ("paper", "day", "stars")
    raw_id_fields = ("paper",)


@admin.register(Thumbnail, FullText, LinkedArtifacts)
class FetchedAdmin(admin.ModelAdmin):
    list_display = ("paper", "fetched_at", "error")
    search_fields = ("paper__arxiv_id", "error")
    raw_id_fields = ("paper",)
