"""``schema/`` and ``docs/``: the OpenAPI 3 schema of the app's API and a Swagger UI for it.

The schema covers the app's own endpoints only (not the host CRM's other DRF APIs), and the
Swagger UI loads its assets from ``drf-spectacular-sidecar`` (static files of this server), never
from a CDN, whatever the host's ``SPECTACULAR_SETTINGS`` say.
"""

from __future__ import annotations

from typing import Any

from django.templatetags.static import static
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.permissions import AllowAny

from .schema import CONTRACT

DESCRIPTION = f"""
The CRM's HrFlow.ai webservices: pull lists and lookups of profiles and jobs as HrFlow.ai
objects, and the matching API. Authenticate with the `X-API-KEY` header.

{CONTRACT}

**Errors** have the body `{{"code": <HTTP status>, "message": "..."}}`; a bad query parameter
adds `parameter` (400), an archived object adds `reference` and `archived_at` (410).
""".strip()


def only_app_endpoints(endpoints: list[tuple[Any, ...]], **kwargs: Any) -> list[tuple[Any, ...]]:
    """drf-spectacular preprocessing hook: keep the views defined by this app."""
    return [
        (path, regex, method, callback)
        for path, regex, method, callback in endpoints
        if getattr(getattr(callback, "cls", None), "__module__", "").startswith("hrflow_matching.")
        # Not the schema and its UI: drf-spectacular annotates their methods for the host's
        # DEFAULT_SCHEMA_CLASS, which may not be drf-spectacular's.
        and not issubclass(callback.cls, _Public)
    ]


class _Public:
    """The schema and its UI are public documents, whatever the host's DRF defaults (JWT,
    ``IsAuthenticated``, URL versioning) or its ``SPECTACULAR_SETTINGS`` say."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes: list = []
    versioning_class = None
    content_negotiation_class = DefaultContentNegotiation


class SchemaView(_Public, SpectacularAPIView):
    custom_settings = {
        "TITLE": "django-hrflow-matching API",
        "DESCRIPTION": DESCRIPTION,
        "VERSION": "1.0.0",
        "PREPROCESSING_HOOKS": ["hrflow_matching.api.docs.only_app_endpoints"],
    }


class DocsView(_Public, SpectacularSwaggerView):
    title = "django-hrflow-matching API"

    @staticmethod
    def _swagger_ui_resource(filename: str) -> str:
        return static(f"drf_spectacular_sidecar/swagger-ui-dist/{filename}")

    @staticmethod
    def _swagger_ui_favicon() -> str:
        return static("drf_spectacular_sidecar/swagger-ui-dist/favicon-32x32.png")
