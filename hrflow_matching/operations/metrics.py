"""``/hrflow/metrics/``: the health figures in Prometheus' text format (``prometheus_client``).

``prometheus_client`` is the optional extra ``metrics`` (``pip install
'django-hrflow-matching[metrics]'``); without it the endpoint answers 501 with that sentence
rather than failing at import. The figures are read from the database on each scrape (they are
shared by every process), into a registry of the scrape's own, so nothing is kept between
scrapes and no process-global registry is touched.

Metrics (``endpoint`` is the endpoint's id, never its URL):

``hrflow_outbox_depth{endpoint}``                      pending deliveries
``hrflow_oldest_undelivered_seconds{endpoint}``        age of the oldest pending delivery
``hrflow_delivery_attempts{endpoint,outcome,window}``  attempts in the last ``1h`` / ``24h``,
                                                       outcome delivered, retrying or failed
``hrflow_endpoint_active{endpoint}``                   1 active, 0 disabled
``hrflow_endpoint_auto_disabled{endpoint}``            1 when disabled by failures
``hrflow_index_lag_seconds``                           age of the oldest event not indexed
``hrflow_index_pending_events``                        events still to index
``hrflow_index_given_up_events``                       events whose indexing was given up
``hrflow_health_problems``                             thresholds crossed (0 when healthy)
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

from .. import health
from .access import refusal

MISSING = (
    "Prometheus metrics need the optional extra 'metrics': "
    "pip install 'django-hrflow-matching[metrics]' (it installs prometheus_client).\n"
)


class HealthCollector:
    """A ``prometheus_client`` collector of one :class:`~hrflow_matching.health.Health`."""

    def __init__(self, figures: health.Health, thresholds: health.Thresholds) -> None:
        self.figures, self.thresholds = figures, thresholds

    def collect(self) -> Iterator[Any]:
        from prometheus_client.core import GaugeMetricFamily

        f = self.figures

        def gauge(name: str, doc: str, labels: list[str] | None = None) -> GaugeMetricFamily:
            return GaugeMetricFamily(name, doc, labels=labels)

        depth = gauge("hrflow_outbox_depth", "Pending webhook deliveries.", ["endpoint"])
        oldest = gauge(
            "hrflow_oldest_undelivered_seconds",
            "Age of the oldest pending delivery (0 when none).",
            ["endpoint"],
        )
        attempts = gauge(
            "hrflow_delivery_attempts",
            "Delivery attempts in the window, by outcome (delivered, retrying, failed).",
            ["endpoint", "outcome", "window"],
        )
        active = gauge("hrflow_endpoint_active", "1 when the endpoint is active.", ["endpoint"])
        auto = gauge(
            "hrflow_endpoint_auto_disabled",
            "1 when the endpoint was disabled by failures.",
            ["endpoint"],
        )
        for e in f.endpoints:
            label = str(e.id)
            depth.add_metric([label], e.pending)
            oldest.add_metric([label], f.endpoint_oldest_seconds(e))
            for window, outcomes in (("1h", e.last_hour), ("24h", e.last_day)):
                for outcome in health.OUTCOMES:
                    attempts.add_metric([label, outcome, window], getattr(outcomes, outcome))
            active.add_metric([label], int(e.active))
            auto.add_metric([label], int(e.auto_disabled))
        yield from (depth, oldest, attempts, active, auto)
        lag = gauge("hrflow_index_lag_seconds", "Age of the oldest event not indexed (0: none).")
        lag.add_metric([], f.index_lag_seconds)
        pending = gauge("hrflow_index_pending_events", "Events still to index.")
        pending.add_metric([], f.index.pending)
        given_up = gauge("hrflow_index_given_up_events", "Events whose indexing was given up.")
        given_up.add_metric([], f.index.given_up)
        problems = gauge(
            "hrflow_health_problems", "Thresholds of HRFLOW_MATCHING['HEALTH'] crossed."
        )
        problems.add_metric([], len(f.problems(self.thresholds)))
        yield from (lag, pending, given_up, problems)


@require_safe
def metrics_view(request: HttpRequest) -> HttpResponse:
    refused = refusal(request)
    if refused is not None:
        return refused
    try:
        from prometheus_client import CollectorRegistry
        from prometheus_client.exposition import choose_encoder
    except ImportError:
        return HttpResponse(MISSING, status=501, content_type="text/plain; charset=utf-8")
    registry = CollectorRegistry(auto_describe=False)
    registry.register(HealthCollector(health.snapshot(), health.Thresholds.from_settings()))
    encoder, content_type = choose_encoder(request.headers.get("Accept", ""))
    response = HttpResponse(encoder(registry), content_type=content_type)
    response["Cache-Control"] = "no-store"
    return response
