"""``manage.py hrflow_sync``: index (or re-index) every profile and job in the matching backend.

Why a command besides the events: the first install, a restored database, rows changed by
``update()``/``bulk_create()`` (no signals) and rows deleted while the workers were down. Rows
are read in keyset batches ``(updated_at, pk)`` so memory stays bounded on millions of rows and
an interrupted run resumes (``--resume``) from the checkpoint stored after every batch. Each
row goes to the backend of its own tenant (``adapter.get_tenant``). Batches are built and
written by worker processes, one per core (``--workers``, see ``_sync_batches.py``). With the
local backend the snapshots are rebuilt at the end and archived rows purged.
"""

from __future__ import annotations

import datetime as dt
import os
from collections import defaultdict
from collections.abc import Iterator
from concurrent.futures import Executor
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.db.models import Q, QuerySet
from django.utils.dateparse import parse_date, parse_datetime
from tqdm import tqdm

from hrflow_matching.index.batches import BatchResult, BatchRunner, can_fork, fork_pool, run_batches

from ...backends import get_backend
from ...models import IndexEntry, SyncCheckpoint
from ...registry import BaseAdapter, adapters

KINDS = {"profiles": "profile", "jobs": "job"}


def after(queryset: QuerySet, field: str, cursor: tuple[Any, Any] | None) -> QuerySet:
    """Rows strictly after ``cursor`` in ``(field, pk)`` order; the ``gte`` lets the database
    start an index range scan at the cursor's date."""
    if cursor is None:
        return queryset
    value, pk = cursor
    return queryset.filter(
        Q(**{f"{field}__gte": value}) & (Q(**{f"{field}__gt": value}) | Q(pk__gt=pk))
    )


def parse_since(value: str) -> dt.datetime:
    """``--since`` as an aware datetime (UTC when naive). Django's parsers return None for a
    malformed value but raise ValueError for a well-formed impossible one (month 13)."""
    try:
        when = parse_datetime(value)
        if when is None and (day := parse_date(value)) is not None:
            when = dt.datetime(day.year, day.month, day.day)
    except ValueError as exc:
        raise CommandError(f"--since: “{value}” is not a valid date ({exc}).") from None
    if when is None:
        raise CommandError(f"--since: “{value}” is not an ISO date or datetime.")
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


