"""The health figures of the NOTIFY and INDEX flows, computed once for every place showing them.

The admin health page, ``manage.py hrflow_status``, the Prometheus metrics and the
``/hrflow/health/`` endpoint all read :func:`snapshot` (and the admin page :func:`hourly`), so
that an operator never sees two definitions of "healthy". The module reads the models only;
it sends nothing and changes nothing.

What the figures mean:

* **outbox depth**: deliveries still to be sent (``pending``), per endpoint and in total;
* **oldest undelivered**: the age of the oldest pending delivery (an event the receiver does
  not have yet). A receiver that fails keeps its deliveries pending along the retry schedule,
  so this age grows with the failure;
* **deliveries per hour**: attempts, by outcome. *delivered*: answered 2xx; *failed*: the last
  attempt of a delivery given up (schedule exhausted, 410, endpoint disabled); *retrying*: any
  other unsuccessful attempt (another one follows);
* **index lag**: the age of the oldest event the matching backend has not taken in yet (and
  how many there are); events given up after ``MAX_INDEX_ATTEMPTS`` are counted apart, since
  they will not catch up by themselves.

Cost: :func:`snapshot` is four queries whatever the number of endpoints (grouped counts on the
partial indexes of pending deliveries and unindexed events, and on the attempts' date index);
:func:`hourly` is one grouped query over one endpoint's attempts of the last 30 days.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any

from django.db.models import Case, CharField, Count, F, Min, Q, Value, When
from django.db.models.functions import TruncHour
from django.utils import timezone

from .conf import get_settings
from .models.webhooks import Delivery, DeliveryAttempt, Event, WebhookEndpoint

OUTCOMES = ("delivered", "retrying", "failed")
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)


def _outcome() -> Case:
    """An attempt's outcome as SQL (see the module docstring)."""
    ok = Q(status_code__gte=200, status_code__lt=300)
    final_failure = Q(delivery__status=Delivery.Status.FAILED, number=F("delivery__attempt_count"))
    return Case(
        When(ok, then=Value("delivered")),
        When(final_failure, then=Value("failed")),
        default=Value("retrying"),
        output_field=CharField(),
    )


@dataclass
class Outcomes:
    delivered: int = 0
    retrying: int = 0
    failed: int = 0

    def add(self, outcome: str, n: int) -> None:
        setattr(self, outcome, getattr(self, outcome) + n)

    @property
    def total(self) -> int:
        return self.delivered + self.retrying + self.failed


@dataclass
class EndpointHealth:
    """One endpoint. ``id`` only: its URL may carry a token, so it is never published."""

    id: int
    active: bool
    #: Disabled by the sender (a run of failures, a 410), not by an operator.
    auto_disabled: bool
    pending: int = 0
    oldest_pending_at: dt.datetime | None = None
    last_hour: Outcomes = field(default_factory=Outcomes)
    last_day: Outcomes = field(default_factory=Outcomes)


@dataclass
class IndexHealth:
    pending: int = 0
    oldest_pending_at: dt.datetime | None = None
    given_up: int = 0


@dataclass(frozen=True)
class Thresholds:
    """Limits beyond which the system is unhealthy; None switches a check off."""

    outbox_depth: int | None = None
    oldest_pending_seconds: float | None = None
    index_lag_seconds: float | None = None
    failed_last_day: int | None = None
    disabled_endpoints: int | None = None

    @classmethod
    def from_settings(cls, overrides: dict[str, Any] | None = None) -> Thresholds:
        """``HRFLOW_MATCHING["HEALTH"]``; a key of ``overrides`` (a command's flags, None for
        "off") replaces the setting."""
        conf = get_settings()["HEALTH"]
        values = {name: conf[key] for name, key in SETTING_KEYS.items()}
        values.update(overrides or {})
        return cls(**values)


