"""Mount with ``path("hrflow/", include("hrflow_matching.urls"))``.

Each flow owns its routes; this module only puts them under one namespace: PULL's webservices,
MATCH's JSON API and the OpenAPI schema under ``api/``, the recruiter pages at the root.
"""

from django.urls import include, path

from .api import urls as api_urls
from .match import api_urls as match_api_urls
from .match import urls as match_urls
from .operations.metrics import metrics_view
from .operations.views import health_view
from .pull import urls as pull_urls

app_name = "hrflow_matching"

urlpatterns = [
    path("api/", include([*pull_urls.urlpatterns, *api_urls.urlpatterns])),
    path("api/", include(match_api_urls.urlpatterns)),
    path("", include(match_urls.urlpatterns)),
    path("health/", health_view, name="health"),
    path("metrics/", metrics_view, name="metrics"),
]
