"""Mount with ``path("hrflow/", include("hrflow_matching.urls"))``."""

from django.urls import include, path

app_name = "hrflow_matching"

urlpatterns = [
    path("api/", include("hrflow_matching.api.urls")),
    path("", include("hrflow_matching.match.urls")),
]
