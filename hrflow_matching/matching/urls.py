"""Recruiter pages under ``/hrflow/``."""

urlpatterns: list = []
