"""INDEX's Celery task: apply recorded events to the matching backend's index.

It carries event ids only and re-reads the events; ``indexed_at`` makes it idempotent.
"""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.utils import timezone

from ..models.webhooks import Event
from ..queueing import TASK_OPTIONS, queue_options, sweep_grace
from .indexing import MAX_INDEX_ATTEMPTS
from .indexing import index_events as apply_events

#: Events per index task.
BATCH = 200


@shared_task(name="hrflow_matching.index_events", **TASK_OPTIONS)
def index_events(event_ids: list[str]) -> int:
    return apply_events(event_ids)


def publish_index(event_ids: list[str], **options: object) -> None:
    for i in range(0, len(event_ids), BATCH):
        index_events.apply_async(args=[event_ids[i : i + BATCH]], **queue_options(), **options)


def index_pending(limit: int) -> int:
    """Index events that no hint handled (grace as for deliveries)."""
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
    return apply_events([str(i) for i in ids]) if ids else 0
