"""The JSON matching API: the recruiter pages' scored pages, for a CRM's own front end.

Same criteria, same form and same validation as the pages (``matching.forms.CriteriaForm``):
a bad criterion is a 400 whose ``errors`` names every field. Authentication is an API key
(``X-API-KEY``, scoped to the key's tenant) or the CRM's session (the user needs
``hrflow_matching.view_matching``; the tenant comes from the request resolver). Another
tenant's or an archived reference is a 404; a failing backend a 502/503 with its message.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms as django_forms
from django.core.exceptions import ImproperlyConfigured
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import exceptions, serializers, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import BasePermission
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from hrflow_matching.api import schema
from hrflow_matching.api.auth import ApiKeyAuthentication, ApiKeyRateThrottle, tenants_configured
from hrflow_matching.api.base import AppAPIView, extend_schema
from hrflow_matching.api.errors import api_exception_handler
from hrflow_matching.api.throttles import UserRateThrottle
from hrflow_matching.backends.base import BackendError, CriterionScore
from hrflow_matching.match.fields import CommaListField
from hrflow_matching.match.forms import CriteriaForm
from hrflow_matching.match.service import MODES, Mode, document_location, load_subject, run
from hrflow_matching.models import ApiKey
from hrflow_matching.tenancy import NoTenant, TenantNotConfigured, request_tenant

PERMISSION = "hrflow_matching.view_matching"


class InvalidCriteria(exceptions.APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "invalid_criteria"

    def __init__(self, errors: dict[str, list[str]]) -> None:
        self.errors = errors
        names = ", ".join(errors)
        super().__init__(f"Invalid criteria: {names}.")


class MatchingUnavailable(exceptions.APIException):
    """A backend failure or a tenant without HrFlow.ai settings: 502/503 with the message."""

    def __init__(self, message: str, status_code: int) -> None:
        self.status_code = status_code
        super().__init__(message)


def matching_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    response = api_exception_handler(exc, context)
    if response is not None and isinstance(exc, InvalidCriteria):
        response.data["errors"] = exc.errors
    return response


class CanUseMatching(BasePermission):
    """An API key, or a logged-in user with ``hrflow_matching.view_matching``."""

    message = "You need the permission hrflow_matching.view_matching."

    def has_permission(self, request: Request, view: Any) -> bool:
        if isinstance(request.auth, ApiKey):
            return True
        user = request.user
        return bool(user and user.is_authenticated and user.has_perm(PERMISSION))


# -- schema ------------------------------------------------------------------------------------
class CriterionScoreSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="skills, title, text, experience, location, …")
    score = serializers.FloatField(help_text="In [0, 1].")
    weight = serializers.FloatField(help_text="Weight used, renormalised over criteria with data.")
    evidence = serializers.DictField(help_text="What the score is based on (matched skills, km…).")


class ScoredItemSerializer(serializers.Serializer):
    reference = serializers.CharField()
    score = serializers.FloatField(help_text="In [0, 1], best first.")
    explanation = CriterionScoreSerializer(many=True)
    document = serializers.DictField(help_text="The HrFlow Profile or Job object of the item.")


class ScoredPageSerializer(serializers.Serializer):
    page = serializers.IntegerField()
    last_page = serializers.IntegerField()
    total = serializers.IntegerField(help_text="Matches over all pages (backend's count).")
    limit = serializers.IntegerField()
    items = ScoredItemSerializer(many=True)


class CriteriaErrorSerializer(serializers.Serializer):
    code = serializers.IntegerField()
    message = serializers.CharField()
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


def _parameter(name: str, field: Any) -> OpenApiParameter:
    if isinstance(field, CommaListField):
        kind = OpenApiTypes.STR
        extra = " Comma-separated or repeated."
    elif isinstance(field, django_forms.IntegerField):
        kind, extra = OpenApiTypes.INT, ""
    elif isinstance(field, django_forms.FloatField):
        kind, extra = OpenApiTypes.FLOAT, ""
    else:
        kind, extra = OpenApiTypes.DATE, ""
    description = f"{field.label or name.replace('_', ' ').capitalize()}. {field.help_text}{extra}"
    return OpenApiParameter(name, kind, description=description.strip())


CRITERIA_PARAMETERS = [_parameter(n, f) for n, f in CriteriaForm.base_fields.items()]
ERRORS = {
    400: CriteriaErrorSerializer,
    401: schema.HrFlowErrorSerializer,
    403: schema.HrFlowErrorSerializer,
    502: schema.HrFlowErrorSerializer,
    503: schema.HrFlowErrorSerializer,
}


# -- views -------------------------------------------------------------------------------------
class MatchingApiView(AppAPIView):
    mode_name: ClassVar[str]
    subject_parameter: ClassVar[str | None] = None
    #: Parameters that are not criteria: DRF's ``format`` (``?format=json``).
    other_parameters: ClassVar[tuple[str, ...]] = ("format",)
    authentication_classes = [ApiKeyAuthentication, SessionAuthentication]
    permission_classes = [CanUseMatching]
    throttle_classes = [ApiKeyRateThrottle, UserRateThrottle]
    renderer_classes = [JSONRenderer]

    def get_exception_handler(self) -> Any:
        return matching_exception_handler

    def tenant(self, request: Request) -> str | None:
        if isinstance(request.auth, ApiKey):
            if request.auth.tenant:
                return request.auth.tenant
            if tenants_configured():
                raise exceptions.PermissionDenied(
                    "This API key has no tenant; matching needs one in a multi-tenant CRM."
                )
            return None
        try:
            return request_tenant(request._request)
        except NoTenant as error:  # fail closed, as API keys do
            raise exceptions.PermissionDenied(str(error)) from None

    def get(self, request: Request) -> Response:
        mode: Mode = MODES[self.mode_name]
        tenant = self.tenant(request)
        form = CriteriaForm(request.query_params)
        errors: dict[str, list[str]] = {}
        reference = None
        if self.subject_parameter:
            reference = (request.query_params.get(self.subject_parameter) or "").strip()
            if not reference:
                errors[self.subject_parameter] = ["This parameter is required."]
        if form.is_valid() and mode.is_search:
            form.require_location_for_distance()
        errors.update({k: [str(m) for m in v] for k, v in form.errors.items()})
        known = {*CriteriaForm.base_fields, *self.other_parameters}
        if self.subject_parameter:
            known.add(self.subject_parameter)
        for name in sorted(set(request.query_params) - known):
            # A misspelt filter (skill=, min_score=) must not answer unfiltered results.
            errors[name] = [f"Unknown parameter. Known: {', '.join(sorted(known))}."]
        if errors:
            raise InvalidCriteria(errors)
        center = None
        if mode.subject_kind is not None:
            try:
                adapter, subject = load_subject(mode.subject_kind, reference or "", tenant)
            except Http404:
                raise exceptions.NotFound(
                    f"Unable to find object: {mode.subject_kind} with reference {reference!r}."
                ) from None
            except ImproperlyConfigured as error:  # no adapter registered for the kind
                raise MatchingUnavailable(str(error), 503) from None
            if form.cleaned_data.get("location_distance") is not None:
                loc = document_location(adapter.to_document(subject))
                if loc.get("lat") is not None and loc.get("lng") is not None:
                    center = (float(loc["lat"]), float(loc["lng"]))
        criteria = form.to_criteria(default_center=center)
        try:
            result = run(mode, criteria, tenant, reference)
        except BackendError as error:
            raise MatchingUnavailable(error.message, error.status_code) from None
        except TenantNotConfigured as error:
            raise MatchingUnavailable(str(error), 503) from None
        except ImproperlyConfigured as error:
            raise MatchingUnavailable(str(error), 503) from None
        page = result.page
        return Response(
            {
                "page": page.page,
                "last_page": page.last_page,
                "total": page.total,
                "limit": page.limit,
                "items": [
                    {
                        "reference": item.reference,
                        "score": item.score,
                        "explanation": [_criterion(c) for c in item.explanation],
                        "document": document,
                    }
                    for item, _obj, document in result.rows
                ],
            }
        )


def _criterion(criterion: CriterionScore) -> dict[str, Any]:
    return {
        "name": criterion.name,
        "score": criterion.score,
        "weight": criterion.weight,
        "evidence": criterion.evidence,
    }


def _schema(operation_id: str, summary: str, subject: str | None) -> Any:
    parameters = list(CRITERIA_PARAMETERS)
    if subject:
        parameters.insert(
            0,
            OpenApiParameter(
                subject, OpenApiTypes.STR, required=True, description="CRM reference."
            ),
        )
    return extend_schema(
        operation_id=operation_id,
        summary=summary,
        description="A scored page, best first. Criteria use HrFlow.ai's parameter names; "
        "errors in criteria are a 400 whose `errors` maps each parameter to its messages.",
        parameters=parameters,
        responses={200: ScoredPageSerializer, 404: schema.HrFlowErrorSerializer, **ERRORS},
        tags=["matching"],
    )


class ProfilesForJobApi(MatchingApiView):
    mode_name = "profiles_for_job"
    subject_parameter = "job_reference"

    @_schema("matching_profiles", "Candidates ranked for a job", "job_reference")
    def get(self, request: Request) -> Response:
        return super().get(request)


class JobsForProfileApi(MatchingApiView):
    mode_name = "jobs_for_profile"
    subject_parameter = "profile_reference"

    @_schema("matching_jobs", "Jobs ranked for a candidate", "profile_reference")
    def get(self, request: Request) -> Response:
        return super().get(request)


class SearchProfilesApi(MatchingApiView):
    mode_name = "search_profiles"

    @_schema("search_profiles", "Search candidates", None)
    def get(self, request: Request) -> Response:
        return super().get(request)


class SearchJobsApi(MatchingApiView):
    mode_name = "search_jobs"

    @_schema("search_jobs", "Search jobs", None)
    def get(self, request: Request) -> Response:
        return super().get(request)


__all__ = ["JobsForProfileApi", "ProfilesForJobApi", "SearchJobsApi", "SearchProfilesApi"]
