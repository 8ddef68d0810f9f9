from django.contrib import admin

from paperwire.ingest.models import IngestRun


@admin.register(IngestRun)
class IngestRunAdmin(admin.ModelAdmin):
    list_display = ["pk", "source", "status", "started_at", "new", "updated", "unchanged",
                    "skipped"]
    list_filter = ["source", "status"]
    readonly_fields = [f.name for f in IngestRun._meta.fields]
