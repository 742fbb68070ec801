"""Catch the writes that sent no signal: ``QuerySet.update()``, raw SQL, imports, restores.

Each row's document is built (in keyset batches, as ``hrflow_sync`` does), fingerprinted and
compared with the fingerprint last announced (:class:`~hrflow_matching.models.DocumentFingerprint`,
kept by the workers, see ``models/fingerprints.py``). A row never announced gets a create, a changed
one an update, a row archived since an archive; without ``since``, rows announced but gone from
the table get an archive too. The events are recorded as a save would record them, so they are
delivered, indexed and de-duplicated the usual way. Run nightly by Celery beat
(``hrflow_matching.schedule.BEAT_SCHEDULE``) and by ``manage.py hrflow_reconcile``: whatever
the host does, a change is known to HrFlow.ai within a day.

``baseline=True`` records the fingerprints only (no events): for the first run on a CRM whose
rows HrFlow.ai already pulled, so that it does not announce every row once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from hrflow_matching.models import DocumentFingerprint, fingerprints
from hrflow_matching.models.fingerprints import ARCHIVED
from hrflow_matching.notify import events
from hrflow_matching.registry import BaseAdapter


@dataclass
class Result:
    checked: int = 0
    recorded: dict[str, int] = field(default_factory=dict)

    def add(self, action: str, n: int = 1) -> None:
        self.recorded[action] = self.recorded.get(action, 0) + n

    @property
    def total(self) -> int:
        return sum(self.recorded.values())


def count(adapter: BaseAdapter, since: dt.datetime | None = None) -> int:
    return _rows(adapter, since).count()


def _rows(adapter: BaseAdapter, since: dt.datetime | None) -> Any:
    queryset = adapter.get_batch_queryset()
    if since is not None:
        queryset = queryset.filter(**{f"{adapter.updated_at_field}__gte": since})
    return queryset.order_by("pk")


def reconcile(
    adapter: BaseAdapter,
    *,
    since: dt.datetime | None = None,
    batch_size: int = 500,
    baseline: bool = False,
    progress: Callable[[int], None] | None = None,
) -> Result:
    """Record the events ``adapter``'s rows are missing; returns what was checked and recorded."""
    result = Result()
    queryset = _rows(adapter, since)
    last: Any = None
    while True:
        page = queryset if last is None else queryset.filter(pk__gt=last)
        chunk = list(page[:batch_size])
        if not chunk:
            break
        last = chunk[-1].pk
        _reconcile_chunk(adapter, chunk, baseline, result)
        result.checked += len(chunk)
        if progress is not None:
            progress(len(chunk))
    if since is None:
        _archive_vanished(adapter, baseline, result)
    return result


def _reconcile_chunk(adapter: BaseAdapter, chunk: list[Any], baseline: bool, out: Result) -> None:
    label = adapter.label
    pks = [str(obj.pk) for obj in chunk]
    stored = dict(
        DocumentFingerprint.objects.filter(model_label=label, object_pk__in=pks).values_list(
            "object_pk", "value"
        )
    )
    live = [obj for obj in chunk if not adapter.is_archived(obj)]
    now = dict.fromkeys(pks, ARCHIVED)
    for obj, document in zip(live, adapter.to_documents(live), strict=True):
        now[str(obj.pk)] = adapter.fingerprint(document)
    changes: list[events.Change] = []
    for obj in chunk:
        pk = str(obj.pk)
        previous, value = stored.get(pk), now[pk]
        if previous == value or (value == ARCHIVED and previous is None):
            continue  # announced as it is, or archived before anyone heard of it
        if baseline:
            fingerprints.record(
                label, pk, value, adapter.get_reference(obj), adapter.get_tenant(obj)
            )
            out.add("baseline")
            continue
        if value == ARCHIVED:
            action = events.ARCHIVE
        elif previous is None or previous == ARCHIVED:
            action = events.CREATE
        else:
            action = events.UPDATE
        changes.append(
            events.Change(adapter, pk, adapter.get_reference(obj), adapter.get_tenant(obj), action)
        )
        out.add(action)
    if changes:
        with transaction.atomic():
            events.record_changes(changes)


def _archive_vanished(adapter: BaseAdapter, baseline: bool, out: Result) -> None:
    """Rows announced (a live fingerprint) that no longer exist: deleted by raw SQL or a
    ``QuerySet.delete()`` of a model the receivers did not see."""
    label = adapter.label
    announced = (
        DocumentFingerprint.objects.filter(model_label=label)
        .exclude(value=ARCHIVED)
        .values_list("object_pk", flat=True)
        .order_by("object_pk")
    )
    last = None
    while True:
        page = announced if last is None else announced.filter(object_pk__gt=last)
        pks = list(page[:1000])
        if not pks:
            return
        last = pks[-1]
        existing = {
            str(pk)
            for pk in adapter.model._base_manager.filter(pk__in=pks).values_list("pk", flat=True)
        }
        gone = [pk for pk in pks if pk not in existing]
        if not gone:
            continue
        if baseline:
            DocumentFingerprint.objects.filter(model_label=label, object_pk__in=gone).update(
                value=ARCHIVED
            )
            continue
        changes = [
            events.Change(adapter, pk, reference, tenant, events.ARCHIVE)
            for pk, reference, tenant in DocumentFingerprint.objects.filter(
                model_label=label, object_pk__in=gone
            ).values_list("object_pk", "reference", "tenant")
            if reference
        ]
        if changes:
            with transaction.atomic():
                events.record_changes(changes)
            out.add(events.ARCHIVE, len(changes))
