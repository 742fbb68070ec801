"""Writing the outbox rows of one event: two statements on the CRM's own connection.

This runs inside every CRM save, so it is kept to the minimum: one INSERT of the event and one
``INSERT … SELECT`` that creates the deliveries for the active, subscribed endpoints of the
row's tenant, with ``RETURNING`` ids for the after-commit hint. SQLite and PostgreSQL get
hand-written SQL (the ORM's per-query overhead would double the cost of a save); other
databases use the ORM, with the same result.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connections, transaction

from .models.webhooks import Delivery, Event, WebhookEndpoint, new_msg_id


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
    fields = {
        "event_type": event_type,
        "reference": reference,
        "model_label": model_label,
        "object_pk": object_pk,
        "tenant": tenant,
        "event_date": now,
        "body": body,
        "created_at": now,
        "indexed_at": None,
        "index_attempts": 0,
        "index_error": "",
    }
    if conn.vendor not in ("sqlite", "postgresql"):
        return _write_orm(using, fields, event_type, tenant, now)
    meta = Event._meta
    columns = [meta.get_field(name).column for name in fields]
    values = [meta.get_field(name).get_db_prep_save(value, conn) for name, value in fields.items()]
    qn = conn.ops.quote_name
    event_sql = "INSERT INTO {} ({}) VALUES ({}) RETURNING {}".format(
        qn(meta.db_table),
        ", ".join(qn(c) for c in columns),
        ", ".join(["%s"] * len(columns)),
        qn(meta.pk.column),
    )
    with transaction.atomic(using=using, savepoint=False), conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            # One round trip: the deliveries read the event id from the first INSERT.
            delivery_sql, params = _deliveries_sql(
                conn, None, event_type, tenant, now, event_expr="(SELECT id FROM e)"
            )
            cursor.execute(
                f"WITH e AS ({event_sql}), d AS ({delivery_sql}) "
                "SELECT 0, id FROM e UNION ALL SELECT 1, id FROM d",
                [*values, *params],
            )
            rows = cursor.fetchall()
            event_id = next(pk for kind, pk in rows if kind == 0)
            return event_id, [pk for kind, pk in rows if kind == 1]
        cursor.execute(event_sql, values)
        event_id = cursor.fetchone()[0]
        delivery_sql, params = _deliveries_sql(conn, event_id, event_type, tenant, now)
        cursor.execute(delivery_sql, params)
        ids = [row[0] for row in cursor.fetchall()]
    return event_id, ids


def _deliveries_sql(
    conn: Any,
    event_id: int | None,
    event_type: str,
    tenant: str | None,
    now: dt.datetime,
    event_expr: str = "%s",
) -> tuple[str, list[Any]]:
    qn = conn.ops.quote_name
    d, e = Delivery._meta, WebhookEndpoint._meta
    prep_dt = d.get_field("created_at").get_db_prep_save(now, conn)
    if conn.vendor == "postgresql":
        msg_id = "'msg_' || replace(gen_random_uuid()::text, '-', '')"
        subscribed = "(jsonb_array_length(ep.{0}) = 0 OR ep.{0} ? %s)".format(qn("events"))
        sub_param: Any = event_type
    else:
        msg_id = "'msg_' || lower(hex(randomblob(16)))"
        subscribed = "(ep.{0} = '[]' OR instr(ep.{0}, %s) > 0)".format(qn("events"))
        sub_param = f'"{event_type}"'
    tenant_sql = (
        "ep.{} IS NULL".format(qn("tenant"))
        if tenant is None
        else "ep.{} = %s".format(qn("tenant"))
    )
    cols = [
        "event_id", "endpoint_id", "msg_id", "status", "attempt_count", "next_attempt_at",
        "claim_token", "locked_until", "last_status_code", "last_error", "delivered_at",
        "created_at", "updated_at",
    ]  # fmt: skip
    sql = (
        "INSERT INTO {table} ({cols}) "
        "SELECT {event}, ep.{id}, {msg_id}, 'pending', 0, %s, '', NULL, NULL, '', NULL, %s, %s "
        "FROM {endpoints} ep WHERE ep.{active} = %s AND {tenant} AND {subscribed} "
        "RETURNING {table}.{id}"
    ).format(
        table=qn(d.db_table),
        cols=", ".join(qn(d.get_field(c).column) for c in cols),
        id=qn("id"),
        msg_id=msg_id,
        event=event_expr,
        endpoints=qn(e.db_table),
        active=qn("is_active"),
        tenant=tenant_sql,
        subscribed=subscribed,
    )
    params: list[Any] = [event_id] if event_expr == "%s" else []
    params += [prep_dt, prep_dt, prep_dt, True]
    if tenant is not None:
        params.append(tenant)
    params.append(sub_param)
    return sql, params


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
