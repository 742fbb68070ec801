"""Recruiter pages: candidates for a job, jobs for a candidate, and the two searches.

The criteria travel in the query string (a GET form), so every result page can be bookmarked,
shared, reloaded and paged without JavaScript. Whatever goes wrong is a page with a message:
a bad criterion is a 400 with the field's error, a failing backend a 502/503 with its message
and a retry link, a tenant without HrFlow.ai keys a 503 that says so.
"""

from __future__ import annotations

import logging
from typing import Any

from django.contrib import admin
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views import View

from hrflow_matching.api.throttles import page_wait
from hrflow_matching.backends.base import BackendError
from hrflow_matching.conf import get_settings
from hrflow_matching.match import presenters
from hrflow_matching.match.forms import CriteriaForm
from hrflow_matching.match.pages import (
    current_query,
    loosen_suggestions,
    page_links,
    page_path,
    query_url,
    subject_panel,
)
from hrflow_matching.match.service import (
    MODES,
    Mode,
    document_location,
    document_skills,
    initial_data,
    load_subject,
    run,
)
from hrflow_matching.tenancy import NoTenant, TenantNotConfigured, request_tenant

logger = logging.getLogger("hrflow_matching.match")

PERMISSION = "hrflow_matching.view_matching"
NOUNS = {"profile": ("candidate", "candidates"), "job": ("job", "jobs")}


def _page_number_ok(raw: str | None) -> bool:
    """Whether ``?page=`` is absent or a page number the form accepts."""
    if raw is None:
        return True
    field = CriteriaForm.base_fields["page"]
    try:
        field.clean(raw)
    except ValidationError:
        return False
    return True


def is_submitted(request: HttpRequest) -> bool:
    """Whether the query string carries criteria (else the form starts from the subject)."""
    return any(name in request.GET for name in CriteriaForm.base_fields if name != "page")


