"""INDEX flow: keep the matching backend of a row's tenant in step with its events.

Tasks carry identifiers only and re-read the row, so the backend always gets the row as it is
now (several events for one row converge on its last state); a row that is gone or archived is
archived in the backend, never an error. The record of what is indexed is ``Event.indexed_at``
in the database, so the sweeper catches up on whatever a lost hint or a failing backend left.
"""

from __future__ import annotations

import logging

from django.utils import timezone

from .backends import get_backend
from .models.webhooks import Event
from .registry import get_adapter_by_label

logger = logging.getLogger(__name__)

#: An event whose indexing failed this many times is left alone (``index_error`` says why).
MAX_INDEX_ATTEMPTS = 8


def sync_object(label: str, pk: str, reference: str, event_type: str, tenant: str | None) -> None:
    """Index or archive one row in its tenant's backend."""
    adapter = get_adapter_by_label(label)
    if adapter is None:
        logger.warning("no adapter for %s; event for %s ignored", label, reference)
        return
    backend = get_backend(tenant)
    obj = None
    if not event_type.endswith("_archive"):
        obj = adapter.get_queryset().filter(pk=pk).first()
    if obj is None or adapter.is_archived(obj):
        backend.archive(adapter.kind, [reference])
    else:
        backend.index(adapter.kind, [adapter.to_document(obj)])


def index_events(event_ids: list[str]) -> int:
    """Index the given events that are not indexed yet; returns how many were done."""
    done = 0
    events = Event.objects.filter(pk__in=event_ids, indexed_at__isnull=True)
    for event in events.order_by("created_at"):
        try:
            sync_object(
                event.model_label, event.object_pk, event.reference, event.event_type, event.tenant
            )
        except Exception as exc:
            Event.objects.filter(pk=event.pk).update(
                index_attempts=event.index_attempts + 1,
                index_error=f"{type(exc).__name__}: {exc}"[:1000],
            )
            logger.warning("indexing %s %s failed: %s", event.event_type, event.reference, exc)
            continue
        Event.objects.filter(pk=event.pk).update(indexed_at=timezone.now(), index_error="")
        done += 1
    return done
