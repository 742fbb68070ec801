"""Which save moves a row to another tenant: :func:`moved_from`.

Changing a candidate's or job's tenant (``adapter.tenant_field``) is, for the old tenant, a
deletion: its endpoints get an archive event and its pull a tombstone (its lookup a 410), so
the old client's HrFlow.ai account does not keep the person's profile for ever; for the new
tenant it is a create. The event receivers and the tombstone receivers both ask this module,
which only notes the move (a base module: the flows that act on it never import each other).

How a move is seen without a query per save: ``post_init`` notes the first hop of the tenant
field as loaded (``organisation_id`` for ``"organisation__slug"``, the value itself for a plain
field); ``pre_save`` compares it with the value being saved and, only when it changed, reads the
old tenant from the database (the row still holds it). A row saved without having been loaded
(no note) is compared with the database, one query.

Moves are noted inside ``paused()`` too: tombstones are the pull's truth, not events.
"""

from __future__ import annotations

from typing import Any

from django.db import DEFAULT_DB_ALIAS, models
from django.db.models.signals import post_init, post_save, pre_save

from hrflow_matching import registry

_LOADED = "_hrflow_tenant_hop"
_MOVED_FROM = "_hrflow_moved_from"
#: :func:`moved_from` of a row that did not change tenant.
NOT_MOVED: Any = object()


def _hop(adapter: registry.BaseAdapter) -> str | None:
    """The attribute of the row the tenant hangs on: ``organisation_id``, ``tenant``…"""
    if not adapter.tenant_field:
        return None
    first = adapter.tenant_field.split("__")[0]
    try:
        return adapter.model._meta.get_field(first).attname
    except Exception:  # a property or an annotation: moves cannot be seen
        return None


def _post_init(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    adapter = registry.get_adapter(sender)
    attname = _hop(adapter) if adapter else None
    if attname and instance.pk is not None and attname in instance.__dict__:
        instance.__dict__[_LOADED] = instance.__dict__[attname]


def _pre_save(
    sender: type[models.Model], instance: models.Model, raw: bool = False, **kwargs: Any
) -> None:
    instance.__dict__.pop(_MOVED_FROM, None)
    adapter = registry.get_adapter(sender)
    attname = _hop(adapter) if adapter else None
    if raw or attname is None or instance.pk is None:
        return
    if attname not in instance.__dict__:
        return  # a deferred field is not saved: the tenant cannot change
    if instance.__dict__.get(_LOADED, NOT_MOVED) == instance.__dict__[attname]:
        return
    using = kwargs.get("using") or instance._state.db or DEFAULT_DB_ALIAS
    assert adapter is not None and adapter.tenant_field
    rows = sender._base_manager.using(using).filter(pk=instance.pk)
    found = rows.values_list(adapter.tenant_field, "pk").first()
    if found is None:
        return  # saved with a primary key that is not in the database yet: a create
    old = None if found[0] in (None, "") else str(found[0])
    if old != adapter.get_tenant(instance):
        instance.__dict__[_MOVED_FROM] = old


def _post_save(
    sender: type[models.Model], instance: models.Model, raw: bool = False, **kwargs: Any
) -> None:
    adapter = registry.get_adapter(sender)
    attname = _hop(adapter) if adapter else None
    if attname is not None and attname in instance.__dict__:
        instance.__dict__[_LOADED] = instance.__dict__[attname]  # what the next save starts from


def moved_from(instance: models.Model) -> Any:
    """The tenant the row is leaving in the save under way, or :data:`NOT_MOVED`."""
    return instance.__dict__.get(_MOVED_FROM, NOT_MOVED)


def connect_registered_models() -> None:
    """Connect the receivers to each registered model with a tenant field (dispatch_uid)."""
    for adapter in registry.adapters():
        if _hop(adapter) is None:
            continue
        model = adapter.model
        uid = f"hrflow_matching.tenant_moves.{model._meta.label_lower}"
        post_init.connect(_post_init, sender=model, dispatch_uid=uid, weak=False)
        pre_save.connect(_pre_save, sender=model, dispatch_uid=uid, weak=False)
        post_save.connect(_post_save, sender=model, dispatch_uid=uid, weak=False)
