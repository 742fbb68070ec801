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

from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from hrflow_matching.backends.local.rows import document_to_row

from ...models import IndexEntry, IndexStamp
from . import fulltext
from .snapshot import FIELDS

#: Fields written by an upsert (everything derived from the document).
WRITE_FIELDS = (
    "tenant", "version", "archived", "title", "other_titles", "skills", "text_skills", "lat",
    "lng", "remote", "experience_years", "experience_min", "experience_max", "languages",
    "tags", "created_at", "updated_at", "text", "extra",
)  # fmt: skip
_DATETIME_FIELDS = frozenset({"created_at", "updated_at"})


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
    values = _row_values(kind, tenant, rows)
    fulltext.ensure()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # The costly part (the text's tsvector) before the stamp's row lock, which other
            # writers wait on until this transaction commits.
            _stage(values)
            _merge_staged(_bump(kind))
        else:
            version = _bump(kind)
            for item in values:
                item[_VERSION] = version
            _insert_values(values)
    return len(rows)


_COLUMNS = ("kind", "reference", *WRITE_FIELDS, "indexed_at")
_VERSION = _COLUMNS.index("version")
_TEXT = _COLUMNS.index("text")


def _row_values(kind: str, tenant: str | None, rows: dict[str, dict[str, Any]]) -> list[list[Any]]:
    """Rows as lists of ``_COLUMNS`` values, each prepared once by type (the version is set
    when it is known)."""
    ops = connection.ops
    stamp_now = ops.adapt_datetimefield_value(timezone.now())
    fixed = {"tenant": tenant, "version": None, "archived": False}
    values: list[list[Any]] = []
    for ref, row in rows.items():
        item: list[Any] = [kind, ref]
        for name in WRITE_FIELDS:
            value = fixed[name] if name in fixed else row.get(name)
            if name in _DATETIME_FIELDS:
                value = ops.adapt_datetimefield_value(value)
            elif name == "extra":
                value = ops.adapt_json_value(value if value is not None else {}, None)
            item.append(value)
        item.append(stamp_now)
        values.append(item)
    return values


def _on_conflict(extra: tuple[str, ...] = ()) -> str:
    quote = connection.ops.quote_name
    return f" ON CONFLICT ({quote('kind')}, {quote('reference')}) DO UPDATE SET " + ", ".join(
        f"{quote(c)} = excluded.{quote(c)}" for c in (*WRITE_FIELDS, "indexed_at", *extra)
    )


