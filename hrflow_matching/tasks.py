"""Celery tasks: deliver, sweep, index, purge. They carry identifiers only and re-read rows.

Every task is idempotent (a claim guards sending, ``indexed_at`` guards indexing), which is what
makes ``task_acks_late`` + ``task_reject_on_worker_lost`` safe: a task redelivered after a crash
does its work at most once more, never twice at the same time.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from celery import shared_task
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from hrflow_matching.notify.delivery import sender

from .conf import get_settings
from .models.webhooks import Delivery, DeliveryAttempt, Event

logger = logging.getLogger(__name__)

TASK_OPTIONS: dict[str, Any] = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "ignore_result": True,
}


#: Deliveries per task: one kept-alive connection per endpoint within a batch.
BATCH = 50


@shared_task(name="hrflow_matching.deliver", **TASK_OPTIONS)
def deliver(delivery_id: int, token: str | None = None) -> str:
    return sender.deliver(delivery_id, token)


@shared_task(name="hrflow_matching.deliver_many", **TASK_OPTIONS)
def deliver_many(delivery_ids: list[int], token: str | None = None) -> dict[str, int]:
    outcomes, leftover = sender.deliver_many(delivery_ids, token)
    if leftover:  # the batch ran out of time (a slow receiver): the rest goes on in a new task
        publish_deliveries(leftover)
    counts: dict[str, int] = {}
    for outcome in outcomes.values():
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts


@shared_task(name="hrflow_matching.dispatch", **TASK_OPTIONS)
def dispatch(delivery_ids: list[int], event_ids: list[str]) -> None:
    """A web process's batch of hints: fanned out here into delivery and index tasks."""
    publish_index(event_ids)  # first: a slow receiver below must not delay the index
    if len(delivery_ids) <= BATCH:
        deliver_many(delivery_ids)  # small batch: send it in this task, one hop less
    else:
        publish_deliveries(delivery_ids)


def _options() -> dict[str, Any]:
    queue = get_settings()["WEBHOOKS"]["QUEUE"]
    return {"queue": queue} if queue else {}


def publish_deliveries(ids: list[int], token: str | None = None, **options: Any) -> None:
    """Publish ``deliver_many`` tasks in batches (raises if the broker is unreachable)."""
    for i in range(0, len(ids), BATCH):
        deliver_many.apply_async(args=[ids[i : i + BATCH], token], **_options(), **options)


def publish_index(event_ids: list[str], **options: Any) -> None:
    for i in range(0, len(event_ids), 4 * BATCH):
        index_events.apply_async(args=[event_ids[i : i + 4 * BATCH]], **_options(), **options)


@shared_task(name="hrflow_matching.index_events", **TASK_OPTIONS)
def index_events(event_ids: list[str]) -> int:
    from hrflow_matching.index.indexing import index_events as run

    return run(event_ids)


@shared_task(name="hrflow_matching.sweep", **TASK_OPTIONS)
def sweep() -> dict[str, int]:
    """Claim every due delivery and publish it; send inline when the broker is down."""
    return run_sweep(publish=True)


@shared_task(name="hrflow_matching.reconcile", **TASK_OPTIONS)
def reconcile() -> dict[str, int]:
    """Nightly (``schedule.BEAT_SCHEDULE``): events for rows changed without signals."""
    from hrflow_matching.notify.reconcile import reconcile as run
    from hrflow_matching.registry import adapters

    return {adapter.label: run(adapter).total for adapter in adapters()}


@shared_task(name="hrflow_matching.purge", **TASK_OPTIONS)
def purge() -> dict[str, int]:
    return purge_old()


def sweep_grace() -> float:
    """How long fresh rows are left to their hint; none when hints are off (no broker)."""
    conf = get_settings()["WEBHOOKS"]
    return float(conf["SWEEP_GRACE"]) if conf["HINTS"] else 0.0


def claim_due(limit: int) -> tuple[str, list[int]]:
    """Claim up to ``limit`` due deliveries under one token the caller now holds."""
    now = timezone.now()
    grace = dt.timedelta(seconds=sweep_grace())
    due = (
        Delivery.objects.filter(status=Delivery.Status.PENDING, next_attempt_at__lte=now)
        .filter(Q(locked_until__isnull=True) | Q(locked_until__lt=now))
        # Never-tried deliveries get a grace period for their after-commit hint.
        .exclude(attempt_count=0, next_attempt_at__gt=now - grace)
        .order_by("next_attempt_at")
    )
    with transaction.atomic():
        if connection.features.has_select_for_update_skip_locked:
            ids = list(due.select_for_update(skip_locked=True).values_list("pk", flat=True)[:limit])
        else:
            ids = list(due.values_list("pk", flat=True)[:limit])
        if not ids:
            return "", []
        return sender.claim_many(ids)


def run_sweep(publish: bool = True) -> dict[str, int]:
    """One sweeper pass: deliveries that are due, and events not indexed yet."""
    limit = int(get_settings()["WEBHOOKS"]["SWEEP_BATCH"])
    sent = published = 0
    token, ids = claim_due(limit)
    if ids and publish:
        try:
            publish_deliveries(ids, token, retry=False)
            published = len(ids)
        except Exception as exc:  # the broker is gone: do the work here
            logger.warning("sweeper cannot publish (%s); sending inline", type(exc).__name__)
            publish = False
    if ids and not publish:
        for i in range(0, len(ids), BATCH):
            outcomes, _leftover = sender.deliver_many(ids[i : i + BATCH], token)
            sent += sum(1 for o in outcomes.values() if o != "skipped")
    indexed = index_pending(limit)
    return {"published": published, "sent": sent, "indexed": indexed}


def index_pending(limit: int) -> int:
    """Index events that no hint handled (grace as for deliveries)."""
    from hrflow_matching.index.indexing import MAX_INDEX_ATTEMPTS
    from hrflow_matching.index.indexing import index_events as run

    cutoff = timezone.now() - dt.timedelta(seconds=sweep_grace())
    ids = list(
        Event.objects.filter(
            indexed_at__isnull=True,
            created_at__lte=cutoff,
            index_attempts__lt=MAX_INDEX_ATTEMPTS,
        )
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
    return run([str(i) for i in ids]) if ids else 0


def purge_old() -> dict[str, int]:
    """Delete old attempts, and old events that are fully delivered and done with indexing
    (indexed, or given up after ``MAX_INDEX_ATTEMPTS``: its error is kept until then)."""
    from hrflow_matching.index.indexing import MAX_INDEX_ATTEMPTS

    days = int(get_settings()["WEBHOOKS"]["ATTEMPT_RETENTION_DAYS"])
    cutoff = timezone.now() - dt.timedelta(days=days)
    attempts, _ = DeliveryAttempt.objects.filter(created_at__lt=cutoff).delete()
    index_done = Q(indexed_at__isnull=False) | Q(index_attempts__gte=MAX_INDEX_ATTEMPTS)
    events, _ = (
        Event.objects.filter(index_done, created_at__lt=cutoff)
        .exclude(deliveries__status=Delivery.Status.PENDING)
        .exclude(deliveries__status=Delivery.Status.FAILED)
        .delete()
    )
    out = {"attempts": attempts, "events": events}
    try:
        from hrflow_matching.pull import deletions as tombstones
    except ImportError:
        return out
    purge_tombstones = getattr(tombstones, "purge_tombstones", None)
    if purge_tombstones is not None:
        out["tombstones"] = purge_tombstones() or 0
    return out
