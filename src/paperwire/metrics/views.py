"""`/metrics`: Prometheus' text format, for a scraper holding PAPERWIRE_METRICS_TOKEN.

Off (404, as if there were no such page) while the token is empty; with one, a request
without `Authorization: Bearer <token>` gets 401. The counts say how busy the site is
and how many digests fail: not for the public.
"""

from __future__ import annotations

import hmac
import os
from collections.abc import Iterator

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import Metric
from prometheus_client.multiprocess import MultiProcessCollector

from paperwire.metrics.collector import DatabaseCollector
from paperwire.metrics.instruments import LOCAL


def _authorized(request: HttpRequest) -> bool:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(
        token.strip().encode(), settings.METRICS_TOKEN.encode())


class _LocalInstruments:
    """This process's instruments, when prometheus_client runs without files."""

    def collect(self) -> Iterator[Metric]:
        return LOCAL.collect()


@never_cache
@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    if not settings.METRICS_TOKEN:
        raise Http404("metrics are off")
    if not _authorized(request):
        response = HttpResponse("A metrics token is needed.\n", status=401,
                                content_type="text/plain; charset=utf-8")
        response["WWW-Authenticate"] = 'Bearer realm="paperwire metrics"'
        return response
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(registry)  # every process's instruments, from their files
    else:
        registry.register(_LocalInstruments())
    registry.register(DatabaseCollector())
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
