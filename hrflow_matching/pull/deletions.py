"""Keep a tombstone for every deleted profile or job, so that pullers learn of deletions.

A delete is captured in two steps, per registered sender (never globally): ``pre_delete``
reads the reference and tenant while the row (and the joins its tenant may need) still exist,
``post_delete`` writes the tombstone once the row is gone. Both run inside the atomic block of
Django's deletion collector, so a rolled-back delete leaves no tombstone. A row created again
with the same reference in the same tenant removes its tombstone; tombstones are keyed by
(model, tenant, reference), since references may be unique per tenant only. Old tombstones are purged by
:func:`purge_tombstones`, which a periodic task calls.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import models
from django.db.models.signals import post_delete, post_save, pre_delete
from django.utils import timezone

from hrflow_matching import registry, tenant_moves
from hrflow_matching.conf import get_settings

_PENDING_ATTR = "_hrflow_tombstone_pending"


def _uid(step: str, model: type[models.Model]) -> str:
    return f"hrflow_matching.pull.deletions.{step}.{model._meta.label_lower}"


def _on_pre_delete(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    adapter = registry.get_adapter(sender)
    if adapter is None:
        return
    setattr(
        instance, _PENDING_ATTR, (adapter.get_reference(instance), adapter.get_tenant(instance))
    )


def _on_post_delete(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    adapter = registry.get_adapter(sender)
    pending = getattr(instance, _PENDING_ATTR, None)
    if adapter is None or pending is None:
        return
    reference, tenant = pending
    bury(adapter, reference, tenant, kwargs.get("using") or "default")


def bury(adapter: registry.BaseAdapter, reference: str, tenant: str | None, using: str) -> None:
    """Record (or refresh) the tombstone of ``reference`` in ``tenant``, and only there."""
    from hrflow_matching.models import Tombstone

    Tombstone.objects.using(using).update_or_create(
        model_label=adapter.label,
        tenant=tenant,
        reference=reference,
        defaults={"kind": adapter.kind, "archived_at": timezone.now()},
    )


def unbury(adapter: registry.BaseAdapter, reference: str, tenant: str | None, using: str) -> None:
    """A reference that lives again in ``tenant`` is no longer deleted there (other tenants'
    tombstones of the same reference stay)."""
    from hrflow_matching.models import Tombstone

    Tombstone.objects.using(using).filter(
        model_label=adapter.label, tenant=tenant, reference=reference
    ).delete()


def _on_post_save(
    sender: type[models.Model], instance: models.Model, created: bool, **kwargs: Any
) -> None:
    """A reference that lives again is no longer deleted; one that moved to another tenant is
    deleted for the tenant it left (``tenant_moves``)."""
    adapter = registry.get_adapter(sender)
    left = tenant_moves.moved_from(instance)
    if adapter is None or not (created or left is not tenant_moves.NOT_MOVED):
        return
    using = kwargs.get("using") or "default"
    reference = adapter.get_reference(instance)
    if not created:
        bury(adapter, reference, left, using)
    unbury(adapter, reference, adapter.get_tenant(instance), using)


def connect_registered_models() -> None:
    """Connect the tombstone receivers to each registered model (idempotent: dispatch_uid)."""
    for adapter in registry.adapters():
        model = adapter.model
        pre_delete.connect(_on_pre_delete, sender=model, dispatch_uid=_uid("pre_delete", model))
        post_delete.connect(_on_post_delete, sender=model, dispatch_uid=_uid("post_delete", model))
        post_save.connect(_on_post_save, sender=model, dispatch_uid=_uid("post_save", model))


def purge_tombstones(now: dt.datetime | None = None) -> int:
    """Delete tombstones older than ``API.TOMBSTONE_RETENTION_DAYS``; returns how many."""
    from hrflow_matching.models import Tombstone

    days = get_settings()["API"]["TOMBSTONE_RETENTION_DAYS"]
    cutoff = (now or timezone.now()) - dt.timedelta(days=days)
    deleted, _ = Tombstone.objects.filter(archived_at__lt=cutoff).delete()
    return deleted
