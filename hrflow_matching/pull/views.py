"""The pull webservices: incremental lists and lookup by reference of profiles and jobs.

Documents come from the registered adapter's ``to_document()``: the list and the lookup use
the same serializer, so HrFlow.ai reads the same object either way.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Model
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema_view
from rest_framework import exceptions, status
from rest_framework.request import Request
from rest_framework.response import Response

from hrflow_matching.api import schema
from hrflow_matching.api.auth import ApiKeyAuthentication, ApiKeyRateThrottle, HasApiKey, scope_for
from hrflow_matching.api.base import AppAPIView, extend_schema
from hrflow_matching.api.errors import ObjectArchived, ObjectNotFound, api_exception_handler
from hrflow_matching.api.rendering import FastJSONRenderer, gc_paused
from hrflow_matching.documents import iso
from hrflow_matching.models import ApiKey, Tombstone
from hrflow_matching.pull.page import build_page
from hrflow_matching.pull.params import Position, parse_page_size, refuse_offset_paging
from hrflow_matching.registry import BaseAdapter, Kind, get_kind_adapter


class NotConfigured(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "This CRM serves no objects of this kind (no adapter is registered)."


class PullView(AppAPIView):
    """Common set-up: API-key auth, per-key throttle, JSON only, HrFlow-style error bodies."""

    kind: ClassVar[Kind]
    authentication_classes = [ApiKeyAuthentication]
    permission_classes = [HasApiKey]
    throttle_classes = [ApiKeyRateThrottle]
    renderer_classes = [FastJSONRenderer]

    def get_exception_handler(self) -> Any:
        return api_exception_handler

    def permission_denied(
        self, request: Request, message: str | None = None, code: str | None = None
    ) -> None:
        if not isinstance(request.auth, ApiKey):
            raise exceptions.NotAuthenticated(HasApiKey.message)
        super().permission_denied(request, message=message, code=code)

    def get_adapter(self) -> BaseAdapter:
        try:
            return get_kind_adapter(self.kind)
        except ImproperlyConfigured:
            raise NotConfigured() from None


_ERRORS = {
    401: schema.HrFlowErrorSerializer,
    429: schema.HrFlowThrottledSerializer,
}
_LIST_PARAMETERS = [
    OpenApiParameter(
        "updated_since",
        OpenApiTypes.DATETIME,
        description="Items modified at or after this instant: ISO-8601 with a time zone "
        "(`2026-03-01T14:21:58Z`, `2026-03-01T16:21:58+02:00`); a date alone means midnight "
        "UTC. Encode `+` as `%2B`.",
    ),
    OpenApiParameter(
        "updated_until",
        OpenApiTypes.DATETIME,
        description="Items modified strictly before this instant (same format).",
    ),
    OpenApiParameter(
        "include_archived",
        OpenApiTypes.BOOL,
        description="Include archived and deleted objects (default true).",
    ),
    OpenApiParameter(
        "page_size", OpenApiTypes.INT, description="Items per page: 1 to 1,000 (default 100)."
    ),
    OpenApiParameter("limit", OpenApiTypes.INT, description="Another name for `page_size`."),
    OpenApiParameter(
        "cursor", OpenApiTypes.STR, description="`next_cursor` of the previous page, as is."
    ),
]


class ListView(PullView):
    def get(self, request: Request) -> Response:
        adapter = self.get_adapter()
        params = request.query_params
        refuse_offset_paging(params)
        size = parse_page_size(params)
        raw_cursor = params.get("cursor")
        position = Position.decode(raw_cursor) if raw_cursor not in (None, "") else None
        scope = scope_for(request.auth)
        # The page is built and rendered with the cyclic GC paused, and its objects are freed
        # before it resumes: nothing is left for the collector to scan (see rendering.py).
        with gc_paused():
            page = build_page(adapter, params, scope, position, size)
            next_cursor = page.next_position.encode() if page.next_position else None
            next_url = None
            if page.has_more and next_cursor:
                query = params.copy()
                query["cursor"] = next_cursor
                next_url = request.build_absolute_uri(f"{request.path}?{query.urlencode()}")
            content = FastJSONRenderer().render(
                {
                    "has_more": page.has_more,
                    "next_cursor": next_cursor,
                    "next": next_url,
                    "page_size": size,
                    "results": page.documents,
                }
            )
            del page
        return HttpResponse(content, content_type="application/json")


class LookupView(PullView):
    def get(self, request: Request, reference: str) -> Response:
        adapter = self.get_adapter()
        if "\x00" in reference:  # no database stores it (PostgreSQL refuses it outright)
            raise ObjectNotFound(self.kind, reference)
        scope = scope_for(request.auth)
        obj = self._live(adapter, scope, reference)
        if obj is not None:
            if adapter.is_archived(obj):
                raise ObjectArchived(self.kind, reference, iso(adapter.get_archived_at(obj)))
            return Response(adapter.to_document(obj))
        tombstones = Tombstone.objects.filter(model_label=adapter.label, reference=reference)
        tombstones_q = scope.tombstones_q()
        if tombstones_q is not None:
            tombstones = tombstones.filter(tombstones_q)
        tombstone = tombstones.only("archived_at").first()
        if tombstone is not None:
            raise ObjectArchived(self.kind, reference, iso(tombstone.archived_at))
        raise ObjectNotFound(self.kind, reference)

    @staticmethod
    def _live(adapter: BaseAdapter, scope: Any, reference: str) -> Model | None:
        queryset = adapter.get_queryset()
        rows_q = scope.rows_q(adapter.tenant_field)
        if rows_q is not None:
            queryset = queryset.filter(rows_q)
        return adapter.find_by_reference(queryset, reference)


def _list_schema(kind: str, page: type) -> Any:
    return extend_schema_view(
        get=extend_schema(
            operation_id=f"{kind}s_list",
            summary=f"Every {kind}, in modification order (incremental pull)",
            description=schema.CONTRACT,
            parameters=_LIST_PARAMETERS,
            responses={200: page, 400: schema.HrFlowParameterErrorSerializer, **_ERRORS},
            tags=["pull"],
        )
    )


def _lookup_schema(kind: str, document: type) -> Any:
    return extend_schema_view(
        get=extend_schema(
            operation_id=f"{kind}s_retrieve",
            summary=f"One {kind} by its CRM reference",
            description=f"The {kind} as a HrFlow.ai object. 404 for an unknown reference (or "
            f"another tenant's), 410 with `reference` and `archived_at` for an archived or "
            "deleted one.",
            parameters=[
                OpenApiParameter(
                    "reference",
                    OpenApiTypes.STR,
                    OpenApiParameter.PATH,
                    description="The CRM reference, URL-encoded.",
                )
            ],
            responses={
                200: document,
                404: schema.HrFlowErrorSerializer,
                410: schema.HrFlowGoneSerializer,
                **_ERRORS,
            },
            examples=[
                OpenApiExample(
                    "Archived",
                    value={
                        "code": 410,
                        "message": f"The {kind} 'ref-1' is archived.",
                        "reference": "ref-1",
                        "archived_at": "2026-03-01T14:21:58Z",
                    },
                    response_only=True,
                    status_codes=["410"],
                )
            ],
            tags=["pull"],
        )
    )


@_list_schema("profile", schema.HrFlowProfilePageSerializer)
class ProfileListView(ListView):
    kind = "profile"


@_list_schema("job", schema.HrFlowJobPageSerializer)
class JobListView(ListView):
    kind = "job"


@_lookup_schema("profile", schema.HrFlowProfileSerializer)
class ProfileLookupView(LookupView):
    kind = "profile"


@_lookup_schema("job", schema.HrFlowJobSerializer)
class JobLookupView(LookupView):
    kind = "job"
