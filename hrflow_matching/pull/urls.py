"""PULL's routes under ``/hrflow/api/``: the list and lookup webservices.

A lookup takes its reference whole (``converters.ReferenceConverter``: slashes included, as
they are or as ``%2F``). No other route starts with ``profiles/`` or ``jobs/``, so the lookups
shadow none.
"""

from django.urls import URLPattern, path

from ..converters import REFERENCE
from . import views

urlpatterns: list[URLPattern] = [
    path("profiles/", views.ProfileListView.as_view(), name="api-profiles"),
    path(
        f"profiles/<{REFERENCE}:reference>/", views.ProfileLookupView.as_view(), name="api-profile"
    ),
    path("jobs/", views.JobListView.as_view(), name="api-jobs"),
    path(f"jobs/<{REFERENCE}:reference>/", views.JobLookupView.as_view(), name="api-job"),
]
