"""Writing the outbox rows of one event: two statements on the CRM's own connection.

This runs inside every CRM save, so it is kept to the minimum: one INSERT of the event and one
``INSERT … SELECT`` that creates the deliveries for the active, subscribed endpoints of the
row's tenant, with ``RETURNING`` ids for the after-commit hint. SQLite and PostgreSQL get
hand-written SQL (the ORM's per-query overhead would double the cost of a save); other
databases use the ORM, with the same result.
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

from django.db import connections, transaction

from .models.webhooks import Delivery, Event, WebhookEndpoint, new_msg_id

_EVENT_FIELDS = (
    "event_type", "reference", "model_label", "object_pk", "tenant", "event_date", "body",
    "created_at", "indexed_at", "index_attempts", "index_error",
)  # fmt: skip
_DELIVERY_COLUMNS = (
    "event_id", "endpoint_id", "msg_id", "status", "attempt_count", "next_attempt_at",
    "claim_token", "locked_until", "last_status_code", "last_error", "delivered_at",
    "created_at", "updated_at",
)  # fmt: skip


def write(
    using: str,
    *,
    event_type: str,
    reference: str,
    model_label: str,
    object_pk: str,
    tenant: str | None,
    now: dt.datetime,
    body: str,
) -> tuple[int, list[int]]:
    """Insert the event and its deliveries; returns (event id, delivery ids)."""
    conn = connections[using]
    if conn.vendor not in ("sqlite", "postgresql"):
        fields = dict(zip(_EVENT_FIELDS, (event_type, reference, model_label, object_pk, tenant, now, body, now, None, 0, ""), strict=True))  # fmt: skip
        return _write_orm(using, fields, event_type, tenant, now)
    at = conn.ops.adapt_datetimefield_value(now)
    values = [event_type, reference, model_label, object_pk, tenant, at, body, at, None, 0, ""]
    tail = [at, at, at, True, *([] if tenant is None else [tenant])]
    sub = event_type if conn.vendor == "postgresql" else f'"{event_type}"'
    with transaction.atomic(using=using, savepoint=False), conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            # One round trip: the deliveries read the event id from the first INSERT.
            cursor.execute(_sql(conn.vendor, tenant is None), [*values, *tail, sub])
            rows = cursor.fetchall()
            event_id = next(pk for kind, pk in rows if kind == 0)
            return event_id, [pk for kind, pk in rows if kind == 1]
        event_sql, delivery_sql = _sql(conn.vendor, tenant is None)
        cursor.execute(event_sql, values)
        event_id = cursor.fetchone()[0]
        cursor.execute(delivery_sql, [event_id, *tail, sub])
        return event_id, [row[0] for row in cursor.fetchall()]


def _qn(name: str) -> str:
    """Quote a name as both PostgreSQL and SQLite do (Django's ``quote_name`` for them)."""
    return name if name.startswith('"') else f'"{name}"'


@functools.lru_cache(maxsize=4)
def _sql(vendor: str, tenantless: bool) -> Any:
    """The statements, built once per vendor: a CTE pair on PostgreSQL, two on SQLite."""
    qn = _qn
    meta, d, e = Event._meta, Delivery._meta, WebhookEndpoint._meta
    event_sql = "INSERT INTO {} ({}) VALUES ({}) RETURNING {}".format(
        qn(meta.db_table),
        ", ".join(qn(meta.get_field(f).column) for f in _EVENT_FIELDS),
        ", ".join(["%s"] * len(_EVENT_FIELDS)),
        qn(meta.pk.column),
    )
    if vendor == "postgresql":
        msg_id = "'msg_' || replace(gen_random_uuid()::text, '-', '')"
        subscribed = "(jsonb_array_length(ep.{0}) = 0 OR ep.{0} ? %s)".format(qn("events"))
        event = "(SELECT id FROM e)"
    else:
        msg_id = "'msg_' || lower(hex(randomblob(16)))"
        subscribed = "(ep.{0} = '[]' OR instr(ep.{0}, %s) > 0)".format(qn("events"))
        event = "%s"
    tenant = "ep.{} IS NULL" if tenantless else "ep.{} = %s"
    delivery_sql = (
        "INSERT INTO {table} ({cols}) "
        "SELECT {event}, ep.{id}, {msg_id}, 'pending', 0, %s, '', NULL, NULL, '', NULL, %s, %s "
        "FROM {endpoints} ep WHERE ep.{active} = %s AND {tenant} AND {subscribed} "
        "RETURNING {table}.{id}"
    ).format(
        table=qn(d.db_table),
        cols=", ".join(qn(d.get_field(c).column) for c in _DELIVERY_COLUMNS),
        id=qn("id"),
        msg_id=msg_id,
        event=event,
        endpoints=qn(e.db_table),
        active=qn("is_active"),
        tenant=tenant.format(qn("tenant")),
        subscribed=subscribed,
    )
    if vendor == "postgresql":
        return (
            f"WITH e AS ({event_sql}), d AS ({delivery_sql}) "
            "SELECT 0, id FROM e UNION ALL SELECT 1, id FROM d"
        )
    return event_sql, delivery_sql


def _write_orm(
    using: str, fields: dict[str, Any], event_type: str, tenant: str | None, now: dt.datetime
) -> tuple[int, list[int]]:
    with transaction.atomic(using=using, savepoint=False):
        event = Event.objects.using(using).create(**fields)
        qs = WebhookEndpoint.objects.using(using).filter(is_active=True)
        qs = qs.filter(tenant__isnull=True) if tenant is None else qs.filter(tenant=tenant)
        deliveries = [
            Delivery(
                event=event,
                endpoint_id=ep.pk,
                msg_id=new_msg_id(),
                next_attempt_at=now,
                created_at=now,
            )
            for ep in qs.only("id", "events")
            if ep.subscribes(event_type)
        ]
        Delivery.objects.using(using).bulk_create(deliveries)
        ids = list(Delivery.objects.using(using).filter(event=event).values_list("pk", flat=True))
    return event.pk, ids


def write_many(using: str, rows: list[dict[str, Any]]) -> list[tuple[int, list[int]]]:
    """Insert many events and their deliveries at once (``sync()`` of a bulk import).

    ``rows`` hold the Event fields of :func:`write`. Endpoints are read once per tenant; events
    and deliveries go in with one multi-row INSERT each. Returns (event id, delivery ids) per row.
    """
    with transaction.atomic(using=using, savepoint=False):
        events = Event.objects.using(using).bulk_create(
            [Event(indexed_at=None, index_attempts=0, index_error="", **row) for row in rows]
        )
        endpoints: dict[str | None, list[WebhookEndpoint]] = {}
        deliveries: list[Delivery] = []
        owners: list[int] = []
        for i, event in enumerate(events):
            tenant = event.tenant
            if tenant not in endpoints:
                qs = WebhookEndpoint.objects.using(using).filter(is_active=True)
                qs = qs.filter(tenant__isnull=True) if tenant is None else qs.filter(tenant=tenant)
                endpoints[tenant] = list(qs.only("id", "events"))
            for ep in endpoints[tenant]:
                if ep.subscribes(event.event_type):
                    deliveries.append(
                        Delivery(
                            event=event,
                            endpoint_id=ep.pk,
                            msg_id=new_msg_id(),
                            next_attempt_at=event.created_at,
                            created_at=event.created_at,
                        )
                    )
                    owners.append(i)
        Delivery.objects.using(using).bulk_create(deliveries)
    out: list[tuple[int, list[int]]] = [(e.pk, []) for e in events]
    for owner, delivery in zip(owners, deliveries, strict=True):
        out[owner][1].append(delivery.pk)
    return out
