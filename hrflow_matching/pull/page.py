"""One page of the incremental pull: live rows and tombstones merged in one cursor order.

The order is (modification date, reference), ascending. Deleted rows are kept as tombstones in
their own table, ordered by (deletion date, reference). Rather than a UNION, each source is
asked for ``page_size + 1`` items after the cursor, with its own index, and the two sorted
lists are merged in Python: two small indexed queries whatever the table sizes, and the
``+1`` tells whether more items follow. References are compared in code-point order in both
the database (a binary collation) and Python, so the merge and the next cursor agree.

Related rows are read only for the rows that make the page, by the adapter's ``to_documents``
(in bulk), so a page costs the same number of queries at any page size.
"""

from __future__ import annotations

import datetime as dt
import heapq
from dataclasses import dataclass
from typing import Any

from django.db import connections, models
from django.db.models import CharField, F, Q, QuerySet, TextField
from django.db.models.functions import Cast, Collate
from django.utils import timezone

from hrflow_matching.api.auth import Scope
from hrflow_matching.conf import get_settings
from hrflow_matching.documents import iso
from hrflow_matching.models import Tombstone
from hrflow_matching.pull.params import Position, PullFilterSet
from hrflow_matching.registry import BaseAdapter

REF = "_hrflow_ref"
DATE = "_hrflow_date"
_BINARY_COLLATION = {"postgresql": "C", "mysql": "utf8mb4_bin"}


@dataclass
class Page:
    documents: list[dict[str, Any]]
    next_position: Position | None
    has_more: bool


def reference_expression(model: type[models.Model], field_name: str, using: str) -> Any:
    """The reference as text, in a collation that sorts by code point like Python does."""
    field = model._meta.pk if field_name == "pk" else model._meta.get_field(field_name)
    expr: Any = F(field.attname if field_name != "pk" else "pk")
    if not isinstance(field, CharField | TextField):
        expr = Cast(expr, CharField())
    collation = _BINARY_COLLATION.get(connections[using].vendor)
    return Collate(expr, collation) if collation else expr


def after(queryset: QuerySet, date_field: str, position: Position | None) -> QuerySet:
    """Rows strictly after ``position`` in (date, reference) order; the ``gte`` lets the
    database start an index range scan at the cursor's date."""
    if position is None:
        return queryset
    ts = position.updated_at
    return queryset.filter(
        Q(**{f"{date_field}__gte": ts})
        & (Q(**{f"{date_field}__gt": ts}) | Q(**{f"{REF}__gt": position.reference}))
    )


def horizon() -> dt.datetime:
    """Rows modified after this instant wait for the next pull (``API.SETTLE_SECONDS``)."""
    return timezone.now() - dt.timedelta(seconds=float(get_settings()["API"]["SETTLE_SECONDS"]))


def live_rows(
    adapter: BaseAdapter, params: Any, scope: Scope, position: Position | None, size: int
) -> list[models.Model]:
    """Up to ``size + 1`` rows after the cursor; their related rows are read later, for the
    rows that make the page only."""
    queryset = adapter.get_batch_queryset()
    rows_q = scope.rows_q(adapter.tenant_field)
    if rows_q is not None:
        queryset = queryset.filter(rows_q)
    date_field = adapter.updated_at_field
    queryset = PullFilterSet(
        params, queryset, updated_field=date_field, archived_q=adapter.archived_q()
    ).validated_qs()
    queryset = queryset.annotate(
        **{
            REF: reference_expression(adapter.model, adapter.reference_lookup(), queryset.db),
            # The date as a value of the row, also when it lives on a related row (E012
            # allows foreign-key paths): the cursor reads it without a query per row.
            DATE: F(date_field),
        }
    ).filter(**{f"{date_field}__lte": horizon()})
    queryset = after(queryset, date_field, position).order_by(date_field, REF)
    return list(queryset[: size + 1])


def tombstone_rows(
    adapter: BaseAdapter, params: Any, scope: Scope, position: Position | None, size: int
) -> list[Tombstone]:
    queryset = Tombstone.objects.filter(model_label=adapter.label)
    tombstones_q = scope.tombstones_q()
    if tombstones_q is not None:
        queryset = queryset.filter(tombstones_q)
    queryset = PullFilterSet(
        params, queryset, updated_field="archived_at", archived_q=None, tombstones=True
    ).validated_qs()
    queryset = queryset.annotate(
        **{REF: reference_expression(Tombstone, "reference", queryset.db)}
    ).filter(archived_at__lte=horizon())
    queryset = after(queryset, "archived_at", position).order_by("archived_at", REF)
    return list(queryset.only("reference", "archived_at")[: size + 1])


def tombstone_document(tombstone: Tombstone) -> dict[str, Any]:
    """What a puller gets for a deleted object: its reference and when it went."""
    when = iso(tombstone.archived_at)
    return {"reference": tombstone.reference, "updated_at": when, "archived_at": when}


def build_page(
    adapter: BaseAdapter, params: Any, scope: Scope, position: Position | None, size: int
) -> Page:
    rows = live_rows(adapter, params, scope, position, size)
    tombstones = tombstone_rows(adapter, params, scope, position, size)
    merged = heapq.merge(
        ((Position(getattr(r, DATE), getattr(r, REF)), 0, r) for r in rows),
        ((Position(t.archived_at, getattr(t, REF)), 1, t) for t in tombstones),
        key=lambda item: (item[0], item[1]),
    )
    chosen = []
    for item in merged:
        if len(chosen) == size:
            break
        chosen.append(item)
    has_more = len(rows) + len(tombstones) > len(chosen)
    live = iter(adapter.to_documents([obj for _, source, obj in chosen if source == 0]))
    documents = [
        next(live) if source == 0 else tombstone_document(obj) for _, source, obj in chosen
    ]
    for obj in rows:
        # A default ``to_documents`` prefetches, which links parents and children both ways (a
        # reference cycle per row): drop the page's rows now, so that refcounting frees them
        # without the cyclic collector.
        obj.__dict__.clear()
    next_position = chosen[-1][0] if chosen else position
    return Page(documents=documents, next_position=next_position, has_more=has_more)
