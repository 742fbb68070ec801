"""One try of one delivery: claim, sign, POST; ``outcomes`` logs the attempt and schedules
the next one.

A claim (a lease with a token, taken by a conditional UPDATE) makes sure
two workers never send the same delivery at once; a worker killed mid-send leaves a lease
that expires, and the next sweep sends again with the same ``webhook-id``.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from hrflow_matching.conf import get_settings
from hrflow_matching.models import fingerprints
from hrflow_matching.models.webhooks import Delivery
from hrflow_matching.notify.delivery import client, ordering, signing
from hrflow_matching.notify.delivery.outcomes import finish, record

logger = logging.getLogger(__name__)


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
    rows = _drop_unchanged(rows, outcomes)
    waiting = ordering.waiting_elsewhere(rows)
    if waiting:  # an earlier event of the same row is still on its way: this one follows it
        _release(waiting, mine)
        outcomes.update(dict.fromkeys(waiting, "waiting"))
        rows = [r for r in rows if r.pk not in waiting]
    rounds, before = ordering.rounds(rows)
    started = renewed = time.monotonic()
    done: list[tuple[Delivery, client.Response]] = []  # sent, not yet recorded
    leftover: list[int] = []
    still = {r.pk for r in rows}
    parallel = max(1, int(conf["PARALLEL"]))
    sessions = _Sessions()
    try:
        with ThreadPoolExecutor(parallel, thread_name_prefix="hrflow-send") as pool:
            # Rounds in order, each in windows of ``parallel``: a row's next event is sent
            # only after this one succeeded (``ordering``).
            windows = [
                (r, lo) for r, round_ in enumerate(rounds) for lo in range(0, len(round_), parallel)
            ]
            for r, lo in windows:
                window = rounds[r][lo : lo + parallel]
                rest = [row for row in rounds[r][lo:]] + [
                    x for later in rounds[r + 1 :] for x in later
                ]
                now = time.monotonic()
                if now - started > budget:  # a slow receiver: hand the rest on
                    leftover.extend(x.pk for x in rest if x.pk in still)
                    break
                if now - renewed > lease / 3:  # keep the lease while a long batch runs
                    still = set(claim_many([x.pk for x in rest], mine)[1])
                    renewed = now
                jobs = []
                for row in window:
                    if row.pk not in still:
                        continue
                    if row.pk in before and outcomes.get(before[row.pk]) != "success":
                        # Its predecessor did not go through: it waits for it (sweeper).
                        leftover.append(row.pk)
                        outcomes[row.pk] = "waiting"
                        continue
                    if not row.endpoint.is_active:
                        finish(row, mine, status=Delivery.Status.FAILED, error="endpoint disabled")
                        outcomes[row.pk] = "endpoint-disabled"
                        continue
                    jobs.append((row, pool.submit(_send, row, sessions)))
                done.extend((row, job.result()) for row, job in jobs)
                # Recorded window by window, while the claim certainly holds: a batch that
                # dies later loses nothing already sent, and a long batch never sends a row
                # whose claim ran out meanwhile.
                outcomes.update(record(done, mine))
                done = []
    finally:
        sessions.close()
        outcomes.update(record(done, mine))
        if leftover:
            _release(leftover, mine)
    return outcomes, [pk for pk in leftover if outcomes.get(pk) != "waiting"]


def _release(ids: list[int] | set[int], token: str) -> None:
    """Give back the claim on rows this batch does not send (another task or sweep will)."""
    Delivery.objects.filter(pk__in=list(ids), claim_token=token).update(
        claim_token="", locked_until=None
    )


def _drop_unchanged(rows: list[Delivery], outcomes: dict[int, str]) -> list[Delivery]:
    """Rows of updates whose document did not change are not sent (``notify.fingerprints``)."""
    if not rows:
        return rows
    events = {row.event_id: row.event for row in rows}
    dropped = fingerprints.settle(events.values())
    for row in rows:
        if row.event_id in dropped:
            outcomes[row.pk] = "unchanged"
    return [row for row in rows if row.event_id not in dropped]


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


def redeliver(delivery: Delivery) -> bool:
    """Send again (same ``webhook-id``): a failed or delivered delivery becomes due now.

    Refused (False) while a worker holds the delivery's claim: clearing it then would let a
    second worker send the same message at the same time.
    """
    from hrflow_matching.notify import hints

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
