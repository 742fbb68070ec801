"""MATCH's JSON API under ``/hrflow/api/``: scored pages and searches for a CRM's own front end."""

from django.urls import URLPattern, path

from . import api

urlpatterns: list[URLPattern] = [
    path("matching/profiles/", api.ProfilesForJobApi.as_view(), name="api-matching-profiles"),
    path("matching/jobs/", api.JobsForProfileApi.as_view(), name="api-matching-jobs"),
    path("search/profiles/", api.SearchProfilesApi.as_view(), name="api-search-profiles"),
    path("search/jobs/", api.SearchJobsApi.as_view(), name="api-search-jobs"),
]
