"""``hrflow_sync``'s batches: one batch of CRM rows indexed, inline or in worker processes.

Why processes: nearly all of a sync is Python work on one core (model rows to documents,
documents to index rows), so on a machine with several cores the batches are shared out to
forked worker processes, each reading its rows, building their documents and writing them to
the backend on its own connection. The command itself only reads the keys of the next batch,
hands it out, and saves the checkpoint of a batch once it and every batch before it are
written, so ``--resume`` never skips a row that was not written. At most two batches per worker
are in flight: memory stays bounded.

Workers are forked (they inherit the settings and registrations as they are, overrides
included) right after every connection of the command is closed, so no process shares a
database connection with another. ``manage.py hrflow_sync`` has no other thread at that point;
where a host process does (an APM agent, a test server), Python 3.12+ warns that a lock held by
such a thread at the fork stays held in the child. A worker uses only its own connection, the
logging module (whose locks are re-created after a fork) and plain Python: none of them
waits on such a lock. Where that cannot hold, batches run inline, one after the
other: inside a transaction (a second connection would not see its rows), on an in-memory
SQLite database, or on a platform without ``fork``.
"""

from __future__ import annotations

import collections
import multiprocessing
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, connections, reset_queries

from hrflow_matching.backends import get_backend
from hrflow_matching.backends.local.engine import rebuilds_suspended
from hrflow_matching.registry import get_adapter_by_label


@dataclass
class BatchResult:
    indexed: int = 0
    archived: int = 0
    tenants: set[str | None] = field(default_factory=set)


def index_batch(label: str, pks: list[Any]) -> BatchResult:
    """Index (or archive) the rows ``pks`` of a registered model in their tenants' backends."""
    adapter = get_adapter_by_label(label)
    assert adapter is not None, label
    result = BatchResult()
    live: dict[str | None, list[Any]] = collections.defaultdict(list)
    gone: dict[str | None, list[str]] = collections.defaultdict(list)
    for obj in adapter.get_batch_queryset().filter(pk__in=pks):
        tenant = adapter.get_tenant(obj)
        result.tenants.add(tenant)
        if adapter.is_archived(obj):
            gone[tenant].append(adapter.get_reference(obj))
        else:
            live[tenant].append(obj)
    with rebuilds_suspended():  # ``hrflow_sync`` rebuilds once, at the end
        for tenant, objs in live.items():
            get_backend(tenant).index(adapter.kind, adapter.to_documents(objs))
            result.indexed += len(objs)
        for tenant, refs in gone.items():
            get_backend(tenant).archive(adapter.kind, refs)
            result.archived += len(refs)
    reset_queries()  # with DEBUG on, Django keeps every SQL string: bounded memory
    return result


def index_batch_in_worker(label: str, pks: list[Any]) -> BatchResult:
    """:func:`index_batch` in a worker process, which leaves no connection open between batches
    (a reconnection costs milliseconds; an idle worker's connection would outlive the run)."""
    try:
        return index_batch(label, pks)
    finally:
        connections.close_all()


def can_fork() -> bool:
    """Can worker processes open their own connections to the rows this command sees?"""
    if "fork" not in multiprocessing.get_all_start_methods():
        return False
    for conn in connections.all(initialized_only=True):
        if conn.in_atomic_block:
            return False
    return not (connection.vendor == "sqlite" and connection.is_in_memory_db())


def fork_pool(workers: int) -> ProcessPoolExecutor:
    """``workers`` processes forked now, while this process holds no database connection (each
    worker opens its own)."""
    connections.close_all()
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork"))
    pool.submit(int).result()  # a fork pool starts all its processes on the first submit
    return pool


class BatchRunner:
    """Runs :func:`index_batch` inline (``workers=1``) or in forked worker processes.

    ``submit`` queues a batch with the key it ends at; ``done`` yields finished batches in the
    order they were submitted, with those keys, so the caller checkpoints in key order.
    """

    def __init__(self, workers: int) -> None:
        self.pending: collections.deque[tuple[Future[BatchResult], Any]] = collections.deque()
        self.workers = workers
        self.pool = fork_pool(workers) if workers > 1 else None

    def submit(self, label: str, pks: list[Any], end: Any) -> None:
        if self.pool is None:
            future: Future[BatchResult] = Future()
            future.set_result(index_batch(label, pks))
        else:
            future = self.pool.submit(index_batch_in_worker, label, pks)
        self.pending.append((future, end))

    def done(self, *, wait_all: bool = False) -> Iterator[tuple[BatchResult, Any]]:
        """Finished batches in submission order; waits while too many are in flight."""
        limit = 0 if wait_all else 2 * self.workers
        while self.pending and (self.pending[0][0].done() or len(self.pending) > limit):
            future, end = self.pending.popleft()
            yield future.result(), end  # a worker's error is raised here

    def close(self, *, cancel: bool = False) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=cancel)
            self.pool = None


def run_batches(
    runner: BatchRunner,
    batches: Iterator[tuple[list[Any], Any]],
    label: str,
    on_done: Callable[[BatchResult, Any], None],
) -> None:
    """Submit every batch and report each finished one, in order, to ``on_done``."""
    ok = False
    try:
        for pks, end in batches:
            runner.submit(label, pks, end)
            for result, batch_end in runner.done():
                on_done(result, batch_end)
        for result, batch_end in runner.done(wait_all=True):
            on_done(result, batch_end)
        ok = True
    finally:
        runner.close(cancel=not ok)
