"""The health page of one webhook endpoint in the admin (``…/webhookendpoint/<id>/health/``).

It shows what an operator asks first when HrFlow.ai seems late: is this receiver answering
(deliveries per hour, by outcome, over 24 hours and 30 days), how far behind is it (outbox depth
and the age of the oldest undelivered event), and is the index keeping up (index lag). The
figures come from :mod:`hrflow_matching.health`, as for ``hrflow_status`` and the metrics.
Anyone who may view endpoints in the admin may open it.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone

from .. import health
from ..models.webhooks import WebhookEndpoint
from .charts import bar_chart, legend


def endpoint_health_view(
    model_admin: admin.ModelAdmin, request: HttpRequest, object_id: str
) -> HttpResponse:
    endpoint = model_admin.get_object(request, object_id)
    if endpoint is None:
        raise Http404(f"No webhook endpoint {object_id!r}.")
    if not model_admin.has_view_permission(request, endpoint):
        raise PermissionDenied
    now = timezone.now()
    figures = health.snapshot(now)
    mine = next(e for e in figures.endpoints if e.id == endpoint.pk)
    month = health.hourly(endpoint.pk, 30 * 24, now)
    day = month.last(24)
    thresholds = health.Thresholds.from_settings()
    context: dict[str, Any] = {
        **model_admin.admin_site.each_context(request),
        "opts": WebhookEndpoint._meta,
        "original": endpoint,
        "title": f"Health of {endpoint}",
        "endpoint": endpoint,
        "mine": mine,
        "figures": figures,
        "problems": figures.problems(thresholds),
        "oldest_mine": health.format_age(figures.endpoint_oldest_seconds(mine)),
        "oldest_all": health.format_age(figures.oldest_pending_seconds),
        "index_lag": health.format_age(figures.index_lag_seconds),
        "day_totals": day.totals(),
        "month_totals": month.totals(),
        "chart_day": bar_chart(day, title="Last 24 hours"),
        "chart_month": bar_chart(month, title="Last 30 days"),
        "legend": legend(),
        "deliveries_url": reverse("admin:hrflow_matching_delivery_changelist")
        + f"?endpoint__id__exact={endpoint.pk}",
        "now": now,
    }
    return TemplateResponse(request, "hrflow_matching/admin/endpoint_health.html", context)