class MatchingPageView(LoginRequiredMixin, PermissionRequiredMixin, View):
    """One page per :class:`~hrflow_matching.match.service.Mode`."""

    mode_name: str = ""
    permission_required = PERMISSION
    template_name = "hrflow_matching/matching/page.html"

    def handle_no_permission(self) -> HttpResponse:
        """Signed in without the permission: a page in the admin's frame that says which
        permission is missing and whom to ask, rather than a bare "403 Forbidden"."""
        if not self.request.user.is_authenticated:
            return super().handle_no_permission()
        mode = MODES[self.mode_name]
        context = self.base_context(self.request, mode)
        context.update(permission=PERMISSION, permission_label="Can view HrFlow matching")
        return render(self.request, "hrflow_matching/matching/denied.html", context, status=403)

    def get(self, request: HttpRequest, reference: str | None = None) -> HttpResponse:
        wait = page_wait(request)
        if wait is not None:  # each search ranks the whole index: a bucket per user
            context = self.base_context(request, MODES[self.mode_name])
            seconds = int(wait) + 1
            context["reason"] = f"Too many searches in a short time: try again in {seconds} s."
            response = render(request, "hrflow_matching/matching/denied.html", context, status=429)
            response["Retry-After"] = str(seconds)
            return response
        try:
            return self.page(request, reference)
        except ImproperlyConfigured as error:  # no adapter registered, a tenant without keys…
            logger.error("Matching page misconfigured: %s", error)
            context = self.base_context(request, MODES[self.mode_name])
            context["form"] = CriteriaForm()
            context["error"] = {"message": str(error), "status": 503}
            return render(request, self.template_name, context, status=503)

    def page(self, request: HttpRequest, reference: str | None) -> HttpResponse:
        mode = MODES[self.mode_name]
        if not _page_number_ok(request.GET.get("page")):
            # A hand-edited or stale ?page= (0, abc): page 1 of the same criteria, rather than
            # an error about a field the page does not show.
            query = request.GET.copy()
            query.pop("page")
            path = page_path(request)
            return redirect(f"{path}?{query.urlencode()}" if query else path)
        try:
            tenant = request_tenant(request)
        except NoTenant as error:  # fail closed: never every tenant's rows
            context = self.base_context(request, mode)
            context["reason"] = str(error)
            return render(request, "hrflow_matching/matching/denied.html", context, status=403)
        subject = subject_doc = subject_adapter = None
        if mode.subject_kind is not None:
            subject_adapter, subject = load_subject(mode.subject_kind, reference or "", tenant)
            subject_doc = subject_adapter.to_document(subject)

        if is_submitted(request):
            form = CriteriaForm(request.GET)
        else:
            data = initial_data(mode, subject_doc)
            if "page" in request.GET:
                data["page"] = request.GET["page"]
            form = CriteriaForm(data)
        valid = form.is_valid()
        if valid and mode.is_search:
            form.require_location_for_distance()
            valid = not form.errors
        query = current_query(request, form)

        context = self.base_context(request, mode)
        context["form"] = form
        if subject is not None:
            context["subject"] = subject_panel(
                request, query, subject, subject_doc, subject_adapter
            )
            context["title"] = f"{context['title']} for {subject}"
        status = 400
        if valid:
            center = self.center(subject_doc)
            criteria = form.to_criteria(default_center=center)
            status = self.add_results(
                request, query, context, mode, criteria, tenant, reference, center
            )
            page = context.get("page")
            if page is not None and page.last_page >= 1 and criteria.page > page.last_page:
                # Past the end (fewer results since the link was made): the last page.
                return redirect(query_url(request, query, page=page.last_page))
        return render(request, self.template_name, context, status=status)

    # -- parts ------------------------------------------------------------------------------
    @staticmethod
    def center(document: dict[str, Any] | None) -> tuple[float, float] | None:
        if document is None:
            return None
        loc = document_location(document)
        if loc.get("lat") is None or loc.get("lng") is None:
            return None
        return float(loc["lat"]), float(loc["lng"])

    def add_results(
        self,
        request: HttpRequest,
        query: QueryDict,
        context: dict[str, Any],
        mode: Mode,
        criteria: Any,
        tenant: str | None,
        reference: str | None,
        center: tuple[float, float] | None,
    ) -> int:
        try:
            result = run(mode, criteria, tenant, reference)
        except BackendError as error:
            logger.warning("Matching backend failed: %s (%s)", error.message, error.detail)
            context["error"] = {"message": error.message, "status": error.status_code}
            return error.status_code
        except TenantNotConfigured as error:
            context["error"] = {"message": str(error), "status": 503}
            return 503
        wanted = list(criteria.skills)
        if context.get("subject"):
            wanted = list(
                dict.fromkeys([*document_skills(context["subject"]["document"]), *wanted])
            )
        # Distances from where the criteria measure (the subject, or the point typed in).
        if criteria.has_location:  # distances from where the criteria measure: a point typed in
            center = (criteria.location_lat, criteria.location_lng)
        rows = presenters.build_rows(result.rows, result.adapter, criteria, wanted, center)
        if mode.is_search and not criteria.skills:
            # Skills a search engine guessed from keywords are noise as chips; the explanation
            # still shows them.
            for row in rows:
                row.matched_skills, row.related_skills, row.missing_skills = [], [], []
        context["rows"] = rows
        # A search with neither keywords nor a location ranks by freshness alone: its
        # percentages would read as match quality, so the page says "most recent first".
        context["by_recency"] = mode.is_search and not (
            criteria.text_keywords or criteria.has_location
        )
        context["page"] = result.page
        context["criteria"] = criteria
        context["hidden"] = result.hidden
        context["pages"] = page_links(request, query, result.page)
        context["first_rank"] = (criteria.page - 1) * criteria.limit + 1
        if not context["rows"]:
            context["loosen"] = loosen_suggestions(request, query, criteria)
        return 200

    def base_context(self, request: HttpRequest, mode: Mode) -> dict[str, Any]:
        singular, plural = NOUNS[mode.result_kind]
        title = f"Matching {plural}" if mode.subject_kind else f"Search {plural}"
        context: dict[str, Any] = {
            **admin.site.each_context(request),
            "is_nav_sidebar_enabled": False,
            "title": title,
            "base_template": get_settings()["PAGES"]["BASE_TEMPLATE"],
            "mode": mode,
            "result_noun": plural,
            "result_noun_singular": singular,
            "reset_url": page_path(request),
            "retry_url": request.get_full_path(),
            "search_profiles_url": reverse("hrflow_matching:search_profiles"),
            "search_jobs_url": reverse("hrflow_matching:search_jobs"),
        }
        return context


class ProfilesForJobView(MatchingPageView):
    mode_name = "profiles_for_job"


class JobsForProfileView(MatchingPageView):
    mode_name = "jobs_for_profile"


class SearchProfilesView(MatchingPageView):
    mode_name = "search_profiles"


class SearchJobsView(MatchingPageView):
    mode_name = "search_jobs"


__all__ = [
    "JobsForProfileView",
    "MatchingPageView",
    "ProfilesForJobView",
    "SearchJobsView",
    "SearchProfilesView",
    "query_url",
]
