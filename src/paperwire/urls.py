from django.contrib import admin
from django.urls import include, path

from paperwire.api.views import api
from paperwire.ingest.views import health

urlpatterns = [
    path("admin/", admin.site.urls),
    path("health", health, name="pw-health"),
    path("", include("paperwire.metrics.urls")),
    path("api/", api.urls),
    path("digests/", include("paperwire.digests.urls")),
    path("", include("paperwire.community.urls")),
    path("", include("paperwire.library.urls")),
    path("", include("paperwire.reader.urls")),
    path("", include("paperwire.deliveries.urls")),
    path("", include("paperwire.agents.urls")),
    path("", include("paperwire.feeds.urls")),
    path("", include("paperwire.enrich.urls")),
    path("", include("paperwire.front.urls")),
]
