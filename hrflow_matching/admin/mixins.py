"""A ``ModelAdmin`` mixin that puts "Find matching candidates/jobs" on a CRM change page,
a "Matching" column and a "Find matching …" action in its changelist.

Add it to the admin of a registered model (``class JobOfferAdmin(MatchingAdminMixin,
admin.ModelAdmin)``). The link is a button among the change page's object tools, shown only to
users with ``hrflow_matching.view_matching`` and only for active rows; it leads to the recruiter
page of the row, where the criteria start from the row's own data.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.html import format_html

from ..match.presenters import matching_page_url
from ..registry import get_adapter

PERMISSION = "hrflow_matching.view_matching"
LINKS = {
    "job": ("hrflow_matching:matching_profiles_for_job", "Find matching candidates"),
    "profile": ("hrflow_matching:matching_jobs_for_profile", "Find matching jobs"),
}


class MatchingAdminMixin:
    """Adds the matching link to the object tools of the change page.

    The template extends ``admin/change_form.html``; a project that already overrides the change
    form of a model can instead add ``{% include "hrflow_matching/admin/matching_link.html" %}``
    to its own ``object-tools-items`` block and keep this mixin for the context.
    """

    change_form_template = "hrflow_matching/admin/change_form.html"

    def hrflow_matching_link(self, request: HttpRequest, obj: Any) -> dict[str, str] | None:
        """The link of ``obj``'s matching page, or None when it must not or cannot be offered.

        A reference no route takes leaves the button out: the change page itself must work. So
        does one with a ``.`` or ``..`` path segment (``A/../B``): browsers resolve those, even
        percent-encoded, and the button would open another row's matching.
        """
        if obj is None or not request.user.has_perm(PERMISSION):
            return None
        return self._matching_link(obj)

    @staticmethod
    def _matching_link(obj: Any) -> dict[str, str] | None:
        adapter = get_adapter(obj)
        if adapter is None or adapter.is_archived(obj):
            return None
        url = matching_page_url(adapter.kind, adapter.get_reference(obj))
        if url is None:
            return None
        return {"url": url, "label": LINKS[adapter.kind][1]}

    # -- the changelist ---------------------------------------------------------------------------
    def get_list_display(self, request: HttpRequest) -> Any:
        """The "Matching" column, for users who may see matching."""
        display = list(super().get_list_display(request))  # type: ignore[misc]
        if request.user.has_perm(PERMISSION) and "hrflow_matching_column" not in display:
            display.append("hrflow_matching_column")
        return display

    @admin.display(description="Matching")
    def hrflow_matching_column(self, obj: Any) -> str:
        link = self._matching_link(obj)
        if link is None:
            return "—"
        noun = link["label"].rsplit(" ", 1)[-1]
        return format_html('<a href="{}">{}</a>', link["url"], noun.capitalize())

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)  # type: ignore[misc]
        if request.user.has_perm(PERMISSION):
            func = type(self).find_matching
            actions["find_matching"] = (func, "find_matching", func.short_description)
        return actions

    def find_matching(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        """Open the matching page of the one selected row."""
        rows = list(queryset[:2])
        link = self._matching_link(rows[0]) if len(rows) == 1 else None
        if link is None:
            self.message_user(  # type: ignore[attr-defined]
                request,
                "Select one active row to open its matching page.",
                messages.WARNING,
            )
            return None
        return HttpResponseRedirect(link["url"])

    find_matching.short_description = "Find matching candidates or jobs for the selected row"  # type: ignore[attr-defined]

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        extra_context = dict(extra_context or {})
        obj = self.get_object(request, unquote(object_id))  # type: ignore[attr-defined]
        extra_context["hrflow_matching_link"] = self.hrflow_matching_link(request, obj)
        return super().change_view(  # type: ignore[misc]
            request, object_id, form_url, extra_context=extra_context
        )
