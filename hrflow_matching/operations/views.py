"""``/hrflow/health/``: the health figures as JSON, 200 when healthy and 503 when a threshold
of ``HRFLOW_MATCHING["HEALTH"]`` is crossed, so that a load balancer or an uptime probe needs
only the status code. Four queries, whatever the number of endpoints (see ``health``)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_safe

from .. import health
from .access import refusal


@require_safe
def health_view(request: HttpRequest) -> HttpResponse:
    refused = refusal(request)
    if refused is not None:
        return refused
    thresholds = health.Thresholds.from_settings()
    body = health.snapshot().as_dict(thresholds)
    response = JsonResponse(body, status=200 if body["status"] == "ok" else 503)
    response["Cache-Control"] = "no-store"
    return response
