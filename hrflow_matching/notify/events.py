"""The six events, and ``record()``: the outbox rows written in the CRM's own transaction.

An :class:`~hrflow_matching.models.Event` and one :class:`~hrflow_matching.models.Delivery` per
active, subscribed endpoint of the row's tenant are inserted in the same database transaction
as the CRM change, so a rollback leaves nothing and a commit leaves everything the sweeper needs.
After the commit a hint is handed to a background publisher (never the broker itself: a save
must not wait on Redis).

Within one transaction an object emits at most one event: create then updates is a create,
anything then archive is an archive, create then archive is nothing, archive then restore is an
update. ``paused()`` records nothing; ``deferred()`` collects and writes once at the end;
``sync(queryset)`` covers ``update()`` and ``bulk_create()``, which send no signals.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, models, router, transaction
from django.db.models import QuerySet

from hrflow_matching.models.webhooks import EVENT_TYPES, Event
from hrflow_matching.registry import BaseAdapter, get_adapter

__all__ = [
    "ARCHIVE",
    "CREATE",
    "EVENT_TYPES",
    "UPDATE",
    "deferred",
    "merge",
    "paused",
    "record",
    "record_changes",
    "sync",
]

CREATE, UPDATE, ARCHIVE = "create", "update", "archive"

_paused: contextvars.ContextVar[int] = contextvars.ContextVar("hrflow_paused", default=0)
_deferred: contextvars.ContextVar[dict | None] = contextvars.ContextVar(
    "hrflow_deferred", default=None
)


@dataclass
class Change:
    """Identifiers of one changed row: all a task needs to re-read it later."""

    adapter: BaseAdapter
    pk: str
    reference: str
    tenant: str | None
    action: str
    using: str = DEFAULT_DB_ALIAS

    @property
    def key(self) -> tuple[str, str]:
        return (self.adapter.label, self.pk)

    @property
    def event_type(self) -> str:
        return f"{self.adapter.kind}_{self.action}"


@dataclass
class Departure(Change):
    """The archive sent to the tenant a row moved away from (``tenant_moves``).

    Coalesced apart from the row's own changes: the create the new tenant gets must not cancel
    it (archive then create would otherwise merge into an update).
    """

    @property
    def key(self) -> tuple[str, str]:
        return (self.adapter.label, f"{self.pk}@left:{self.tenant}")


def merge(previous: str, new: str) -> str | None:
    """Coalesce two actions on one object within a transaction (None: nothing to send)."""
    if new == ARCHIVE:
        return None if previous == CREATE else ARCHIVE
    if previous == ARCHIVE:
        # The row was live before the transaction (else no archive was recorded): a restore
        # within the same transaction leaves it changed, not new; an update of an archived
        # row is not an event.
        return UPDATE if new == CREATE else ARCHIVE
    return previous


# -- context managers ------------------------------------------------------------------------
@contextmanager
def paused() -> Iterator[None]:
    """Record no event inside the block (imports whose result is sent by other means)."""
    token = _paused.set(_paused.get() + 1)
    try:
        yield
    finally:
        _paused.reset(token)


@contextmanager
def deferred() -> Iterator[None]:
    """Collect changes and write one event per object when the outermost block exits."""
    if _deferred.get() is not None:  # nested: the outer block writes
        yield
        return
    pending: dict[tuple[str, str], Change] = {}
    token = _deferred.set(pending)
    ok = False
    try:
        yield
        ok = True
    finally:
        _deferred.reset(token)
        if ok and pending:
            for change in pending.values():
                _write(change)


def is_paused() -> bool:
    return _paused.get() > 0


# -- recording -------------------------------------------------------------------------------
def record(
    obj: models.Model, action: str, *, adapter: BaseAdapter | None = None, using: str | None = None
) -> None:
    """Record ``action`` (create, update, archive) of a registered object."""
    if is_paused():
        return
    adapter = adapter or get_adapter(obj)
    if adapter is None:
        raise ValueError(f"{type(obj).__name__} is not registered with hrflow_matching.")
    if action not in (CREATE, UPDATE, ARCHIVE):
        raise ValueError(f"unknown action {action!r}")
    change = Change(
        adapter=adapter,
        pk=str(obj.pk),
        reference=adapter.get_reference(obj),
        tenant=adapter.get_tenant(obj),
        action=action,
        using=using or router.db_for_write(type(obj), instance=obj),
    )
    _record_change(change)


def record_departure(
    obj: models.Model, tenant: str | None, adapter: BaseAdapter, using: str | None = None
) -> None:
    """Record the archive of ``obj`` for ``tenant``, the tenant it is leaving.

    The row's earlier event in this transaction (its old tenant's) is then closed, so that the
    create that follows for the new tenant is written rather than merged into it.
    """
    if is_paused():
        return
    departure = Departure(
        adapter=adapter,
        pk=str(obj.pk),
        reference=adapter.get_reference(obj),
        tenant=tenant,
        action=ARCHIVE,
        using=using or router.db_for_write(type(obj), instance=obj),
    )
    _record_change(departure)
    key = (adapter.label, departure.pk)
    pending = _deferred.get()
    if pending is not None:
        pending.pop(key, None)
    connections[departure.using].__dict__.get("hrflow_pending", {}).pop(key, None)


def _record_change(change: Change) -> None:
    pending = _deferred.get()
    if pending is not None:
        previous = pending.get(change.key)
        if previous is not None:
            merged = merge(previous.action, change.action)
            if merged is None:
                del pending[change.key]
                return
            change.action = merged
        pending[change.key] = change
        return
    _write(change)


def _write(change: Change) -> None:
    using = change.using
    conn = connections[using]
    state: dict[tuple[str, str], tuple[Any, str, Any]] | None = None
    if conn.in_atomic_block:
        state = conn.__dict__.setdefault("hrflow_pending", {})
        previous = state.get(change.key)
        if previous is not None:
            prev_id, prev_action, forget_hook = previous
            # The entry may belong to a transaction (or savepoint) that was rolled back.
            if _still_pending(conn, forget_hook, prev_id, change):
                merged = merge(prev_action, change.action)
                if merged == prev_action:
                    return
                Event.objects.using(using).filter(pk=prev_id).delete()
                if merged is None:
                    del state[change.key]
                    return
                change.action = merged
            else:
                del state[change.key]
    event_pk = _insert(change)
    if state is not None:

        def forget(key: tuple[str, str] = change.key, event_id: Any = event_pk) -> None:
            if state.get(key, (None,))[0] == event_id:
                del state[key]

        state[change.key] = (event_pk, change.action, forget)
        transaction.on_commit(forget, using=using, robust=True)


def _still_pending(conn: Any, hook: Any, event_id: Any, change: Change) -> bool:
    """Is the earlier event of this object part of the current, uncommitted transaction?

    Django drops the on-commit callbacks of a rolled-back transaction or savepoint, so the
    entry is live exactly while its ``forget`` callback is still queued (no query needed).
    """
    queued = getattr(conn, "run_on_commit", None)
    if queued is not None:
        return any(item[1] is hook for item in queued)
    return (
        Event.objects.using(change.using)
        .filter(pk=event_id, model_label=change.adapter.label, object_pk=change.pk)
        .exists()
    )


def event_body(reference: str, event_type: str, event_date: dt.datetime) -> str:
    """The documented body, compact JSON, serialised once and sent byte-identical.

    ``event_date`` carries microseconds: an archive and a restore in the same second must not
    look simultaneous (the sender also keeps a reference's events in recorded order)."""
    date = event_date.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return json.dumps(
        {"reference": reference, "event_type": event_type, "event_date": date},
        separators=(",", ":"),
        ensure_ascii=False,
    )


def _insert(change: Change) -> Any:
    from hrflow_matching.notify import hints, outbox

    now = dt.datetime.now(dt.UTC)
    event_type = change.event_type
    event_id, delivery_ids = outbox.write(
        change.using,
        event_type=event_type,
        reference=change.reference,
        model_label=change.adapter.label,
        object_pk=change.pk,
        tenant=change.tenant,
        now=now,
        body=event_body(change.reference, event_type, now),
    )
    hint_id = str(event_id)
    transaction.on_commit(
        lambda: hints.push(hint_id, delivery_ids), using=change.using, robust=True
    )
    return event_id


# -- bulk paths ------------------------------------------------------------------------------
def sync(queryset: QuerySet, *, created: bool = False, batch_size: int = 500) -> int:
    """Record events for rows written by ``update()`` or ``bulk_create()`` (no signals).

    Archived rows get an archive event, others an update (or a create with ``created=True``).
    Returns the number of events recorded. Call it inside the same transaction as the write.
    """
    adapter = get_adapter(queryset.model)
    if adapter is None:
        raise ValueError(f"{queryset.model.__name__} is not registered with hrflow_matching.")
    if is_paused():
        return 0
    using = queryset.db
    count = 0
    # Through the adapter's queryset (its joins give tenants without a query per row), without
    # its prefetches, which documents need but events do not.
    rows = adapter.get_queryset().prefetch_related(None).using(using)
    rows = rows.filter(pk__in=queryset.values("pk")).order_by("pk")
    chunk: list[Change] = []
    for obj in rows.iterator(chunk_size=batch_size):
        action = ARCHIVE if adapter.is_archived(obj) else (CREATE if created else UPDATE)
        chunk.append(
            Change(
                adapter,
                str(obj.pk),
                adapter.get_reference(obj),
                adapter.get_tenant(obj),
                action,
                using,
            )
        )
        if len(chunk) >= batch_size:
            count += _record_many(chunk)
            chunk = []
    if chunk:
        count += _record_many(chunk)
    return count


def record_changes(changes: list[Change]) -> int:
    """Record prepared changes (``hrflow_reconcile``), as ``sync()`` does for a queryset."""
    if is_paused() or not changes:
        return 0
    return _record_many(changes)


def _record_many(changes: list[Change]) -> int:
    """Write a chunk of changes; one by one where coalescing with earlier events may apply."""
    from hrflow_matching.notify import hints, outbox

    using = changes[0].using
    conn = connections[using]
    state = conn.__dict__.get("hrflow_pending") or {}
    if _deferred.get() is not None or any(c.key in state for c in changes):
        for change in changes:
            _record_change(change)
        return len(changes)
    now = dt.datetime.now(dt.UTC)
    rows = [
        {
            "event_type": c.event_type,
            "reference": c.reference,
            "model_label": c.adapter.label,
            "object_pk": c.pk,
            "tenant": c.tenant,
            "event_date": now,
            "body": event_body(c.reference, c.event_type, now),
            "created_at": now,
        }
        for c in changes
    ]
    written = outbox.write_many(using, rows)
    if conn.in_atomic_block:
        state = conn.__dict__.setdefault("hrflow_pending", {})
        keys = {
            c.key: (event_id, c.action) for c, (event_id, _) in zip(changes, written, strict=True)
        }

        def forget() -> None:
            for key, (event_id, _) in keys.items():
                if state.get(key, (None,))[0] == event_id:
                    del state[key]

        for key, (event_id, action) in keys.items():
            state[key] = (event_id, action, forget)
        transaction.on_commit(forget, using=using, robust=True)
    hinted = [(str(event_id), ids) for event_id, ids in written]
    transaction.on_commit(lambda: hints.push_many(hinted), using=using, robust=True)
    return len(changes)
