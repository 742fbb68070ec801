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
from django.urls import NoReverseMatch, reverse
from django.views import View

from hrflow_matching.api.throttles import page_wait
from hrflow_matching.backends import get_backend
from hrflow_matching.backends.base import BackendError, Criteria
from hrflow_matching.conf import get_settings
from hrflow_matching.match import presenters
from hrflow_matching.match.forms import CriteriaForm
from hrflow_matching.match.known import known
from hrflow_matching.match.page_form import PageCriteriaForm
from hrflow_matching.match.pages import (
    LOOSEN_BELOW,
    active_filters,
    count_without,
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
    return any(name in request.GET for name in PageCriteriaForm.base_fields if name != "page")


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
            context["form"] = PageCriteriaForm(mode=MODES[self.mode_name])
            context["main_fields"] = context["form"].main_fields()
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
        values = known(tenant)
        subject_city = presenters.display_city(subject_doc) if subject_doc else ""
        if subject_doc is not None and self.center(subject_doc) is None:
            subject_city = ""  # a city name without coordinates measures nothing
        initial = initial_data(mode, subject_doc)
        if is_submitted(request):
            data: Any = request.GET
        else:
            data = dict(initial)
            if "page" in request.GET:
                data["page"] = request.GET["page"]
        form = PageCriteriaForm(data, mode=mode, known=values, subject_city=subject_city)
        valid = form.is_valid()
        if valid and mode.is_search:
            form.require_location_for_distance()
            valid = not form.errors
        query = current_query(request, form)

        context = self.base_context(request, mode)
        context["form"] = form
        context["cities"] = values.city_names()[:1000]
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
            if status == 200:
                self.add_filters(request, query, context, mode, criteria, tenant, reference,
                                 form, initial if subject is not None else {})  # fmt: skip
        else:
            # Announced on load: the title says it first, and the summary takes the focus.
            context["title"] = f"Error: {context['title']}"
        context["main_fields"] = form.main_fields(by_recency=context.get("by_recency", False))
        return render(request, self.template_name, context, status=status)

    def add_filters(
        self,
        request: HttpRequest,
        query: QueryDict,
        context: dict[str, Any],
        mode: Mode,
        criteria: Criteria,
        tenant: str | None,
        reference: str | None,
        form: PageCriteriaForm,
        initial: dict[str, Any],
    ) -> None:
        """The filters taken from the subject, and the ways out when few results are left,
        each with what removing it gives (one count per filter)."""
        filters = active_filters(
            request,
            query,
            criteria,
            initial=initial,
            center_label=form.center_label(),
            city_typed=bool(form.cleaned_data.get("location_city"))
            or form.cleaned_data.get("location_lat") is not None,
        )
        total = context["page"].total
        few = total < LOOSEN_BELOW
        wanted = filters if few else [f for f in filters if f.from_subject]
        backend = get_backend(tenant=tenant)
        # One backend call per filter: cheap on the local engine, a metered API call on
        # HrFlow.ai, where the filters are listed with their links but not counted.
        if wanted and not is_metered(backend):

            def count(without: Criteria) -> int | None:
                try:
                    return mode.call(backend, reference, without).total
                except BackendError:  # the counts are a help: the page stands without them
                    return None

            count_without(wanted, count)
        context["subject_filters"] = [f for f in filters if f.from_subject]
        for item in context["subject_filters"]:
            item.hidden = None if item.total is None else max(0, item.total - total)
        if few and filters:
            context["loosen"] = loosen_suggestions(filters, total)
            context["loosen_offered"] = True

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
        form = context["form"]
        wording = presenters.Wording(mode.result_kind, mode.subject_kind, form.center_label())
        rows = presenters.build_rows(result.rows, result.adapter, criteria, wanted, center, wording)
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
        context["score_line"] = score_line(mode, rows, get_backend(tenant=tenant))
        return 200

    def base_context(self, request: HttpRequest, mode: Mode) -> dict[str, Any]:
        singular, plural = NOUNS[mode.result_kind]
        title = f"Matching {plural}" if mode.subject_kind else f"Search {plural}"
        context: dict[str, Any] = {
            **_admin_context(request),
            "is_nav_sidebar_enabled": False,
            "title": title,
            "base_template": get_settings()["PAGES"]["BASE_TEMPLATE"],
            "mode": mode,
            "result_noun": plural,
            "result_noun_singular": singular,
            "subject_noun": NOUNS[mode.subject_kind][0] if mode.subject_kind else "",
            "reset_url": page_path(request),
            "retry_url": request.get_full_path(),
            "search_profiles_url": reverse("hrflow_matching:search_profiles"),
            "search_jobs_url": reverse("hrflow_matching:search_jobs"),
        }
        return context


def is_metered(backend: Any) -> bool:
    """Whether each call to ``backend`` is a request to HrFlow.ai (counted against a quota)."""
    return type(backend).__module__.startswith("hrflow_matching.backends.hrflow")


def is_local(backend: Any) -> bool:
    """Whether ``backend`` is the local engine, whose weights are the settings' ``WEIGHTS``."""
    return type(backend).__module__.startswith("hrflow_matching.backends.local")


def score_line(mode: Mode, rows: list[Any], backend: Any) -> dict[str, str]:
    """What the percentage is, in one line under the count, and why it can differ from the
    other side's page."""
    names = {c.name for row in rows for c in row.explanation}
    if not names:
        return {}
    if names == {"hrflow"}:
        return {"what": "The score is HrFlow.ai's own match score; it gives no breakdown."}
    one = NOUNS[mode.result_kind][0]
    target = f"this {NOUNS[mode.subject_kind][0]}" if mode.subject_kind else "the criteria"
    if is_local(backend):
        weights = f" ({presenters.weights_line(get_settings()['LOCAL']['WEIGHTS'])})"
    else:
        weights = " (shown under “Why”)"
    line = {
        "what": f"The score says how well each {one} fits {target}: each criterion's score "
        f"times its weight{weights}, added up. A criterion without data is left out and "
        "the others' weights grow to fill its share.",
    }
    if mode.subject_kind:
        line["sides"] = (
            "“Words in common” compares with the best result of this list, and “Last update” "
            f"is the {one}'s, so the same pair can score a few points differently on the "
            f"{NOUNS[mode.subject_kind][0]}'s side. Every other criterion scores the same from "
            "both sides."
        )
    return line


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


def _admin_context(request: HttpRequest) -> dict[str, Any]:
    """The admin's context for the admin base template; nothing when the host mounts no admin
    (its own ``PAGES["BASE_TEMPLATE"]`` then needs none)."""
    try:
        return admin.site.each_context(request)
    except NoReverseMatch:
        return {}