#: Threshold attribute -> key of ``HRFLOW_MATCHING["HEALTH"]``.
SETTING_KEYS = {
    "outbox_depth": "MAX_OUTBOX_DEPTH",
    "oldest_pending_seconds": "MAX_OLDEST_PENDING",
    "index_lag_seconds": "MAX_INDEX_LAG",
    "failed_last_day": "MAX_FAILED_24H",
    "disabled_endpoints": "MAX_DISABLED_ENDPOINTS",
}


@dataclass
class Health:
    """Everything at one instant ``at``; ages are measured from it."""

    at: dt.datetime
    endpoints: list[EndpointHealth]
    index: IndexHealth

    def _age(self, when: dt.datetime | None) -> float:
        return max(0.0, (self.at - when).total_seconds()) if when else 0.0

    @property
    def outbox_depth(self) -> int:
        return sum(e.pending for e in self.endpoints)

    @property
    def oldest_pending_seconds(self) -> float:
        dates = [e.oldest_pending_at for e in self.endpoints if e.oldest_pending_at]
        return self._age(min(dates)) if dates else 0.0

    def endpoint_oldest_seconds(self, endpoint: EndpointHealth) -> float:
        return self._age(endpoint.oldest_pending_at)

    @property
    def index_lag_seconds(self) -> float:
        return self._age(self.index.oldest_pending_at)

    @property
    def last_hour(self) -> Outcomes:
        return _sum(e.last_hour for e in self.endpoints)

    @property
    def last_day(self) -> Outcomes:
        return _sum(e.last_day for e in self.endpoints)

    @property
    def disabled_endpoints(self) -> int:
        return sum(1 for e in self.endpoints if e.auto_disabled)

    def problems(self, thresholds: Thresholds) -> list[str]:
        """One sentence per threshold crossed (strictly above its limit); empty when healthy."""
        checks = [
            ("outbox_depth", self.outbox_depth, "{} deliveries pending", str),
            ("oldest_pending_seconds", self.oldest_pending_seconds, "oldest undelivered event {} old", format_age),
            ("index_lag_seconds", self.index_lag_seconds, "index lag {}", format_age),
            ("failed_last_day", self.last_day.failed, "{} deliveries failed in the last 24 h", str),
            ("disabled_endpoints", self.disabled_endpoints, "{} endpoints disabled by failures", str),
        ]  # fmt: skip
        out = []
        for name, value, text, show in checks:
            limit = getattr(thresholds, name)
            if limit is not None and value > limit:
                out.append(f"{text.format(show(value))} (limit {show(limit)})")
        return out

    def as_dict(self, thresholds: Thresholds) -> dict[str, Any]:
        """JSON-ready: numbers and ids only (no URL, tenant or secret)."""
        problems = self.problems(thresholds)
        return {
            "status": "fail" if problems else "ok",
            "problems": problems,
            "at": self.at.isoformat(),
            "outbox_depth": self.outbox_depth,
            "oldest_pending_seconds": round(self.oldest_pending_seconds, 1),
            "deliveries_last_hour": asdict(self.last_hour),
            "deliveries_last_24h": asdict(self.last_day),
            "disabled_endpoints": self.disabled_endpoints,
            "index": {
                "pending": self.index.pending,
                "lag_seconds": round(self.index_lag_seconds, 1),
                "given_up": self.index.given_up,
            },
            "endpoints": [
                {
                    "id": e.id,
                    "active": e.active,
                    "pending": e.pending,
                    "oldest_pending_seconds": round(self.endpoint_oldest_seconds(e), 1),
                    "deliveries_last_hour": asdict(e.last_hour),
                    "deliveries_last_24h": asdict(e.last_day),
                }
                for e in self.endpoints
            ],
            "thresholds": asdict(thresholds),
        }


def _sum(items: Any) -> Outcomes:
    total = Outcomes()
    for item in items:
        for outcome in OUTCOMES:
            total.add(outcome, getattr(item, outcome))
    return total


