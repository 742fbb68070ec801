"""INDEX flow: keep the matching backend of a row's tenant in step with its events.

Tasks carry identifiers only and re-read the row, so the backend always gets the row as it is
now (several events for one row converge on its last state), in the backend of the tenant it
belongs to now (an event's tenant is the row's tenant when it was saved, and a row that moved
must not be put back where it was, whatever order the events are handled in); a row that is
gone or archived is archived in the backend of the event's tenant, never an error. A row that
moved to another tenant, or changed its reference, is also archived under every (tenant,
reference) its earlier events announced, so no backend keeps a copy it no longer owns. The
record of what is indexed is ``Event.indexed_at`` in the database, so the sweeper catches up
on whatever a lost hint or a failing backend left.
"""

from __future__ import annotations

import logging
from typing import Any

from django.utils import timezone

from hrflow_matching.backends import get_backend
from hrflow_matching.models import fingerprints
from hrflow_matching.models.webhooks import Event
from hrflow_matching.registry import get_adapter_by_label

logger = logging.getLogger(__name__)

#: An event whose indexing failed this many times is left alone (``index_error`` says why).
MAX_INDEX_ATTEMPTS = 8


def sync_object(label: str, pk: str, reference: str, event_type: str, tenant: str | None) -> None:
    """Index or archive one row in its tenant's backend."""
    adapter = get_adapter_by_label(label)
    if adapter is None:
        logger.warning("no adapter for %s; event for %s ignored", label, reference)
        return
    obj = None
    if not event_type.endswith("_archive"):
        obj = adapter.get_batch_queryset().filter(pk=pk).first()
    if obj is None or adapter.is_archived(obj):
        get_backend(tenant).archive(adapter.kind, [reference])
        now = {pk: (tenant, reference)}
    else:
        owner = adapter.get_tenant(obj)
        get_backend(owner).index(adapter.kind, adapter.to_documents([obj]))
        now = {pk: (owner, adapter.get_reference(obj))}
    _retire_former(adapter, label, now)


def index_events(event_ids: list[str]) -> int:
    """Index the given events that are not indexed yet, grouped per model and tenant.

    Each group is one read of the rows and their related rows (the adapter's batch queryset
    and ``to_documents``) and one ``index`` plus one ``archive`` call; a failing group is
    recorded on its events and left for the sweeper. Returns how many events were done.
    """
    events = list(
        Event.objects.filter(pk__in=event_ids, indexed_at__isnull=True).order_by("created_at")
    )
    # The index task may meet an event before its webhook does (and an event with no endpoint
    # only here): the row's fingerprint is kept up to date either way, for hrflow_reconcile.
    fingerprints.settle(events)
    groups: dict[tuple[str, str | None], list[Event]] = {}
    for event in events:
        groups.setdefault((event.model_label, event.tenant), []).append(event)
    done = 0
    for (label, tenant), group in groups.items():
        try:
            _index_group(label, tenant, group)
        except Exception as exc:
            for event in group:
                Event.objects.filter(pk=event.pk).update(
                    index_attempts=event.index_attempts + 1,
                    index_error=f"{type(exc).__name__}: {exc}"[:1000],
                )
            logger.warning("indexing %d %s events failed: %s", len(group), label, exc)
            continue
        Event.objects.filter(pk__in=[e.pk for e in group]).update(
            indexed_at=timezone.now(), index_error=""
        )
        done += len(group)
    return done


def _index_group(label: str, tenant: str | None, group: list[Event]) -> None:
    adapter = get_adapter_by_label(label)
    if adapter is None:
        logger.warning("no adapter for %s; %d events ignored", label, len(group))
        return
    # Several events for one row converge on its current state: the last one decides.
    latest: dict[str, Event] = {}
    for event in group:
        latest[event.object_pk] = event
    live_pks = [pk for pk, e in latest.items() if not e.event_type.endswith("_archive")]
    rows = {str(o.pk): o for o in adapter.get_batch_queryset().filter(pk__in=live_pks)}
    live: dict[str | None, list[Any]] = {}  # by the tenant each row belongs to now
    archived = []
    now: dict[str, tuple[str | None, str]] = {}  # pk -> where the row is indexed (or archived)
    for pk, event in latest.items():
        obj = rows.get(pk)
        if obj is None or adapter.is_archived(obj):
            archived.append(event.reference)
            now[pk] = (tenant, event.reference)
        else:
            owner = adapter.get_tenant(obj)
            live.setdefault(owner, []).append(obj)
            now[pk] = (owner, adapter.get_reference(obj))
    for owner, objs in live.items():
        get_backend(owner).index(adapter.kind, adapter.to_documents(objs))
    if archived:
        get_backend(tenant).archive(adapter.kind, archived)
    _retire_former(adapter, label, now)


def _retire_former(adapter: Any, label: str, now: dict[str, tuple[str | None, str]]) -> None:
    """Archive each row under the other (tenant, reference) pairs its events announced: the
    tenant it moved from, the reference it had before. One query for the whole group."""
    former: dict[str | None, set[str]] = {}
    announced = (
        Event.objects.filter(model_label=label, object_pk__in=list(now))
        .values_list("object_pk", "tenant", "reference")
        .distinct()
    )
    for pk, tenant, reference in announced:
        if (tenant, reference) != now[pk]:
            former.setdefault(tenant, set()).add(reference)
    for tenant, references in former.items():
        get_backend(tenant).archive(adapter.kind, sorted(references))
