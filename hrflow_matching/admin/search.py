""" "Search candidates" and "Search jobs" in the admin index and its side navigation.

The recruiter pages are not models, so the admin would not list them; two table-less proxy
models (``models.permissions``) give them a row in the "HrFlow matching" section, shown to users
with ``hrflow_matching.view_matching``, whose link leads to the search page itself.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from ..models import CandidateSearch, JobSearch

PERMISSION = "hrflow_matching.view_matching"


class SearchEntryAdmin(admin.ModelAdmin):
    """An index entry that only links: no list, no add, no change, no delete."""

    url_name = ""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(PERMISSION)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.has_perm(PERMISSION)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        if not self.has_view_permission(request):
            return super().changelist_view(request, extra_context)  # the admin's own 403
        return HttpResponseRedirect(reverse(self.url_name))


@admin.register(CandidateSearch)
class CandidateSearchAdmin(SearchEntryAdmin):
    url_name = "hrflow_matching:search_profiles"


@admin.register(JobSearch)
class JobSearchAdmin(SearchEntryAdmin):
    url_name = "hrflow_matching:search_jobs"
