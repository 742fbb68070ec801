"""Signal receivers, connected per registered model (never globally), that record events.

- ``post_init`` notes whether a loaded row is archived (``pre_save`` asks the database only when
  it could not), so ``post_save`` can tell an update from an archive (archived transition) or a
  create (restore) without an extra query on the save path.
- ``pre_delete`` records the archive while the row, and so its reference, still exists.
- ``m2m_changed`` on an adapter's ``watched_m2m`` and saves/deletes of its ``related_models``
  are updates of the parent, and move its modification date (``BaseAdapter.touch``), so that
  an incremental pull meets it again. The date moves inside ``paused()`` too: it is the row's
  truth, not an event.
- Fixture loads (``raw``) record nothing, including the many-to-many rows that ``loaddata``
  sets after its raw save (``m2m_changed`` carries no ``raw`` flag, so the raw save marks the
  instance, and the next ordinary save clears the mark).
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models.signals import m2m_changed, post_init, post_save, pre_delete, pre_save

from hrflow_matching import tenant_moves
from hrflow_matching.notify import events
from hrflow_matching.registry import BaseAdapter, adapters, related_watchers

_WAS_ARCHIVED = "_hrflow_was_archived"
_LOADED_ARCHIVED = "_hrflow_loaded_archived"
_RAW_LOADED = "_hrflow_raw_loaded"
_connected: list[tuple[Any, Any, type]] = []


def connect_registered_models() -> None:
    """Connect the receivers for every registered model, its watched m2m and child models."""
    disconnect_all()
    for adapter in adapters():
        model = adapter.model
        uid = f"hrflow:{adapter.label}"
        if adapter.archived_q() is not None:
            _connect(post_init, _post_init, model, uid)
        _connect(pre_save, _pre_save, model, uid)
        _connect(post_save, _post_save, model, uid)
        _connect(pre_delete, _pre_delete, model, uid)
        for name in adapter.watched_m2m:
            through = getattr(model, name).through
            _connect(m2m_changed, _m2m_changed, through, f"{uid}:{name}")
    for child, watchers in related_watchers().items():
        uid = "hrflow:child:" + child._meta.label_lower
        _connect(post_save, _child_saved, child, uid)
        _connect(pre_delete, _child_deleted, child, uid)
        del watchers  # the adapters are looked up again per child row


def disconnect_all() -> None:
    while _connected:
        signal, uid, sender = _connected.pop()
        signal.disconnect(sender=sender, dispatch_uid=uid)


def _connect(signal: Any, receiver: Any, sender: type, uid: str) -> None:
    signal.connect(receiver, sender=sender, dispatch_uid=uid, weak=False)
    _connected.append((signal, uid, sender))


def _adapter(instance: models.Model) -> BaseAdapter | None:
    from hrflow_matching.registry import get_adapter

    return get_adapter(instance)


def _post_init(sender: type, instance: models.Model, **kwargs: Any) -> None:
    # Only rows loaded with every field: reading a deferred field here would cost a query.
    if instance.pk is None or instance.get_deferred_fields():
        return
    adapter = _adapter(instance)
    if adapter is not None:
        instance.__dict__[_LOADED_ARCHIVED] = adapter.is_archived(instance)


def _pre_save(sender: type, instance: models.Model, raw: bool = False, **kwargs: Any) -> None:
    if raw:
        instance.__dict__[_RAW_LOADED] = True
        return
    instance.__dict__.pop(_RAW_LOADED, None)
    if events.is_paused() or instance._state.adding or instance.pk is None:
        return
    if _LOADED_ARCHIVED in instance.__dict__:
        instance.__dict__[_WAS_ARCHIVED] = instance.__dict__[_LOADED_ARCHIVED]
        return
    adapter = _adapter(instance)
    q = adapter.archived_q() if adapter else None
    if q is None:
        return
    using = kwargs.get("using") or instance._state.db
    was = sender._base_manager.using(using).filter(q, pk=instance.pk).exists()
    setattr(instance, _WAS_ARCHIVED, was)


def _post_save(
    sender: type, instance: models.Model, created: bool, raw: bool = False, **kwargs: Any
) -> None:
    if raw or events.is_paused():
        return
    adapter = _adapter(instance)
    if adapter is None:
        return
    archived = adapter.is_archived(instance)
    was = instance.__dict__.pop(_WAS_ARCHIVED, None)
    instance.__dict__[_LOADED_ARCHIVED] = archived  # the state the next save starts from
    if created:
        action = None if archived else events.CREATE
    elif (left := tenant_moves.moved_from(instance)) is not tenant_moves.NOT_MOVED:
        # Moved to another tenant: gone for the one it left, new for the one it joined.
        if not was:
            events.record_departure(instance, left, adapter, kwargs.get("using"))
        action = None if archived else events.CREATE
    elif was:
        action = None if archived else events.CREATE  # restoring an archived row is a create
    else:
        action = events.ARCHIVE if archived else events.UPDATE
    if action:
        events.record(instance, action, adapter=adapter, using=kwargs.get("using"))


def _pre_delete(sender: type, instance: models.Model, **kwargs: Any) -> None:
    if events.is_paused():
        return
    adapter = _adapter(instance)
    if adapter is None or adapter.is_archived(instance):
        return  # an archived row was already announced as archived
    events.record(instance, events.ARCHIVE, adapter=adapter, using=kwargs.get("using"))


def _m2m_changed(
    sender: type,
    instance: models.Model,
    action: str,
    reverse: bool,
    model: type,
    pk_set: set | None,
    **kwargs: Any,
) -> None:
    using = kwargs.get("using")
    if not reverse:
        if instance.__dict__.get(_RAW_LOADED):
            return  # loaddata setting the relations of the row it just saved raw
        if action == "post_clear" or (action in ("post_add", "post_remove") and pk_set):
            # An ``add()`` of rows already related (or a ``remove()`` of unrelated ones)
            # arrives with an empty ``pk_set``: nothing changed, nothing to record.
            _touch_parent(instance, using)
        return
    # Reverse side (e.g. ``skill.candidates.add(...)``): the registered rows are ``model``.
    if action == "pre_clear":
        accessor = _reverse_accessor(sender, instance, model)
        if accessor is not None:
            instance.__dict__["_hrflow_clear"] = list(accessor.all())
    elif action == "post_clear":
        for parent in instance.__dict__.pop("_hrflow_clear", []):
            _touch_parent(parent, using)
    elif action in ("post_add", "post_remove") and pk_set:
        for parent in model._base_manager.using(using).filter(pk__in=pk_set):
            _touch_parent(parent, using)


def _reverse_accessor(through: type, instance: models.Model, model: type) -> Any:
    adapter = _adapter_for_model(model)
    if adapter is None:
        return None
    for name in adapter.watched_m2m:
        field = model._meta.get_field(name)
        if field.remote_field.through is through:
            return model._base_manager.filter(**{name: instance})
    return None


def _adapter_for_model(model: type) -> BaseAdapter | None:
    from hrflow_matching.registry import get_adapter

    return get_adapter(model)


def _touch_parent(parent: models.Model, using: str | None) -> None:
    adapter = _adapter(parent)
    if adapter is None:
        return
    adapter.touch(parent, using)
    if events.is_paused() or adapter.is_archived(parent):
        return  # changes to an archived row are not events
    events.record(parent, events.UPDATE, adapter=adapter, using=using)


def _parents(child: models.Model) -> list[models.Model]:
    out: list[models.Model] = []
    for adapter in related_watchers().get(type(child)._meta.concrete_model, []):
        out.extend(adapter.get_parents_of_related(child))
    return out


def _child_saved(sender: type, instance: models.Model, raw: bool = False, **kwargs: Any) -> None:
    if raw:
        return
    for parent in _parents(instance):
        _touch_parent(parent, kwargs.get("using"))


def _child_deleted(sender: type, instance: models.Model, **kwargs: Any) -> None:
    for parent in _parents(instance):
        _touch_parent(parent, kwargs.get("using"))
