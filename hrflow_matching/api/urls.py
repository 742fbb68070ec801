"""DRF routes under ``/hrflow/api/``."""

from django.urls import path

from . import docs, matching, views

urlpatterns: list = [
    path("profiles/", views.ProfileListView.as_view(), name="api-profiles"),
    path("profiles/<str:reference>/", views.ProfileLookupView.as_view(), name="api-profile"),
    path("jobs/", views.JobListView.as_view(), name="api-jobs"),
    path("jobs/<str:reference>/", views.JobLookupView.as_view(), name="api-job"),
    path("schema/", docs.SchemaView.as_view(), name="api-schema"),
    path("docs/", docs.DocsView.as_view(url_name="hrflow_matching:api-schema"), name="api-docs"),
    path("matching/profiles/", matching.ProfilesForJobApi.as_view(), name="api-matching-profiles"),
    path("matching/jobs/", matching.JobsForProfileApi.as_view(), name="api-matching-jobs"),
    path("search/profiles/", matching.SearchProfilesApi.as_view(), name="api-search-profiles"),
    path("search/jobs/", matching.SearchJobsApi.as_view(), name="api-search-jobs"),
]
