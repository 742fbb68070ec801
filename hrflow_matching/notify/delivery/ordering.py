"""A reference's events reach each endpoint in the order they were recorded.

``event_date`` alone cannot order an archive and a restore recorded close together (and a
receiver should not have to sort), so the sender keeps the order: for one endpoint and one
row, a delivery is sent only once every earlier delivery of that row to that endpoint is done
(sent, given up, or dropped as unchanged). Within a batch the deliveries of one row go out in
rounds, one per round, each after its predecessor succeeded; a chain whose earlier delivery is
still pending outside the batch (retrying, or claimed by another task) waits, and the sweeper
sends it once that one is done.
"""

from __future__ import annotations

from functools import reduce
from operator import or_

from django.db.models import Q

from hrflow_matching.models.webhooks import Delivery

Key = tuple[int, str, str]  # (endpoint id, model label, object pk)


def chain_key(row: Delivery) -> Key:
    return (row.endpoint_id, row.event.model_label, row.event.object_pk)


def rounds(rows: list[Delivery]) -> tuple[list[list[Delivery]], dict[int, int]]:
    """Rows in rounds (the n-th delivery of each chain in round n, recorded order), and each
    row's predecessor in the batch (delivery id -> the one that must succeed first)."""
    chains: dict[Key, list[Delivery]] = {}
    for row in sorted(rows, key=lambda r: (r.event.created_at, r.event_id, r.pk)):
        chains.setdefault(chain_key(row), []).append(row)
    out: list[list[Delivery]] = []
    before: dict[int, int] = {}
    for chain in chains.values():
        for n, row in enumerate(chain):
            if n == len(out):
                out.append([])
            out[n].append(row)
            if n:
                before[row.pk] = chain[n - 1].pk
    for round_ in out:
        round_.sort(key=lambda r: (r.endpoint_id, r.pk))
    return out, before


def waiting_elsewhere(rows: list[Delivery]) -> set[int]:
    """Rows with an earlier delivery of their chain still pending outside ``rows`` (one query)."""
    if not rows:
        return set()
    first: dict[Key, Delivery] = {}
    for row in rows:
        key = chain_key(row)
        if key not in first or (row.event.created_at, row.event_id) < (
            first[key].event.created_at,
            first[key].event_id,
        ):
            first[key] = row
    q = reduce(
        or_,
        (
            Q(endpoint_id=ep, event__model_label=label, event__object_pk=pk)
            & (
                Q(event__created_at__lt=row.event.created_at)
                | Q(event__created_at=row.event.created_at, event_id__lt=row.event_id)
            )
            for (ep, label, pk), row in first.items()
        ),
    )
    earlier = (
        Delivery.objects.filter(q, status=Delivery.Status.PENDING)
        .exclude(pk__in=[r.pk for r in rows])
        .values_list("endpoint_id", "event__model_label", "event__object_pk")
    )
    blocked = set(earlier)
    return {row.pk for row in rows if chain_key(row) in blocked}