class Command(BaseCommand):
    help = "Index every registered profile and job in the matching backend, in batches."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--kind", choices=sorted(KINDS), help="Only profiles or only jobs.")
        parser.add_argument("--since", help="Only rows modified since this ISO date/datetime.")
        parser.add_argument(
            "--remove-stale",
            action="store_true",
            help="Also remove from the local index the rows that are gone or archived in the CRM.",
        )
        parser.add_argument("--batch-size", type=int, default=500)
        parser.add_argument(
            "--resume", action="store_true", help="Continue an interrupted run from its checkpoint."
        )
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help="Processes that build and write batches (default: one per CPU, at most 4; "
            "1 runs every batch in this process).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1.")
        workers = options["workers"]
        if workers is not None and workers < 1:
            raise CommandError("--workers must be at least 1.")
        self.workers = min(os.cpu_count() or 1, 4) if workers is None else workers
        if self.workers > 1 and not can_fork():
            self.stdout.write(
                "One process: worker processes cannot see this database (an open transaction, "
                "an in-memory SQLite database, or no fork() on this platform)."
            )
            self.workers = 1
        since = parse_since(options["since"]) if options["since"] else None
        kinds = [KINDS[options["kind"]]] if options["kind"] else list(KINDS.values())
        self.progress = not options["no_progress"]
        from ...backends.local.engine import rebuilds_suspended

        synced = []
        for adapter in adapters():
            if adapter.kind not in kinds:
                continue
            with rebuilds_suspended():  # one rebuild at the end, not one per batch
                tenants = self.sync_adapter(
                    adapter, since, options["batch_size"], options["resume"]
                )
                if options["remove_stale"]:
                    self.remove_stale(adapter, options["batch_size"])
            synced.append((adapter, tenants))
        if not synced or not self._is_local():
            return
        with connection.cursor() as cursor:  # fresh statistics for the filters' query plans
            cursor.execute(f"ANALYZE {IndexEntry._meta.db_table}")
        # Snapshots last: worker processes are all forked before this process holds any.
        pool = fork_pool(self.workers) if self.workers > 1 else None
        try:
            for adapter, tenants in synced:
                self.finish(adapter, tenants, pool)
        finally:
            if pool is not None:
                pool.shutdown()

    # -- indexing --------------------------------------------------------------------------
    def sync_adapter(
        self, adapter: BaseAdapter, since: dt.datetime | None, size: int, resume: bool
    ) -> set[str | None]:
        name = f"{adapter.kind}:{adapter.label}"
        checkpoint, _ = SyncCheckpoint.objects.get_or_create(name=name)
        if not resume or checkpoint.done:
            checkpoint.updated_at_value, checkpoint.last_pk, checkpoint.done = None, "", False
            checkpoint.save()
        field = adapter.updated_at_field
        # The command reads only the keys of each batch; whoever runs the batch (a worker
        # process, or this one) reads its rows and related rows (``to_documents``).
        keys = adapter.get_batch_queryset().order_by(field, "pk").values_list(field, "pk")
        if since is not None:
            keys = keys.filter(**{f"{field}__gte": since})
        total = keys.count()
        cursor: tuple[Any, Any] | None = None
        if checkpoint.updated_at_value is not None:
            cursor = (checkpoint.updated_at_value, checkpoint.last_pk)
        start = total - after(keys, field, cursor).count() if cursor is not None else 0

        def batches() -> Iterator[tuple[list[Any], tuple[Any, Any]]]:
            position = cursor
            while chunk := list(after(keys, field, position)[:size]):
                position = chunk[-1]
                yield [pk for _, pk in chunk], position

        runner = BatchRunner(self.workers)  # forks before the progress bar starts its thread
        bar = tqdm(
            total=total, initial=start, desc=adapter.label, unit="row", disable=not self.progress
        )
        counts = BatchResult()

        def written(result: BatchResult, end: tuple[Any, Any]) -> None:
            counts.indexed += result.indexed
            counts.archived += result.archived
            counts.tenants |= result.tenants
            checkpoint.updated_at_value, checkpoint.last_pk = end[0], str(end[1])
            checkpoint.save(update_fields=["updated_at_value", "last_pk", "saved_at"])
            bar.update(result.indexed + result.archived)

        run_batches(runner, batches(), adapter.label, written)
        bar.close()
        checkpoint.done = True
        checkpoint.save()
        self.stdout.write(f"{adapter.label}: {counts.indexed} indexed, {counts.archived} archived.")
        return counts.tenants

    # -- stale rows and snapshots ----------------------------------------------------------
    def remove_stale(self, adapter: BaseAdapter, size: int) -> None:
        if not self._is_local():
            self.stdout.write("--remove-stale only applies to the local engine; skipped.")
            return
        lookup = adapter.reference_lookup()
        live_q = adapter.model._default_manager.all()
        if (archived := adapter.archived_q()) is not None:
            live_q = live_q.exclude(archived)
        entries = IndexEntry.objects.filter(kind=adapter.kind, archived=False).order_by("id")
        last, removed = 0, 0
        while True:
            rows = list(entries.filter(id__gt=last).values_list("id", "reference", "tenant")[:size])
            if not rows:
                break
            last = rows[-1][0]
            refs = [r for _, r, _ in rows]
            live = {
                str(v)
                for v in live_q.filter(**{f"{lookup}__in": refs}).values_list(lookup, flat=True)
            }
            stale: dict[str | None, list[str]] = defaultdict(list)
            for _, ref, tenant in rows:
                if ref not in live:
                    stale[tenant].append(ref)
            for tenant, refs_ in stale.items():
                get_backend(tenant).archive(adapter.kind, refs_)
                removed += len(refs_)
        self.stdout.write(f"{adapter.label}: {removed} stale rows removed from the index.")

    def finish(self, adapter: BaseAdapter, tenants: set[str | None], pool: Executor | None) -> None:
        """Local engine: publish fresh snapshots (per tenant), purge tombstones.

        With worker processes (``pool``), a tenant of at least two workers' share of rows
        (``MIN_ROWS_PER_SCAN`` each) is read and scanned in id ranges, one per worker, and
        assembled here; every smaller tenant is built and published whole by one worker, the
        workers taking tenants in turn (with 500 tenants most are small: one core each, and
        this process never holds their tables). Each table this process assembles is dropped
        once published, so the command's memory is that of its largest tenant, not the sum.

        The snapshot of every row (tenant ``None``) is built only when some rows have no
        tenant: in a multi-tenant CRM nothing queries it but a user without a tenant, and it
        is as large as the whole index (it is built on such a user's first query)."""
        from ...backends.local import engine, store

        version = store.stamp(adapter.kind)[0]
        wanted = sorted(tenants - {None}) if tenants - {None} else []
        if None in tenants or not wanted:
            wanted.insert(0, None)
        small: list[str | None] = []
        for tenant in wanted:
            scope = store.scope_q(adapter.kind, tenant)
            if pool is not None and tenant is not None:
                rows = IndexEntry.objects.filter(scope).count()
                if rows < 2 * engine.MIN_ROWS_PER_SCAN:
                    small.append(tenant)
                    continue
            get_backend(tenant).rebuild(adapter.kind, pool, self.workers)
            engine.get_engine(adapter.kind, tenant).release()
        if small:
            assert pool is not None
            futures = [pool.submit(engine.publish_rows, adapter.kind, t) for t in small]
            for future in futures:
                future.result()
        store.compact(adapter.kind, version)

    def _is_local(self) -> bool:
        from ...backends.local.backend import LocalBackend

        return isinstance(get_backend(None), LocalBackend)
