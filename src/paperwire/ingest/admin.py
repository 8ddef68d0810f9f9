from django.contrib import admin

from paperwire.ingest.models import IngestRun, IngestSkip


@admin.register(IngestRun)
class IngestRunAdmin(admin.ModelAdmin):
    list_display = ["pk", "source", "status", "started_at", "new", "updated", "unchanged",
                    "skipped"]
    list_filter = ["source", "status"]
    readonly_fields = [f.name for f in IngestRun._meta.fields]


@admin.register(IngestSkip)
class IngestSkipAdmin(admin.ModelAdmin):
    """Every skip; one run's with ?run__id__exact=N (`paperwire ingest skips N` too)."""

    list_display = ["run", "where", "reason"]
    list_filter = ["run__source"]
    search_fields = ["where", "reason"]
    readonly_fields = ["run", "where", "reason"]
