"""The fingerprint of each row's HrFlow document as last announced, and the decision it serves.

``profile_update`` and ``job_update`` mean "the document changed"; ``hrflow_reconcile``
compares every row's document with this table to catch writes that sent no signal.

The decision lives here, below the flows, because both take it: the delivery task before a
webhook (NOTIFY) and the index task (INDEX: an event with no endpoint is decided there, so that
``hrflow_reconcile`` does not find its row changed every night).

A save cannot tell cheaply whether the row's HrFlow document changed (a host's ``__str__``
calling ``.add()``, a form saved untouched, an ``auto_now`` date moving alone), so the receiver
records the update and the worker decides, before the webhook: it builds the row's document as
it is now, hashes it (``adapter.fingerprint``) and compares with the row's
:class:`~hrflow_matching.models.DocumentFingerprint`. An update recorded after that fingerprint
was computed, whose document hashes the same, announces nothing new: its deliveries become
``unchanged`` (counted in the delivery log, never sent) and the event keeps the fingerprint.

The decision is taken once per event (``Event.fingerprint`` goes from "" to the hash under a
conditional UPDATE), so every endpoint and every retry of it agrees, whichever of the delivery
task and the index task gets there first. When in doubt (the stored fingerprint was computed
after the update was recorded: it may already include it, or not) the update is sent: a
duplicate is harmless, a lost change is not.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from hrflow_matching.models.webhooks import Delivery, Event
from hrflow_matching.registry import BaseAdapter, get_adapter_by_label

#: The fingerprint of a row that is archived or gone (no document to announce).
ARCHIVED = "archived"


class DocumentFingerprint(models.Model):
    """One row's document as last announced: its hash, and when that was decided."""

    model_label = models.CharField(max_length=200)
    object_pk = models.CharField(max_length=255)
    value = models.CharField(max_length=64)
    #: The reference and tenant it was announced under: a row deleted by raw SQL is
    #: announced as archived under them, whatever was purged since.
    reference = models.CharField(max_length=255, blank=True)
    tenant = models.CharField(max_length=200, null=True, blank=True)  # noqa: DJ001  (None = no tenant)
    #: When the value was computed: an update recorded after it, with the same document, is a
    #: change of nothing.
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        app_label = "hrflow_matching"
        constraints = [
            models.UniqueConstraint(
                fields=["model_label", "object_pk"], name="hrflow_fingerprint_row"
            )
        ]

    def __str__(self) -> str:
        return f"{self.model_label} {self.object_pk}: {self.value[:12]}"


logger = logging.getLogger(__name__)


def current_fingerprints(adapter: BaseAdapter, pks: Iterable[str]) -> dict[str, str]:
    """The fingerprint of each row's document as it is now (``ARCHIVED`` when archived or
    gone): one batch read and one ``to_documents`` call."""
    wanted = [str(pk) for pk in pks]
    rows = list(adapter.get_batch_queryset().filter(pk__in=wanted))
    live = [obj for obj in rows if not adapter.is_archived(obj)]
    out = dict.fromkeys(wanted, ARCHIVED)
    for obj, document in zip(live, adapter.to_documents(live), strict=True):
        out[str(obj.pk)] = adapter.fingerprint(document)
    return out


def settle(events: Iterable[Event]) -> set[int]:
    """Decide the events not decided yet; returns the ids of those dropped as unchanged.

    Never raises: a document that cannot be built leaves its events undecided (they are sent,
    as before this check existed) and is logged.
    """
    pending: dict[str, list[Event]] = {}
    for event in events:
        if not event.fingerprint:
            pending.setdefault(event.model_label, []).append(event)
    dropped: set[int] = set()
    for label, group in pending.items():
        adapter = get_adapter_by_label(label)
        if adapter is None:
            continue
        try:
            now = current_fingerprints(adapter, {e.object_pk for e in group})
        except Exception:
            logger.exception("documents of %s could not be built; events sent unchecked", label)
            continue
        for event in sorted(group, key=lambda e: (e.created_at, e.pk)):
            if _decide(event, now[event.object_pk]):
                dropped.add(event.pk)
    return dropped


def _decide(event: Event, value: str) -> bool:
    """Store the event's fingerprint and the row's; True when the update changed nothing."""
    with transaction.atomic():
        stored = (
            DocumentFingerprint.objects.select_for_update()
            .filter(model_label=event.model_label, object_pk=event.object_pk)
            .first()
        )
        if not Event.objects.filter(pk=event.pk, fingerprint="").update(fingerprint=value):
            return False  # another task decided this event first
        event.fingerprint = value
        unchanged = (
            event.action == "update"
            and stored is not None
            and stored.value == value
            and stored.computed_at < event.created_at
        )
        if unchanged:
            Delivery.objects.filter(
                event_id=event.pk, status=Delivery.Status.PENDING, attempt_count=0
            ).update(status=Delivery.Status.UNCHANGED, claim_token="", locked_until=None)
            return True
        record(event.model_label, event.object_pk, value, event.reference, event.tenant, stored)
    return False


def record(
    label: str, pk: str, value: str, reference: str, tenant: str | None, stored: Any = None
) -> None:
    """Make ``value`` the row's last announced fingerprint."""
    fields = {"value": value, "computed_at": timezone.now(), "reference": reference}
    fields["tenant"] = tenant
    if stored is not None:
        DocumentFingerprint.objects.filter(pk=stored.pk).update(**fields)
    else:
        DocumentFingerprint.objects.update_or_create(
            model_label=label, object_pk=pk, defaults=fields
        )
