"""Error bodies of the webservices: ``{"code": <status>, "message": "..."}`` like HrFlow.ai's.

Every error a client can cause gets that body and a 4xx: a bad parameter names it in
``parameter``, an archived object carries ``reference`` and ``archived_at``. Nothing a client
sends can make a 500 with a traceback.
"""

from __future__ import annotations

from typing import Any

from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler


class ParameterError(exceptions.APIException):
    """A query parameter with an invalid value: 400 naming the parameter."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "invalid_parameter"

    def __init__(self, parameter: str, message: str) -> None:
        self.parameter = parameter
        super().__init__(f"Invalid parameter {parameter}: {message}")


class ObjectNotFound(exceptions.NotFound):
    def __init__(self, kind: str, reference: str) -> None:
        super().__init__(f"Unable to find object: {kind} with reference {reference!r}.")


class ObjectArchived(exceptions.APIException):
    """An archived (or deleted) object: 410 Gone with its reference and archiving date."""

    status_code = status.HTTP_410_GONE
    default_code = "archived"

    def __init__(self, kind: str, reference: str, archived_at: str | None) -> None:
        self.reference = reference
        self.archived_at = archived_at
        super().__init__(f"The {kind} {reference!r} is archived.")


def error_body(code: int, message: str, **extra: Any) -> dict[str, Any]:
    return {"code": code, "message": message, **extra}


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, with every error body reshaped to ``{"code", "message", ...}``."""
    response = exception_handler(exc, context)
    if response is None:
        return None
    extra: dict[str, Any] = {}
    if isinstance(exc, ParameterError):
        extra["parameter"] = exc.parameter
    elif isinstance(exc, ObjectArchived):
        extra = {"reference": exc.reference, "archived_at": exc.archived_at}
    if isinstance(exc, exceptions.APIException):
        detail = exc.detail
        message = detail if isinstance(detail, str) else _flatten(detail)
    else:  # Http404 / PermissionDenied converted by DRF
        message = str(response.data.get("detail", "Error.")) if response.data else "Error."
    if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
        extra["retry_after"] = int(exc.wait) + 1
    response.data = error_body(response.status_code, str(message), **extra)
    return response


def _flatten(detail: Any) -> str:
    if isinstance(detail, dict):
        return "; ".join(f"{k}: {_flatten(v)}" for k, v in detail.items())
    if isinstance(detail, list):
        return " ".join(_flatten(v) for v in detail)
    return str(detail)