def snapshot(now: dt.datetime | None = None) -> Health:
    """The figures of every endpoint and of the index, in four queries."""
    from .index.indexing import MAX_INDEX_ATTEMPTS

    now = now or timezone.now()
    endpoints = {
        pk: EndpointHealth(id=pk, active=active, auto_disabled=not active and bool(reason))
        for pk, active, reason in WebhookEndpoint.objects.order_by("pk").values_list(
            "pk", "is_active", "disabled_reason"
        )
    }
    pending = (
        Delivery.objects.filter(status=Delivery.Status.PENDING)
        .values("endpoint_id")
        .annotate(n=Count("pk"), oldest=Min("created_at"))
        .order_by()
    )
    for row in pending:
        endpoint = endpoints.get(row["endpoint_id"])
        if endpoint is not None:  # an endpoint deleted between the two reads
            endpoint.pending, endpoint.oldest_pending_at = row["n"], row["oldest"]
    attempts = (
        DeliveryAttempt.objects.filter(created_at__gt=now - DAY, created_at__lte=now)
        .annotate(outcome=_outcome())
        .values("delivery__endpoint_id", "outcome")
        .annotate(n=Count("pk"), recent=Count("pk", filter=Q(created_at__gt=now - HOUR)))
        .order_by()
    )
    for row in attempts:
        endpoint = endpoints.get(row["delivery__endpoint_id"])
        if endpoint is not None:
            endpoint.last_day.add(row["outcome"], row["n"])
            endpoint.last_hour.add(row["outcome"], row["recent"])
    retried = Q(index_attempts__lt=MAX_INDEX_ATTEMPTS)
    index = Event.objects.filter(indexed_at__isnull=True).aggregate(
        pending=Count("pk", filter=retried),
        oldest=Min("created_at", filter=retried),
        given_up=Count("pk", filter=~retried),
    )
    return Health(
        at=now,
        endpoints=list(endpoints.values()),
        index=IndexHealth(index["pending"], index["oldest"], index["given_up"]),
    )


@dataclass
class Series:
    """Attempts per hour and outcome, oldest hour first; ``hours[i]`` starts bucket ``i``."""

    hours: list[dt.datetime]
    counts: dict[str, list[int]]

    def last(self, n: int) -> Series:
        return Series(self.hours[-n:], {k: v[-n:] for k, v in self.counts.items()})

    def totals(self) -> Outcomes:
        return Outcomes(**{k: sum(v) for k, v in self.counts.items()})


def hourly(endpoint_id: int, hours: int = 30 * 24, now: dt.datetime | None = None) -> Series:
    """One endpoint's attempts per hour over the last ``hours`` hours (the current one last).

    Hours are UTC, so that a day with a clock change still has 24 buckets.
    """
    now = now or timezone.now()
    current = now.astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0)
    starts = [current - HOUR * i for i in range(hours - 1, -1, -1)]
    slot = {start: i for i, start in enumerate(starts)}
    counts = {outcome: [0] * hours for outcome in OUTCOMES}
    rows = (
        DeliveryAttempt.objects.filter(
            delivery__endpoint_id=endpoint_id, created_at__gte=starts[0], created_at__lte=now
        )
        .annotate(hour=TruncHour("created_at", tzinfo=dt.UTC), outcome=_outcome())
        .values("hour", "outcome")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in rows:
        i = slot.get(row["hour"].astimezone(dt.UTC))
        if i is not None:
            counts[row["outcome"]][i] += row["n"]
    return Series(starts, counts)


def format_age(seconds: float) -> str:
    """``"45 s"``, ``"12 min"``, ``"3 h 05 min"``, ``"2 d 04 h"``: an age an operator reads."""
    s = int(seconds)
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min"
    if s < 86400:
        return f"{s // 3600} h {s % 3600 // 60:02d} min"
    return f"{s // 86400} d {s % 86400 // 3600:02d} h"
