"""Recruiter pages under ``/hrflow/``.

A reference is taken whole by ``converters.ReferenceConverter``, as in the pull lookups; no other
route starts with ``matching/jobs/`` or ``matching/profiles/``, so it shadows none.
"""

from django.urls import path

from hrflow_matching.converters import REFERENCE
from hrflow_matching.match import views

urlpatterns = [
    path(
        f"matching/jobs/<{REFERENCE}:reference>/",
        views.ProfilesForJobView.as_view(),
        name="matching_profiles_for_job",
    ),
    path(
        f"matching/profiles/<{REFERENCE}:reference>/",
        views.JobsForProfileView.as_view(),
        name="matching_jobs_for_profile",
    ),
    path("search/profiles/", views.SearchProfilesView.as_view(), name="search_profiles"),
    path("search/jobs/", views.SearchJobsView.as_view(), name="search_jobs"),
]
