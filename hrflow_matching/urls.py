"""Mount with ``path("hrflow/", include("hrflow_matching.urls"))``."""

from django.urls import include, path

from .operations.metrics import metrics_view
from .operations.views import health_view

app_name = "hrflow_matching"

urlpatterns = [
    path("api/", include("hrflow_matching.api.urls")),
    path("health/", health_view, name="health"),
    path("metrics/", metrics_view, name="metrics"),
    path("", include("hrflow_matching.match.urls")),
]
