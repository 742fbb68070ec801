"""A real delivery run for the health tests: three receivers, the real sender, real attempts.

The receivers are pytest-httpserver handlers: ``/ok`` answers 200, ``/flaky`` answers 500 to
the first try of each message and 200 to the retry, ``/down`` answers 503 to everything (its
deliveries exhaust the retry schedule and fail). Each wave saves candidates of the demo CRM
(the signals write the outbox) and runs the sweeper until nothing is pending. A wave can then
be moved back in time (its events, deliveries and attempts together), so that the hourly
charts have a history: the rows are those the sender wrote, only their dates are older.
"""

from __future__ import annotations

import datetime as dt
import itertools
import threading
import time
from dataclasses import dataclass, field

from django.db.models import F
from werkzeug import Request, Response

from hrflow_matching.models import Delivery, DeliveryAttempt, Event, WebhookEndpoint
from hrflow_matching.tasks import run_sweep
from tests.support.webhook_fixtures import candidate

_names = itertools.count()


@dataclass
class HealthRun:
    ok: WebhookEndpoint
    flaky: WebhookEndpoint
    down: WebhookEndpoint
    seen: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def endpoints(self) -> list[WebhookEndpoint]:
        return [self.ok, self.flaky, self.down]

    def wave(self, saves: int, ago: dt.timedelta | None = None, send: bool = True) -> list[int]:
        """Save ``saves`` candidates, deliver (unless not ``send``), then move the wave's rows
        back by ``ago``. Returns the ids of the wave's events."""
        before = set(Event.objects.values_list("pk", flat=True))
        for _ in range(saves):
            candidate(email=f"wave{next(_names)}@example.com")
        events = sorted(set(Event.objects.values_list("pk", flat=True)) - before)
        if send:
            drive()
        if ago:
            Event.objects.filter(pk__in=events).update(created_at=F("created_at") - ago)
            Delivery.objects.filter(event__in=events).update(created_at=F("created_at") - ago)
            DeliveryAttempt.objects.filter(delivery__event__in=events).update(
                created_at=F("created_at") - ago
            )
        return events

    def flaky_answer(self, request: Request) -> Response:
        msg = request.headers.get("webhook-id", "")
        with self.lock:
            first = msg not in self.seen
            self.seen.add(msg)
        return Response("try again", status=500) if first else Response("ok")


def drive(timeout: float = 20.0) -> None:
    """Run the sweeper (in process, as ``hrflow_worker`` does) until nothing is pending."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run_sweep(publish=False)
        if not Delivery.objects.filter(status=Delivery.Status.PENDING).exists():
            return
        time.sleep(0.02)
    raise AssertionError("deliveries still pending after the run")


def start_health_run(httpserver) -> HealthRun:  # type: ignore[no-untyped-def]
    """Three endpoints on ``httpserver`` (pytest-httpserver), one per behaviour."""
    run = HealthRun(
        ok=WebhookEndpoint.objects.create(url=httpserver.url_for("/ok"), description="ok"),
        flaky=WebhookEndpoint.objects.create(url=httpserver.url_for("/flaky"), description="flaky"),
        down=WebhookEndpoint.objects.create(url=httpserver.url_for("/down"), description="down"),
    )
    httpserver.expect_request("/ok", method="POST").respond_with_data("ok")
    httpserver.expect_request("/flaky", method="POST").respond_with_handler(run.flaky_answer)
    httpserver.expect_request("/down", method="POST").respond_with_data("down", status=503)
    return run
