from django.contrib import admin

from paperwire.papers.models import Author, Organisation, Paper


@admin.register(Paper)
class PaperAdmin(admin.ModelAdmin):
    list_display = ["arxiv_id", "title", "featured_on", "upvotes", "is_hidden"]
    list_filter = ["is_hidden", "featured_on"]
    search_fields = ["arxiv_id", "title"]
    raw_id_fields = ["organisation"]
    readonly_fields = ["created_at", "modified_at"]


@admin.register(Author)
class AuthorAdmin(admin.ModelAdmin):
    search_fields = ["name"]
    raw_id_fields = ["user"]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "url"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
