"""One try of one delivery: claim, sign, POST, log the attempt, schedule the next one.

The schedule lives in the database (``attempt_count``, ``next_attempt_at``) and the sweeper
drives it; nothing waits in a Celery countdown, which Redis would redeliver after its
visibility timeout. A claim (a lease with a token, taken by a conditional UPDATE) makes sure
two workers never send the same delivery at once; a worker killed mid-send leaves a lease
that expires, and the next sweep sends again with the same ``webhook-id``.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import logging
import random
import uuid

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from ..conf import get_settings
from ..models.webhooks import Delivery, DeliveryAttempt, WebhookEndpoint
from . import client, signing

logger = logging.getLogger(__name__)

#: Timeouts and 429 wait at least this long (seconds, scaled like the schedule in tests).
OVERLOAD_PENALTY = 60.0


def _conf() -> dict:
    return get_settings()["WEBHOOKS"]


def lease_seconds() -> float:
    conf = _conf()
    return float(conf["CLAIM_LEASE"] or float(conf["TOTAL_TIMEOUT"]) + 30)


def claim(delivery_id: int, token: str | None = None) -> str | None:
    """Take (or, with the sweeper's ``token``, confirm) the lease; None if someone else has it."""
    now = timezone.now()
    until = now + dt.timedelta(seconds=lease_seconds())
    base = Delivery.objects.filter(pk=delivery_id, status=Delivery.Status.PENDING)
    if token:
        updated = base.filter(claim_token=token).update(locked_until=until)
        return token if updated else None
    mine = uuid.uuid4().hex
    updated = (
        base.filter(next_attempt_at__lte=now)
        .filter(Q(locked_until__isnull=True) | Q(locked_until__lt=now))
        .update(claim_token=mine, locked_until=until)
    )
    return mine if updated else None


def deliver(delivery_id: int, token: str | None = None) -> str:
    """Send a delivery if it is due and ours; returns what happened (for logs and tests)."""
    mine = claim(delivery_id, token)
    if mine is None:
        return "skipped"
    delivery = Delivery.objects.select_related("event", "endpoint").get(pk=delivery_id)
    endpoint = delivery.endpoint
    if not endpoint.is_active:
        _finish(delivery, mine, status=Delivery.Status.FAILED, error="endpoint disabled")
        return "endpoint-disabled"
    body = delivery.event.body.encode("utf-8")
    headers = signing.signed_headers(
        endpoint.signing_secrets(), delivery.msg_id, body, extra=endpoint.headers
    )
    response = client.post(endpoint.url, body, headers)
    return _record(delivery, endpoint, mine, response)


def _record(
    delivery: Delivery, endpoint: WebhookEndpoint, token: str, response: client.Response
) -> str:
    conf = _conf()
    number = delivery.attempt_count + 1  # position in the schedule (reset by a redelivery)
    serial = DeliveryAttempt.objects.filter(delivery=delivery).count() + 1
    stored = int(conf["STORED_RESPONSE_BYTES"])
    excerpt = response.body[:stored].decode("utf-8", "replace")
    error = response.error[:500]
    if response.status_code is not None and not response.ok and not error:
        error = f"HTTP {response.status_code}"
    now = timezone.now()
    with transaction.atomic():
        DeliveryAttempt.objects.create(
            delivery=delivery,
            number=serial,
            created_at=now,
            status_code=response.status_code,
            error=error,
            duration_ms=response.duration_ms,
            response_excerpt=excerpt,
        )
        if response.ok:
            _finish(delivery, token, status=Delivery.Status.SUCCESS, number=number, code=response.status_code, delivered=now)  # fmt: skip
            WebhookEndpoint.objects.filter(pk=endpoint.pk, failing_since__isnull=False).update(
                failing_since=None
            )
            outcome = "success"
        elif response.status_code == 410:
            _finish(delivery, token, status=Delivery.Status.FAILED, number=number, code=410, error=error)  # fmt: skip
            _disable(endpoint, "410 Gone from the receiver")
            outcome = "gone"
        else:
            outcome = _retry_or_fail(delivery, endpoint, token, number, response, error, now)
    logger.info(
        "webhook %s %s attempt %d to endpoint %s: %s",
        delivery.event.event_type,
        delivery.msg_id,
        serial,
        endpoint.pk,
        response.status_code or error,
    )
    return outcome


def _retry_or_fail(delivery, endpoint, token, number, response, error, now) -> str:
    conf = _conf()
    schedule = [float(x) for x in conf["RETRY_SCHEDULE"]]
    if number >= len(schedule):
        _finish(delivery, token, status=Delivery.Status.FAILED, number=number, code=response.status_code, error=error)  # fmt: skip
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
    _note_failure(endpoint, now)
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


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - timezone.now()).total_seconds())


def _finish(delivery, token, *, status, number=None, code=None, error="", delivered=None) -> None:
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
    """Start the failure clock, or disable the endpoint when it ran out (any success resets it)."""
    WebhookEndpoint.objects.filter(pk=endpoint.pk, failing_since__isnull=True).update(
        failing_since=now
    )
    limit = dt.timedelta(seconds=float(_conf()["DISABLE_AFTER"]))
    if WebhookEndpoint.objects.filter(
        pk=endpoint.pk, is_active=True, failing_since__lte=now - limit
    ).exists():
        _disable(endpoint, f"failing continuously for {limit}")


def _disable(endpoint: WebhookEndpoint, reason: str) -> None:
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        is_active=False, disabled_reason=reason[:200]
    )
    logger.warning("webhook endpoint %s disabled: %s", endpoint.pk, reason)


def redeliver(delivery: Delivery) -> None:
    """Send again (same ``webhook-id``): a failed or delivered delivery becomes due now."""
    from . import hints

    Delivery.objects.filter(pk=delivery.pk).update(
        status=Delivery.Status.PENDING,
        next_attempt_at=timezone.now(),
        attempt_count=0,
        claim_token="",
        locked_until=None,
    )
    event_id, delivery_id = str(delivery.event_id), delivery.pk
    transaction.on_commit(lambda: hints.push(event_id, [delivery_id]), robust=True)
