"""NOTIFY's Celery tasks: send deliveries, in batches, and claim the ones that are due.

They carry identifiers only and re-read rows. The sweeper that calls :func:`send_due` and the
``dispatch`` task that fans a web process's hints out to NOTIFY and INDEX are in
:mod:`hrflow_matching.tasks`, the one place that knows both flows.
"""

from __future__ import annotations

import datetime as dt
import logging

from celery import shared_task
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from ..models.webhooks import Delivery
from ..queueing import TASK_OPTIONS, queue_options, sweep_grace
from .delivery import sender

logger = logging.getLogger(__name__)

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


def publish_deliveries(ids: list[int], token: str | None = None, **options: object) -> None:
    """Publish ``deliver_many`` tasks in batches (raises if the broker is unreachable)."""
    for i in range(0, len(ids), BATCH):
        deliver_many.apply_async(args=[ids[i : i + BATCH], token], **queue_options(), **options)


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


def send_due(limit: int, publish: bool = True) -> tuple[int, int]:
    """Claim due deliveries and publish them, or send them here when told to or when the
    broker is gone. Returns ``(published, sent)``."""
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
    return published, sent
