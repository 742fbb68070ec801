"""Database side of the local index: upserts, archives, the generation stamp and row reads.

Why a stamp: every write bumps :class:`~hrflow_matching.models.IndexStamp` in the same
transaction as the rows it writes, and the rows carry the new value. A process that serves
queries from an in-memory snapshot reads the stamp (one primary-key lookup) before each query;
when it moved, it reads only the rows with a higher version. So an update committed by a worker
is visible to the very next query of every web process, and nobody ever serves a half-built
index: the snapshot is replaced only once a complete new one is loaded.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from django.db import transaction
from django.db.models import F, Q

from ...models import IndexEntry, IndexStamp
from . import fulltext
from .documents import document_to_row
from .snapshot import FIELDS

#: Fields written by an upsert (everything derived from the document).
WRITE_FIELDS = (
    "tenant", "version", "archived", "title", "other_titles", "skills", "text_skills", "lat",
    "lng", "remote", "experience_years", "experience_min", "experience_max", "languages",
    "tags", "created_at", "updated_at", "text", "extra",
)  # fmt: skip


def _bump(kind: str) -> int:
    """Take the next version for ``kind`` (inside the caller's transaction, row-locked)."""
    # The UPDATE comes first so that SQLite takes its write lock at once (a read first would
    # let two writers deadlock on the lock upgrade); on PostgreSQL it row-locks the stamp
    # until commit, so versions are committed in order.
    if not IndexStamp.objects.filter(kind=kind).update(version=F("version") + 1):
        IndexStamp.objects.get_or_create(kind=kind)
        IndexStamp.objects.filter(kind=kind).update(version=F("version") + 1)
    return IndexStamp.objects.filter(kind=kind).values_list("version", flat=True).get()


def stamp(kind: str) -> tuple[int, int, str]:
    """(version, compacted, epoch) of ``kind``; (0, 0, "") before the first write."""
    found = (
        IndexStamp.objects.filter(kind=kind).values_list("version", "compacted", "epoch").first()
    )
    return found or (0, 0, "")


def upsert(kind: str, tenant: str | None, documents: Sequence[dict[str, Any]]) -> int:
    """Create or replace rows for documents; documents with ``archived_at`` are archived."""
    live = [d for d in documents if d.get("reference") and not d.get("archived_at")]
    gone = [str(d["reference"]) for d in documents if d.get("reference") and d.get("archived_at")]
    if gone:
        archive(kind, tenant, gone)
    if not live:
        return 0
    rows = {str(d["reference"]): document_to_row(kind, d) for d in live}
    fulltext.ensure()
    with transaction.atomic():
        version = _bump(kind)
        entries = [
            IndexEntry(
                kind=kind, reference=ref, tenant=tenant, version=version, archived=False, **values
            )
            for ref, values in rows.items()
        ]
        # One INSERT … ON CONFLICT DO UPDATE per batch (SQLite ≥ 3.24, PostgreSQL): row ids stay
        # stable, and it is far cheaper than bulk_update's CASE WHEN per field.
        IndexEntry.objects.bulk_create(
            entries,
            batch_size=500,
            update_conflicts=True,
            unique_fields=["kind", "reference"],
            update_fields=list(WRITE_FIELDS),
        )
    return len(rows)


def archive(kind: str, tenant: str | None, references: Sequence[str]) -> int:
    """Turn rows into tombstones (kept until compaction so other processes see the removal)."""
    refs = [str(r) for r in references if r]
    if not refs:
        return 0
    qs = IndexEntry.objects.filter(kind=kind, reference__in=refs, archived=False)
    if tenant is not None:
        qs = qs.filter(tenant=tenant)
    fulltext.ensure()
    with transaction.atomic():
        version = _bump(kind)
        return qs.update(
            archived=True, version=version, text="", skills="", text_skills="", tags="", extra={}
        )


def scope_q(kind: str, tenant: str | None) -> Q:
    q = Q(kind=kind, archived=False)
    return q if tenant is None else q & Q(tenant=tenant)


def iter_rows(kind: str, tenant: str | None, batch: int = 2000) -> Iterator[tuple]:
    """Every live row of a scope as ``FIELDS`` tuples, by id, in keyset batches (bounded memory)."""
    last = 0
    base = IndexEntry.objects.filter(scope_q(kind, tenant)).order_by("id")
    while True:
        chunk = list(base.filter(id__gt=last).values_list(*FIELDS)[:batch])
        yield from chunk
        if len(chunk) < batch:
            return
        last = chunk[-1][0]


def changed_since(kind: str, version: int) -> list[tuple[Any, ...]]:
    """Rows written after ``version``, tombstones included: (tenant, archived, *FIELDS)."""
    return list(
        IndexEntry.objects.filter(kind=kind, version__gt=version)
        .order_by("id")
        .values_list("tenant", "archived", *FIELDS)
    )


def count_changed_since(kind: str, version: int) -> int:
    return IndexEntry.objects.filter(kind=kind, version__gt=version).count()


def compact(kind: str, upto: int) -> int:
    """Delete tombstones written at or before ``upto`` and record it in the stamp."""
    with transaction.atomic():
        deleted, _ = IndexEntry.objects.filter(kind=kind, archived=True, version__lte=upto).delete()
        IndexStamp.objects.get_or_create(kind=kind)
        IndexStamp.objects.filter(kind=kind, compacted__lt=upto).update(compacted=upto)
    return deleted


def get_entry(kind: str, tenant: str | None, reference: str) -> IndexEntry | None:
    return IndexEntry.objects.filter(scope_q(kind, tenant), reference=reference).first()
