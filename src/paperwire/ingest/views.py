from django.db import DatabaseError
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from paperwire.ingest.models import IngestRun


@never_cache
@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """For load balancers and monitors: 200 when the database answers, 503 when not.

    Probed every few seconds, so it reads a few index entries and counts nothing
    (counts are on /metrics).
    """
    try:
        runs = IngestRun.objects.latest_per_source()
    except DatabaseError as e:
        return JsonResponse({"status": "error", "database": str(e)[:200]}, status=503)
    return JsonResponse({
        "status": "ok",
        "database": "ok",
        "sources": {
            source: {"status": run.status, "started_at": run.started_at.isoformat(),
                     "error": run.error or None}
            for source, run in runs.items()
        },
    })
