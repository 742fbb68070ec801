"""DRF routes under ``/hrflow/api/``."""

from django.urls import path

from . import docs, views

urlpatterns: list = [
    path("profiles/", views.ProfileListView.as_view(), name="api-profiles"),
    path("profiles/<str:reference>/", views.ProfileLookupView.as_view(), name="api-profile"),
    path("jobs/", views.JobListView.as_view(), name="api-jobs"),
    path("jobs/<str:reference>/", views.JobLookupView.as_view(), name="api-job"),
    path("schema/", docs.SchemaView.as_view(), name="api-schema"),
    path("docs/", docs.DocsView.as_view(url_name="hrflow_matching:api-schema"), name="api-docs"),
]
