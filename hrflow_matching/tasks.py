"""Every Celery task of the app, by name, for Celery's autodiscovery (``app.autodiscover_tasks()``).

The flows keep their own tasks (:mod:`.notify.tasks`, :mod:`.index.tasks`); what needs both lives
here, the one module allowed to know both: ``dispatch`` (a web process's batch of hints, fanned out
to delivery and index tasks), the sweeper, and the purge. Task names are part of the public
surface: a task queued by an older release still runs.
"""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.db.models import Q
from django.utils import timezone

from .conf import get_settings
from .index.indexing import MAX_INDEX_ATTEMPTS
from .index.tasks import index_events, index_pending, publish_index
from .models.webhooks import Delivery, DeliveryAttempt, Event
from .notify.tasks import BATCH, claim_due, deliver, deliver_many, publish_deliveries, send_due
from .pull.deletions import purge_tombstones
from .queueing import TASK_OPTIONS

__all__ = [
    "claim_due",
    "deliver",
    "deliver_many",
    "dispatch",
    "index_events",
    "index_pending",
    "publish_deliveries",
    "publish_index",
    "purge",
    "purge_old",
    "run_sweep",
    "sweep",
]


@shared_task(name="hrflow_matching.dispatch", **TASK_OPTIONS)
def dispatch(delivery_ids: list[int], event_ids: list[str]) -> None:
    """A web process's batch of hints: fanned out here into delivery and index tasks."""
    publish_index(event_ids)  # first: a slow receiver below must not delay the index
    if len(delivery_ids) <= BATCH:
        deliver_many(delivery_ids)  # small batch: send it in this task, one hop less
    else:
        publish_deliveries(delivery_ids)


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


def run_sweep(publish: bool = True) -> dict[str, int]:
    """One sweeper pass: deliveries that are due, and events not indexed yet."""
    limit = int(get_settings()["WEBHOOKS"]["SWEEP_BATCH"])
    published, sent = send_due(limit, publish)
    indexed = index_pending(limit)
    return {"published": published, "sent": sent, "indexed": indexed}


def purge_old() -> dict[str, int]:
    """Delete old attempts, old events that are fully delivered and done with indexing
    (indexed, or given up after ``MAX_INDEX_ATTEMPTS``: its error is kept until then), and
    tombstones past their retention."""
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
    return {"attempts": attempts, "events": events, "tombstones": purge_tombstones() or 0}
