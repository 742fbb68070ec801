"""DRF routes under ``/hrflow/api/``.

A lookup takes its reference whole (``converters.ReferenceConverter``: slashes included, as
they are or as ``%2F``). No other route starts with ``profiles/`` or ``jobs/``, so the lookups
shadow none.
"""

from django.urls import path

from hrflow_matching.api import docs
from hrflow_matching.match import api as matching
from hrflow_matching.pull import views

from ..converters import REFERENCE

urlpatterns: list = [
    path("profiles/", views.ProfileListView.as_view(), name="api-profiles"),
    path(
        f"profiles/<{REFERENCE}:reference>/", views.ProfileLookupView.as_view(), name="api-profile"
    ),
    path("jobs/", views.JobListView.as_view(), name="api-jobs"),
    path(f"jobs/<{REFERENCE}:reference>/", views.JobLookupView.as_view(), name="api-job"),
    path("schema/", docs.SchemaView.as_view(), name="api-schema"),
    path("docs/", docs.DocsView.as_view(url_name="hrflow_matching:api-schema"), name="api-docs"),
    path("matching/profiles/", matching.ProfilesForJobApi.as_view(), name="api-matching-profiles"),
    path("matching/jobs/", matching.JobsForProfileApi.as_view(), name="api-matching-jobs"),
    path("search/profiles/", matching.SearchProfilesApi.as_view(), name="api-search-profiles"),
    path("search/jobs/", matching.SearchJobsApi.as_view(), name="api-search-jobs"),
]
