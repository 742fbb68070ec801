"""Writing the outbox rows of one event, on the CRM's own connection, in its transaction.

This runs inside every CRM save, so it is kept to the minimum: the event, and one delivery per
active, subscribed endpoint of the row's tenant, with their ids for the after-commit hint.
PostgreSQL does it in one call to ``hrflow_outbox_write()`` (migration 0002: a PL/pgSQL
function keeps its query plans, where a statement sent as text is planned on every save);
SQLite in an INSERT and an ``INSERT … SELECT``; other databases through the ORM, with the same
result. See ``bench/save_overhead.py``.
"""

from __future__ import annotations

import datetime as dt
import functools
from contextlib import closing, nullcontext
from typing import Any

from django.db import connections, transaction

from hrflow_matching.models.webhooks import Delivery, Event, WebhookEndpoint, new_msg_id

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
    # Inside the CRM's transaction (the usual case) no savepoint or atomic block is needed.
    atomic = nullcontext() if conn.in_atomic_block else transaction.atomic(using, savepoint=False)
    raw = _unobserved(conn)
    with atomic, closing(conn.connection.cursor()) if raw else conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            # One round trip to a function whose plans PostgreSQL keeps (migration 0002).
            cursor.execute(
                _PG_CALL, [event_type, reference, model_label, object_pk, tenant, now, body]
            )
            ids = cursor.fetchone()[0]
            return ids[0], ids[1:]
        at = conn.ops.adapt_datetimefield_value(now)
        event_sql, delivery_sql = _sqlite_sql(tenant is None, raw)
        cursor.execute(
            event_sql,
            [event_type, reference, model_label, object_pk, tenant, at, body, at, None, 0, ""],
        )
        event_id = cursor.fetchone()[0]
        tenant_param = [] if tenant is None else [tenant]
        cursor.execute(delivery_sql, [event_id, at, at, at, True, *tenant_param, f'"{event_type}"'])
        return event_id, [row[0] for row in cursor.fetchall()]


def _unobserved(conn: Any) -> bool:
    """Can the statements go straight to the driver's cursor?

    Django's cursor wrapper costs about as much as the statements themselves (a fifth of a
    one-row save on SQLite). It is skipped only when nobody looks at queries: no ``DEBUG``
    query log, no ``CaptureQueriesContext`` or ``assertNumQueries``, no execute wrapper (APM
    agents, debug toolbars). Whoever watches queries sees these ones too.
    """
    if conn.queries_logged or conn.execute_wrappers:
        return False
    conn.ensure_connection()
    return True


_PG_CALL = "SELECT hrflow_outbox_write(%s, %s, %s, %s, %s, %s, %s)"


def _qn(name: str) -> str:
    """Quote a name as both PostgreSQL and SQLite do (Django's ``quote_name`` for them)."""
    return name if name.startswith('"') else f'"{name}"'


@functools.lru_cache(maxsize=4)
def _sqlite_sql(tenantless: bool, raw: bool) -> tuple[str, str]:
    """The two SQLite statements, built once from the models' columns.

    ``raw``: for the driver's own cursor, with ``?`` placeholders (Django's cursor wrapper
    rewrites ``%s`` itself)."""
    qn = _qn
    meta, d, e = Event._meta, Delivery._meta, WebhookEndpoint._meta
    event_sql = "INSERT INTO {} ({}) VALUES ({}) RETURNING {}".format(
        qn(meta.db_table),
        ", ".join(qn(meta.get_field(f).column) for f in _EVENT_FIELDS),
        ", ".join(["%s"] * len(_EVENT_FIELDS)),
        qn(meta.pk.column),
    )
    tenant = "ep.{} IS NULL" if tenantless else "ep.{} = %s"
    delivery_sql = (
        "INSERT INTO {table} ({cols}) "
        "SELECT %s, ep.{id}, 'msg_' || lower(hex(randomblob(16))), 'pending', 0, %s, '', NULL, "
        "NULL, '', NULL, %s, %s "
        "FROM {endpoints} ep WHERE ep.{active} = %s AND {tenant} "
        "AND (ep.{events} = '[]' OR instr(ep.{events}, %s) > 0) "
        "RETURNING {table}.{id}"
    ).format(
        table=qn(d.db_table),
        cols=", ".join(qn(d.get_field(c).column) for c in _DELIVERY_COLUMNS),
        id=qn("id"),
        endpoints=qn(e.db_table),
        active=qn("is_active"),
        tenant=tenant.format(qn("tenant")),
        events=qn("events"),
    )
    if raw:  # no "%" in these statements but the placeholders
        return event_sql.replace("%s", "?"), delivery_sql.replace("%s", "?")
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
