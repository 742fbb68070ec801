"""The app's DRF views depend on nothing in the host's ``REST_FRAMEWORK`` setting.

A host CRM often sets DRF defaults for its own API: JWT authentication, ``IsAuthenticated``,
camel-case renderers, URL versioning, its own schema class. DRF applies them to every
``APIView`` that does not say otherwise, so each view of this app says everything itself:
authentication, permissions, throttles and renderers on the views, and here what they share
(the OpenAPI schema class, no versioning, JSON parsing, the default content negotiation).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import extend_schema as spectacular_extend_schema
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import JSONParser
from rest_framework.views import APIView


class AppAPIView(APIView):
    """Base of the app's API views: the host's DRF defaults do not apply."""

    # An instance, not DRF's ``DEFAULT_SCHEMA_CLASS``: the schema view answered 500 in a host
    # whose default is DRF's own ``AutoSchema`` (or none).
    schema = AutoSchema()
    versioning_class = None
    parser_classes = [JSONParser]
    content_negotiation_class = DefaultContentNegotiation
    metadata_class = None


def extend_schema(**kwargs: Any) -> Callable[[Any], Any]:
    """drf-spectacular's ``extend_schema`` for the app's view methods, on drf-spectacular's
    ``AutoSchema`` whatever the host's ``DEFAULT_SCHEMA_CLASS``.

    Applied to a method, drf-spectacular subclasses ``DEFAULT_SCHEMA_CLASS`` read when the
    module is imported: in a host whose default is DRF's own ``AutoSchema`` (or none) the
    schema view answered 500. The method names its schema class first, so that is the base.
    """
    decorate = spectacular_extend_schema(**kwargs)

    def decorator(f: Any) -> Any:
        if not inspect.isclass(f) and getattr(f, "schema", None) is None:
            f.schema = AutoSchema
        return decorate(f)

    return decorator
