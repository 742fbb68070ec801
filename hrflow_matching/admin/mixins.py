"""A ``ModelAdmin`` mixin that puts "Find matching candidates/jobs" on a CRM change page.

Add it to the admin of a registered model (``class JobOfferAdmin(MatchingAdminMixin,
admin.ModelAdmin)``). The link is a button among the change page's object tools, shown only to
users with ``hrflow_matching.view_matching`` and only for active rows; it leads to the recruiter
page of the row, where the criteria start from the row's own data.
"""

from __future__ import annotations

from typing import Any

from django.contrib.admin.utils import unquote
from django.http import HttpRequest, HttpResponse
from django.urls import NoReverseMatch, reverse

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
        adapter = get_adapter(obj) if obj is not None else None
        if adapter is None or not request.user.has_perm(PERMISSION):
            return None
        if adapter.is_archived(obj):
            return None
        url_name, label = LINKS[adapter.kind]
        reference = adapter.get_reference(obj)
        if {".", ".."} & set(reference.split("/")):
            return None
        try:
            url = reverse(url_name, args=[reference])
        except NoReverseMatch:  # e.g. an empty reference: no page to link, and no reason to 500
            return None
        return {"url": url, "label": label}

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
