"""OpenAPI descriptions of the pull webservices: HrFlow objects, pages, errors, the auth header.

These serializers only describe the JSON that adapters build (``to_document``); the views never
use them to render. Fields HrFlow.ai requires are marked required; adapters may add more.
"""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .auth import HEADER

CONTRACT = """
**Incremental pull contract.** Items come in ascending (modification date, reference) order.
A page holds at most `page_size` items (default 100, at most 1,000). Each response gives
`next_cursor`, the position after its last item: pass it back as `cursor` to read on. While
`has_more` is true, the next page is ready now; when it is false, you hold everything up to
now: store `next_cursor` and resume from it at the next pull (it never expires).

A row updated while you page through moves to the end of the order, so it is met again later
in the same pull or the next one: a client that resumes from its last cursor misses no change
and ends with the latest version of every object. Rows modified in the last few seconds
(`SETTLE_SECONDS`, default 5) wait for the next pull, so that a transaction committing late
never slips behind a cursor.

Archived objects are included with `archived_at` set (full object); deleted objects appear as
`{"reference", "updated_at", "archived_at"}` for the tombstone retention period (default 90
days). `include_archived=false` leaves both out.
""".strip()


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "hrflow_matching.api.auth.ApiKeyAuthentication"
    name = "ApiKeyAuth"

    def get_security_definition(self, auto_schema: object) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": HEADER,
            "description": "A key made by `manage.py hrflow_apikey create --name NAME` "
            "(or in the admin). A key of a tenant reads only that tenant's objects.",
        }


class HrFlowLocationSerializer(serializers.Serializer):
    text = serializers.CharField(allow_null=True)
    lat = serializers.FloatField(allow_null=True, min_value=-90, max_value=90)
    lng = serializers.FloatField(allow_null=True, min_value=-180, max_value=180)
    fields = serializers.DictField(child=serializers.CharField(allow_null=True), allow_null=True)


class HrFlowSkillSerializer(serializers.Serializer):
    name = serializers.CharField()
    type = serializers.ChoiceField(choices=["hard", "soft"], allow_null=True, required=False)
    value = serializers.CharField(allow_null=True, required=False)


class HrFlowGeneralEntitySerializer(serializers.Serializer):
    """A tag, language, metadata…: string values only."""

    name = serializers.CharField()
    value = serializers.CharField(allow_null=True, required=False)


class HrFlowUrlSerializer(serializers.Serializer):
    type = serializers.CharField()
    url = serializers.CharField(allow_null=True)


class HrFlowProfileInfoSerializer(serializers.Serializer):
    full_name = serializers.CharField(allow_null=True)
    first_name = serializers.CharField(allow_null=True)
    last_name = serializers.CharField(allow_null=True)
    email = serializers.CharField(allow_null=True)
    phone = serializers.CharField(allow_null=True)
    date_birth = serializers.CharField(allow_null=True, required=False)
    gender = serializers.CharField(allow_null=True, required=False)
    summary = serializers.CharField(allow_null=True, required=False)
    picture = serializers.CharField(allow_null=True, required=False)
    location = HrFlowLocationSerializer(allow_null=True, required=False)
    urls = HrFlowUrlSerializer(many=True, required=False)


class HrFlowPeriod(serializers.Serializer):
    key = serializers.CharField(allow_null=True, required=False)
    title = serializers.CharField(allow_null=True, required=False)
    description = serializers.CharField(allow_null=True, required=False)
    location = HrFlowLocationSerializer(allow_null=True, required=False)
    date_start = serializers.CharField(allow_null=True, required=False, help_text="ISO-8601")
    date_end = serializers.CharField(allow_null=True, required=False, help_text="ISO-8601")
    skills = HrFlowSkillSerializer(many=True, required=False)
    tasks = HrFlowGeneralEntitySerializer(many=True, required=False)
    certifications = HrFlowGeneralEntitySerializer(many=True, required=False)
    courses = HrFlowGeneralEntitySerializer(many=True, required=False)
    languages = HrFlowGeneralEntitySerializer(many=True, required=False)
    interests = HrFlowGeneralEntitySerializer(many=True, required=False)


class HrFlowExperienceSerializer(HrFlowPeriod):
    company = serializers.CharField(allow_null=True, required=False)


class HrFlowEducationSerializer(HrFlowPeriod):
    school = serializers.CharField(allow_null=True, required=False)


_DATE_HELP = "ISO-8601 date-time in UTC."


