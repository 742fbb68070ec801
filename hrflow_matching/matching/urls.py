"""Recruiter pages under ``/hrflow/``."""

from django.urls import path

from . import views

urlpatterns = [
    path(
        "matching/jobs/<str:reference>/",
        views.ProfilesForJobView.as_view(),
        name="matching_profiles_for_job",
    ),
    path(
        "matching/profiles/<str:reference>/",
        views.JobsForProfileView.as_view(),
        name="matching_jobs_for_profile",
    ),
    path("search/profiles/", views.SearchProfilesView.as_view(), name="search_profiles"),
    path("search/jobs/", views.SearchJobsView.as_view(), name="search_jobs"),
]