def _insert_values(values: list[list[Any]]) -> None:
    """Upsert rows with one ``INSERT … ON CONFLICT (kind, reference) DO UPDATE`` per chunk.

    Why raw SQL: ``bulk_create(update_conflicts=True)`` spent more time compiling and preparing
    every value through each field than the database spent writing. Row ids stay stable
    (full-text rows and snapshots are keyed by id), and the SQLite triggers keep the full-text
    index current within the same statement.
    """
    quote = connection.ops.quote_name
    table = quote(IndexEntry._meta.db_table)
    head = f"INSERT INTO {table} ({', '.join(quote(c) for c in _COLUMNS)}) VALUES "
    placeholder = "(" + ", ".join(["%s"] * len(_COLUMNS)) + ")"
    per_chunk = max(1, _max_params() // len(_COLUMNS))
    with connection.cursor() as cursor:
        for start in range(0, len(values), per_chunk):
            chunk = values[start : start + per_chunk]
            cursor.execute(
                head + ", ".join([placeholder] * len(chunk)) + _on_conflict(),
                [v for item in chunk for v in item],
            )


_STAGE = "hrflow_index_stage"
_STAGE_WORDS = "tsv_words"


def _stage(values: list[list[Any]]) -> None:
    """PostgreSQL: ``COPY`` the rows into this session's staging table, whose generated column
    computes each text's ``tsvector`` (from :func:`fulltext.distinct_words`: the same lexemes
    from half the text, where ``to_tsvector`` is most of a sync's database time).

    Why ``COPY``: sent as a multi-row ``INSERT``, each 1,000-row chunk was a megabyte of SQL
    text (every resume quoted as a literal by Django's client-side binding) that the server
    parsed again, about as long as writing the rows. The staging table is a temporary table
    that empties itself at commit (``ON COMMIT DELETE ROWS``), created in the same transaction
    when this session does not have it yet, which also holds behind a transaction-pooling proxy.
    """
    quote = connection.ops.quote_name
    table = quote(IndexEntry._meta.db_table)
    names = ", ".join(quote(c) for c in _COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NULL", [f"pg_temp.{_STAGE}"])
        if cursor.fetchone()[0]:
            cursor.execute(
                f"CREATE TEMPORARY TABLE {_STAGE} ON COMMIT DELETE ROWS "
                f"AS SELECT {names} FROM {table} WITH NO DATA"
            )
            cursor.execute(
                f"ALTER TABLE {_STAGE} ADD COLUMN {_STAGE_WORDS} text, "
                f"ADD COLUMN {fulltext.PG_COLUMN} tsvector "
                f"GENERATED ALWAYS AS ({fulltext.pg_vector(_STAGE_WORDS)}) STORED"
            )
        else:
            cursor.execute(f"TRUNCATE {_STAGE}")  # an earlier write of this same transaction
        distinct_words = fulltext.distinct_words
        with cursor.copy(f"COPY {_STAGE} ({names}, {_STAGE_WORDS}) FROM STDIN") as copy:
            for item in values:
                copy.write_row([*item, distinct_words(item[_TEXT])])


def _merge_staged(version: int) -> None:
    """PostgreSQL: the staged rows into the index, with their version and ``tsvector``."""
    quote = connection.ops.quote_name
    table = quote(IndexEntry._meta.db_table)
    columns = (*_COLUMNS, fulltext.PG_COLUMN)
    selected = ", ".join("%s" if c == "version" else quote(c) for c in columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({', '.join(quote(c) for c in columns)}) "
            f"SELECT {selected} FROM {_STAGE}" + _on_conflict((fulltext.PG_COLUMN,)),
            [version],
        )


def _max_params() -> int:
    """Bind parameters one statement may carry on this database (kept well under the limit)."""
    if connection.vendor == "sqlite":
        import sqlite3

        connection.ensure_connection()
        try:
            limit = connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
        except AttributeError:  # Python < 3.11
            limit = connection.features.max_query_params or 999
        return min(limit, 30_000)
    return min(connection.features.max_query_params or 60_000, 30_000)


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


def iter_rows(
    kind: str, tenant: str | None, batch: int = 2000, after: int = 0, upto: int | None = None
) -> Iterator[tuple]:
    """Every live row of a scope as ``FIELDS`` tuples, by id, in keyset batches (bounded memory);
    only ids in ``(after, upto]`` when given (see :func:`id_ranges`)."""
    last = after
    base = IndexEntry.objects.filter(scope_q(kind, tenant)).order_by("id")
    if upto is not None:
        base = base.filter(id__lte=upto)
    while True:
        chunk = list(base.filter(id__gt=last).values_list(*FIELDS)[:batch])
        yield from chunk
        if len(chunk) < batch:
            return
        last = chunk[-1][0]


def id_ranges(
    kind: str, tenant: str | None, parts: int, min_rows: int
) -> list[tuple[int, int | None]]:
    """Split a scope's live rows into at most ``parts`` consecutive id ranges ``(after, upto]``
    of about equal size and at least ``min_rows`` rows each (``None``: no upper bound)."""
    ids = IndexEntry.objects.filter(scope_q(kind, tenant)).order_by("id")
    ids = ids.values_list("id", flat=True)
    total = ids.count()
    parts = max(1, min(parts, total // max(min_rows, 1)))
    edges: list[int | None] = [0]
    edges += [ids[total * k // parts - 1] for k in range(1, parts)]
    edges.append(None)
    return [(int(edges[i] or 0), edges[i + 1]) for i in range(parts)]


def changed_since(kind: str, version: int, tenant: str | None = None) -> list[tuple[Any, ...]]:
    """Rows written after ``version``, tombstones included: (tenant, archived, *FIELDS).

    With a ``tenant``, only that tenant's rows are read whole; rows of other tenants written
    since come back as bare references (``(None, True, None, reference)``: a row that moved
    away from this tenant must leave its results). Why: with hundreds of tenants and one stamp
    per kind, a tenant's snapshot would otherwise read and discard every other tenant's texts
    on each catch-up, and its first query after a load would read every change since the
    snapshot was built, whoever they belong to.
    """
    changed = IndexEntry.objects.filter(kind=kind, version__gt=version)
    if tenant is None:
        return list(changed.order_by("id").values_list("tenant", "archived", *FIELDS))
    own = list(
        changed.filter(tenant=tenant).order_by("id").values_list("tenant", "archived", *FIELDS)
    )
    away = changed.exclude(tenant=tenant).values_list("reference", flat=True)
    return own + [(None, True, None, ref) for ref in away]


def count_changed_since(kind: str, version: int, tenant: str | None = None) -> int:
    """Rows written after ``version`` (of ``tenant`` only, when given)."""
    changed = IndexEntry.objects.filter(kind=kind, version__gt=version)
    return (changed if tenant is None else changed.filter(tenant=tenant)).count()


def compact(kind: str, upto: int) -> int:
    """Delete tombstones written at or before ``upto`` and record it in the stamp."""
    with transaction.atomic():
        deleted, _ = IndexEntry.objects.filter(kind=kind, archived=True, version__lte=upto).delete()
        IndexStamp.objects.get_or_create(kind=kind)
        IndexStamp.objects.filter(kind=kind, compacted__lt=upto).update(compacted=upto)
    return deleted


def get_entry(kind: str, tenant: str | None, reference: str) -> IndexEntry | None:
    return IndexEntry.objects.filter(scope_q(kind, tenant), reference=reference).first()
