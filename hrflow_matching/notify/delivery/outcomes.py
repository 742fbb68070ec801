"""What an attempt's answer does: the attempt logged, the delivery's next state, the endpoint's.

The retry schedule lives in the database (``attempt_count``, ``next_attempt_at``) and the
sweeper drives it; nothing waits in a Celery countdown, which Redis would redeliver after its
visibility timeout. 2xx succeeds, 410 disables the endpoint, throttling waits at least a
minute and honours ``Retry-After``, and an endpoint failing continuously for ``DISABLE_AFTER``
is disabled (any success resets that clock).
"""

from __future__ import annotations

import datetime as dt
import logging
import random

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from hrflow_matching.conf import get_settings
from hrflow_matching.models.webhooks import Delivery, DeliveryAttempt, WebhookEndpoint
from hrflow_matching.notify.delivery import client
from hrflow_matching.retry_after import parse_retry_after

logger = logging.getLogger(__name__)

#: Timeouts and 429 wait at least this long (seconds, scaled like the schedule in tests).
OVERLOAD_PENALTY = 60.0


def _conf() -> dict:
    return get_settings()["WEBHOOKS"]


def record(done: list[tuple[Delivery, client.Response]], token: str) -> dict[int, str]:
    """Write every attempt, then the new state of each delivery, in one transaction."""
    if not done:
        return {}
    conf = _conf()
    stored = int(conf["STORED_RESPONSE_BYTES"])
    now = timezone.now()
    outcomes: dict[int, str] = {}
    attempts = []
    successes: dict[int, list[int]] = {}
    # An endpoint that answered 2xx in this batch is not failing continuously, whatever its
    # other deliveries got: its clock stops first, and its failures here do not restart it.
    ok_endpoints = {row.endpoint_id for row, r in done if r.ok}
    failing: dict[int, WebhookEndpoint] = {}  # endpoints with a failure and no success here
    with transaction.atomic():
        if ok_endpoints:
            WebhookEndpoint.objects.filter(pk__in=ok_endpoints, failing_since__isnull=False).update(
                failing_since=None
            )
        for row, response in done:
            error = _text(response.error)[:500]
            if response.status_code is not None and not response.ok and not error:
                error = f"HTTP {response.status_code}"
            number = row.attempt_count + 1  # position in the schedule (restarts on redelivery)
            attempts.append(
                DeliveryAttempt(
                    delivery=row,
                    number=number,
                    created_at=now,
                    status_code=response.status_code,
                    error=error,
                    duration_ms=response.duration_ms,
                    response_excerpt=_text(response.body[:stored].decode("utf-8", "replace")),
                )
            )
            if response.ok:
                successes.setdefault(response.status_code or 200, []).append(row.pk)
                outcomes[row.pk] = "success"
            elif response.status_code == 410:
                finish(row, token, status=Delivery.Status.FAILED, number=number, code=410, error=error)  # fmt: skip
                _disable(row.endpoint, "410 Gone from the receiver")
                outcomes[row.pk] = "gone"
            else:
                outcomes[row.pk] = _retry_or_fail(row, token, number, response, error, now)
                if row.endpoint_id not in ok_endpoints:
                    failing[row.endpoint_id] = row.endpoint
            logger.info(
                "webhook %s %s attempt %d to endpoint %s: %s",
                row.event.event_type,
                row.msg_id,
                number,
                row.endpoint_id,
                response.status_code or error,
            )
        DeliveryAttempt.objects.bulk_create(attempts)
        for endpoint in failing.values():
            _note_failure(endpoint, now)
        for code, pks in successes.items():
            Delivery.objects.filter(pk__in=pks, claim_token=token).update(
                status=Delivery.Status.SUCCESS,
                attempt_count=F("attempt_count") + 1,
                last_status_code=code,
                last_error="",
                delivered_at=now,
                claim_token="",
                locked_until=None,
            )
    return outcomes


def _text(value: str) -> str:
    """Text PostgreSQL can store: a receiver's NUL bytes would fail the batch's transaction."""
    return value.replace("\x00", "\ufffd")


def _retry_or_fail(delivery, token, number, response, error, now) -> str:
    conf = _conf()
    schedule = [float(x) for x in conf["RETRY_SCHEDULE"]]
    if number >= len(schedule):
        finish(delivery, token, status=Delivery.Status.FAILED, number=number, code=response.status_code, error=error)  # fmt: skip
        outcome = "failed"
    else:
        delay = next_delay(schedule, number, response)
        Delivery.objects.filter(pk=delivery.pk, claim_token=token).update(
            attempt_count=number,
            next_attempt_at=now + dt.timedelta(seconds=delay),
            last_status_code=response.status_code,
            last_error=error,
            claim_token="",
            locked_until=None,
        )
        outcome = "retry"
    return outcome


def next_delay(schedule: list[float], number: int, response: client.Response) -> float:
    """Delay before attempt ``number + 1``: the schedule with jitter, throttling honoured."""
    base = schedule[number]
    jitter = float(_conf()["JITTER"])
    delay = base * random.uniform(1 - jitter, 1 + jitter) if jitter else base
    throttled = response.timed_out or response.status_code in (429, 502, 504)
    if throttled:
        # At least a minute, scaled with the schedule (tests shrink the schedule to ms).
        penalty = min(OVERLOAD_PENALTY, max(schedule[1:] or [OVERLOAD_PENALTY]))
        delay = max(delay, penalty)
    headers = {k.lower(): v for k, v in response.headers.items()}
    retry_after = parse_retry_after(headers.get("retry-after"))
    if retry_after is not None and response.status_code in (429, 503):
        # Honoured, but clamped to [delay, 2 x delay] so a receiver cannot stall us for days.
        delay = min(max(retry_after, delay), 2 * delay)
    return max(0.0, delay)


def finish(delivery, token, *, status, number=None, code=None, error="", delivered=None) -> None:
    Delivery.objects.filter(pk=delivery.pk, claim_token=token).update(
        status=status,
        attempt_count=number if number is not None else delivery.attempt_count,
        last_status_code=code,
        last_error=error[:500],
        delivered_at=delivered,
        claim_token="",
        locked_until=None,
    )


def _note_failure(endpoint: WebhookEndpoint, now: dt.datetime) -> None:
    """Start the failure clock, or disable the endpoint when it ran out (any success resets it).

    A clock older than twice the limit is stale (a failure long ago, then no traffic at all,
    as Svix lets it lapse): it starts again now rather than disabling on one new failure.
    """
    limit = dt.timedelta(seconds=float(_conf()["DISABLE_AFTER"]))
    WebhookEndpoint.objects.filter(pk=endpoint.pk).filter(
        Q(failing_since__isnull=True) | Q(failing_since__lt=now - 2 * limit)
    ).update(failing_since=now)
    if WebhookEndpoint.objects.filter(
        pk=endpoint.pk, is_active=True, failing_since__lte=now - limit
    ).exists():
        _disable(endpoint, f"failing continuously for {limit}")


def _disable(endpoint: WebhookEndpoint, reason: str) -> None:
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        is_active=False, disabled_reason=reason[:200]
    )
    logger.warning("webhook endpoint %s disabled: %s", endpoint.pk, reason)