class HrFlowProfileSerializer(serializers.Serializer):
    """A HrFlow.ai Profile object; ``reference`` is the CRM's own id of the candidate."""

    reference = serializers.CharField()
    text_language = serializers.CharField(required=False, help_text="ISO 639-1")
    text = serializers.CharField(allow_blank=True)
    info = HrFlowProfileInfoSerializer()
    experiences_duration = serializers.FloatField(required=False, help_text="Years.")
    educations_duration = serializers.FloatField(required=False, help_text="Years.")
    experiences = HrFlowExperienceSerializer(many=True, required=False)
    educations = HrFlowEducationSerializer(many=True, required=False)
    skills = HrFlowSkillSerializer(many=True, required=False)
    languages = HrFlowGeneralEntitySerializer(many=True, required=False)
    tags = HrFlowGeneralEntitySerializer(many=True, required=False)
    metadatas = HrFlowGeneralEntitySerializer(many=True, required=False)
    certifications = HrFlowGeneralEntitySerializer(many=True, required=False)
    courses = HrFlowGeneralEntitySerializer(many=True, required=False)
    tasks = HrFlowGeneralEntitySerializer(many=True, required=False)
    interests = HrFlowGeneralEntitySerializer(many=True, required=False)
    labels = serializers.ListField(child=serializers.DictField(), required=False)
    created_at = serializers.CharField(allow_null=True, required=False, help_text=_DATE_HELP)
    updated_at = serializers.CharField(allow_null=True, required=False, help_text=_DATE_HELP)
    archived_at = serializers.CharField(
        allow_null=True, help_text=_DATE_HELP + " Null unless the profile is archived."
    )


class HrFlowJobSectionSerializer(serializers.Serializer):
    name = serializers.CharField(allow_null=True)
    title = serializers.CharField(allow_null=True)
    description = serializers.CharField(allow_null=True)


class HrFlowRangeFloatSerializer(serializers.Serializer):
    name = serializers.CharField()
    value_min = serializers.FloatField(allow_null=True)
    value_max = serializers.FloatField(allow_null=True)
    unit = serializers.CharField(allow_null=True)


class HrFlowRangeDateSerializer(serializers.Serializer):
    name = serializers.CharField()
    value_min = serializers.CharField(allow_null=True)
    value_max = serializers.CharField(allow_null=True)


class HrFlowJobSerializer(serializers.Serializer):
    """A HrFlow.ai Job object; ``reference`` is the CRM's own id of the job offer."""

    reference = serializers.CharField()
    name = serializers.CharField()
    summary = serializers.CharField(allow_null=True, required=False)
    url = serializers.CharField(allow_null=True, required=False)
    location = HrFlowLocationSerializer()
    sections = HrFlowJobSectionSerializer(many=True)
    skills = HrFlowSkillSerializer(many=True, required=False)
    languages = HrFlowGeneralEntitySerializer(many=True, required=False)
    tags = HrFlowGeneralEntitySerializer(many=True, required=False)
    metadatas = HrFlowGeneralEntitySerializer(many=True, required=False)
    certifications = HrFlowGeneralEntitySerializer(many=True, required=False)
    courses = HrFlowGeneralEntitySerializer(many=True, required=False)
    tasks = HrFlowGeneralEntitySerializer(many=True, required=False)
    ranges_float = HrFlowRangeFloatSerializer(many=True, required=False)
    ranges_date = HrFlowRangeDateSerializer(many=True, required=False)
    created_at = serializers.CharField(allow_null=True, required=False, help_text=_DATE_HELP)
    updated_at = serializers.CharField(allow_null=True, required=False, help_text=_DATE_HELP)
    archived_at = serializers.CharField(
        allow_null=True, help_text=_DATE_HELP + " Null unless the job is archived."
    )


DELETED_OBJECT = {
    "type": "object",
    "description": "A deleted object (tombstone): its reference and when it was deleted.",
    "properties": {
        "reference": {"type": "string"},
        "updated_at": {"type": "string", "description": _DATE_HELP},
        "archived_at": {"type": "string", "description": _DATE_HELP},
    },
    "required": ["reference", "updated_at", "archived_at"],
    "additionalProperties": False,
}


def _items(component: str) -> dict:
    return {"anyOf": [{"$ref": f"#/components/schemas/{component}"}, DELETED_OBJECT]}


@extend_schema_field({"type": "array", "items": _items("HrFlowProfile")})
class _ProfileItems(serializers.ListField):
    pass


@extend_schema_field({"type": "array", "items": _items("HrFlowJob")})
class _JobItems(serializers.ListField):
    pass


class _PageSerializer(serializers.Serializer):
    has_more = serializers.BooleanField(help_text="True when the next page is ready now.")
    next_cursor = serializers.CharField(
        allow_null=True,
        help_text="Position after the last item: pass it as `cursor`. Null only when the "
        "page is empty and no cursor was given.",
    )
    next = serializers.URLField(allow_null=True, help_text="URL of the next page, if has_more.")
    page_size = serializers.IntegerField()


class HrFlowProfilePageSerializer(_PageSerializer):
    results = _ProfileItems()


class HrFlowJobPageSerializer(_PageSerializer):
    results = _JobItems()


class HrFlowErrorSerializer(serializers.Serializer):
    code = serializers.IntegerField(help_text="The HTTP status.")
    message = serializers.CharField()


class HrFlowParameterErrorSerializer(HrFlowErrorSerializer):
    parameter = serializers.CharField(help_text="The invalid query parameter.")


class HrFlowThrottledSerializer(HrFlowErrorSerializer):
    retry_after = serializers.IntegerField(help_text="Seconds to wait.", required=False)


class HrFlowGoneSerializer(HrFlowErrorSerializer):
    reference = serializers.CharField()
    archived_at = serializers.CharField(allow_null=True, help_text=_DATE_HELP)
