"""One try of one delivery: claim, sign, POST, log the attempt, schedule the next one.

The schedule lives in the database (``attempt_count``, ``next_attempt_at``) and the sweeper
drives it; nothing waits in a Celery countdown, which Redis would redeliver after its
visibility timeout. A claim (a lease with a token, taken by a conditional UPDATE) makes sure
two workers never send the same delivery at once; a worker killed mid-send leaves a lease
that expires, and the next sweep sends again with the same ``webhook-id``.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from ..conf import get_settings
from ..models.webhooks import Delivery, DeliveryAttempt, WebhookEndpoint
from ..retry_after import parse_retry_after
from . import client, signing

logger = logging.getLogger(__name__)

#: Timeouts and 429 wait at least this long (seconds, scaled like the schedule in tests).
OVERLOAD_PENALTY = 60.0


def _conf() -> dict:
    return get_settings()["WEBHOOKS"]


def lease_seconds() -> float:
    conf = _conf()
    return float(conf["CLAIM_LEASE"] or float(conf["TOTAL_TIMEOUT"]) + 30)


def claim_many(ids: list[int], token: str | None = None) -> tuple[str, list[int]]:
    """Take (or, with the sweeper's ``token``, renew) the lease on due deliveries.

    One conditional UPDATE: rows that are not pending, not due, or leased by someone else are
    left alone. Returns the token and the ids it now holds.
    """
    now = timezone.now()
    until = now + dt.timedelta(seconds=lease_seconds())
    base = Delivery.objects.filter(pk__in=ids, status=Delivery.Status.PENDING)
    if token:
        base.filter(claim_token=token).update(locked_until=until)
        mine = token
    else:
        mine = uuid.uuid4().hex
        base.filter(next_attempt_at__lte=now).filter(
            Q(locked_until__isnull=True) | Q(locked_until__lt=now)
        ).update(claim_token=mine, locked_until=until)
    held = base.filter(claim_token=mine, locked_until__gt=now).values_list("pk", flat=True)
    return mine, list(held)


def claim(delivery_id: int, token: str | None = None) -> str | None:
    """Claim one delivery; None if it is not due or someone else holds it."""
    mine, held = claim_many([delivery_id], token)
    return mine if held else None


def deliver(delivery_id: int, token: str | None = None) -> str:
    """Send one delivery if it is due and ours; returns what happened (for logs and tests)."""
    outcomes, _ = deliver_many([delivery_id], token)
    return outcomes.get(delivery_id, "skipped")


def deliver_many(ids: list[int], token: str | None = None) -> tuple[dict[int, str], list[int]]:
    """Send the given deliveries that are due and ours, one kept-alive session per endpoint.

    Returns the outcome per id and the ids left over when the batch ran out of time (their
    claim is released so that another task or the sweeper sends them).
    """
    mine, held = claim_many(ids, token)
    if token and not held:
        # The sweeper's claim for this task ran out while it waited in a busy queue, and a
        # later sweep may have claimed again for a task queued behind it. Whichever task runs
        # first sends: a fresh claim succeeds only on rows nobody holds now.
        mine, held = claim_many(ids)
    outcomes = dict.fromkeys(ids, "skipped")
    if not held:
        return outcomes, []
    conf = _conf()
    lease = lease_seconds()
    budget = max(2 * float(conf["TOTAL_TIMEOUT"]), 10.0)
    rows = list(
        Delivery.objects.select_related("event", "endpoint")
        .filter(pk__in=held, claim_token=mine)
        .order_by("endpoint_id", "pk")
    )
    started = renewed = time.monotonic()
    done: list[tuple[Delivery, client.Response]] = []  # sent, not yet recorded
    leftover: list[int] = []
    still = {r.pk for r in rows}
    parallel = max(1, int(conf["PARALLEL"]))
    sessions = _Sessions()
    try:
        with ThreadPoolExecutor(parallel, thread_name_prefix="hrflow-send") as pool:
            for lo in range(0, len(rows), parallel):
                window = rows[lo : lo + parallel]
                now = time.monotonic()
                if now - started > budget:  # a slow receiver: hand the rest on
                    leftover.extend(r.pk for r in rows[lo:] if r.pk in still)
                    break
                if now - renewed > lease / 3:  # keep the lease while a long batch runs
                    still = set(claim_many([r.pk for r in rows[lo:]], mine)[1])
                    renewed = now
                jobs = []
                for row in window:
                    if row.pk not in still:
                        continue
                    if not row.endpoint.is_active:
                        _finish(row, mine, status=Delivery.Status.FAILED, error="endpoint disabled")
                        outcomes[row.pk] = "endpoint-disabled"
                        continue
                    jobs.append((row, pool.submit(_send, row, sessions)))
                done.extend((row, job.result()) for row, job in jobs)
                # Recorded window by window, while the claim certainly holds: a batch that
                # dies later loses nothing already sent, and a long batch never sends a row
                # whose claim ran out meanwhile.
                outcomes.update(_record(done, mine))
                done = []
    finally:
        sessions.close()
        outcomes.update(_record(done, mine))
        if leftover:
            Delivery.objects.filter(pk__in=leftover, claim_token=mine).update(
                claim_token="", locked_until=None
            )
    return outcomes, leftover


class _Sessions:
    """One kept-alive session per (sending thread, endpoint), closed when the batch ends."""

    def __init__(self) -> None:
        self._sessions: dict[tuple[int, int], Any] = {}
        self._lock = threading.Lock()

    def get(self, endpoint_id: int) -> Any:
        key = (threading.get_ident(), endpoint_id)
        with self._lock:
            if key not in self._sessions:
                self._sessions[key] = client.open_session()
            return self._sessions[key]

    def close(self) -> None:
        with self._lock:
            for session in self._sessions.values():
                session.close()
            self._sessions.clear()


def _send(row: Delivery, sessions: _Sessions) -> client.Response:
    """Sign and POST one delivery (runs in a sending thread: HTTP only, no database).

    Never raises: an unexpected error (a header value HTTP cannot carry, say) is this
    attempt's failure, logged and retried like any other, not a batch that dies unrecorded.
    """
    endpoint = row.endpoint
    started = time.monotonic()
    try:
        body = row.event.body.encode("utf-8")
        headers = signing.signed_headers(
            endpoint.signing_secrets(), row.msg_id, body, extra=endpoint.headers
        )
        return client.post(endpoint.url, body, headers, session=sessions.get(endpoint.pk))
    except Exception as exc:
        logger.exception("webhook %s to endpoint %s could not be sent", row.msg_id, endpoint.pk)
        return client.Response(
            None, b"", {}, int((time.monotonic() - started) * 1000), f"{type(exc).__name__}: {exc}"
        )


def _record(done: list[tuple[Delivery, client.Response]], token: str) -> dict[int, str]:
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
                _finish(row, token, status=Delivery.Status.FAILED, number=number, code=410, error=error)  # fmt: skip
                _disable(row.endpoint, "410 Gone from the receiver")
                outcomes[row.pk] = "gone"
            else:
                outcomes[row.pk] = _retry_or_fail(row, token, number, response, error, now)
                if row.endpoint_id not in ok_endpoints:
                    _note_failure(row.endpoint, now)
            logger.info(
                "webhook %s %s attempt %d to endpoint %s: %s",
                row.event.event_type,
                row.msg_id,
                number,
                row.endpoint_id,
                response.status_code or error,
            )
        DeliveryAttempt.objects.bulk_create(attempts)
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


def redeliver(delivery: Delivery) -> bool:
    """Send again (same ``webhook-id``): a failed or delivered delivery becomes due now.

    Refused (False) while a worker holds the delivery's claim: clearing it then would let a
    second worker send the same message at the same time.
    """
    from . import hints

    now = timezone.now()
    changed = (
        Delivery.objects.filter(pk=delivery.pk)
        .filter(Q(locked_until__isnull=True) | Q(locked_until__lt=now))
        .update(
            status=Delivery.Status.PENDING,
            next_attempt_at=now,
            attempt_count=0,
            claim_token="",
            locked_until=None,
        )
    )
    if changed:
        event_id, delivery_id = str(delivery.event_id), delivery.pk
        transaction.on_commit(lambda: hints.push(event_id, [delivery_id]), robust=True)
    return bool(changed)
