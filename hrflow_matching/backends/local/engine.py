"""The per-process engine: a base snapshot, the delta since, and how both stay current.

Lifecycle (why each step exists):

1. Before every query the engine reads the stamp (one primary-key lookup). Same stamp: serve.
2. Stamp moved: read only the rows written since (``version > seen``) into the *delta*; they
   override the base rows with the same reference, tombstones hide them. The delta is scored
   brute force with the base's IDF, so an update is visible to the very next query of every
   process, web or worker.
3. Delta too large, or the base older than the last compaction: load the newest complete
   snapshot on disk if one is recent enough, else rebuild from the database (one process at a
   time, under a file lock), save it to a temporary directory and publish it with an atomic
   ``rename``. Other processes load it memory-mapped. A snapshot is swapped in only once it is
   complete, so no query ever sees a half-built index.
4. Many tenants: each tenant's snapshot is loaded on its first query in a process, and the
   least recently used ones are dropped once the snapshots a process holds pass
   ``LOCAL["MEMORY_BUDGET_MB"]`` (:func:`enforce_budget`); a dropped one is loaded again,
   memory-mapped, on its next query. Several hosts (each its own ``INDEX_DIR``) share only the
   database: the stamp and the rows are the truth, a snapshot folder is a per-host cache.
"""

from __future__ import annotations

import contextlib
import contextvars
import fcntl
import hashlib
import logging
import os
import shutil
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Iterator
from concurrent.futures import Executor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from django.db import connection, connections

from ...conf import get_settings
from . import store
from .build import Scan, assemble, build_table, scan
from .private_dir import UnsafeIndexDir, ensure_private, make_files_private
from .snapshot import Table

logger = logging.getLogger("hrflow_matching.local")
KEEP_SNAPSHOTS = 2
#: A parallel build gives each worker process at least this many rows: below it, forking and
#: merging cost more than the scan they share out.
MIN_ROWS_PER_SCAN = 20_000


@dataclass(frozen=True)
class View:
    """An immutable, consistent picture for one query."""

    base: Table
    delta: Table | None
    alive: np.ndarray  # base rows not overridden by the delta
    delta_pos: dict[int, int]  # delta id -> row

    def __post_init__(self) -> None:
        assert len(self.alive) == len(self.base)


def index_root() -> Path | None:
    """Where snapshots live; None for in-memory SQLite (nothing to share across processes)."""
    configured = get_settings()["LOCAL"].get("INDEX_DIR")
    db = connection.settings_dict
    name = str(db.get("NAME") or "")
    ident = hashlib.sha1(
        f"{connection.vendor}|{db.get('HOST')}|{db.get('PORT')}|{name}".encode()
    ).hexdigest()[:12]
    if configured:
        chain = [Path(configured), Path(configured) / ident]
    elif connection.vendor == "sqlite":
        if not name or name == ":memory:" or "mode=memory" in name:
            return None
        chain = [Path(f"{name}.hrflow-index")]
    else:
        chain = [Path(tempfile.gettempdir()) / "hrflow-index"]
        chain.append(chain[0] / ident)
    try:
        ensure_private(*chain)
    except UnsafeIndexDir:
        raise
    except OSError as exc:  # a cache: snapshots stay in memory, the log says why
        logger.warning("local index: cannot use %s: %s", chain[-1], exc)
        return None
    return chain[-1]


class Engine:
    def __init__(self, kind: str, tenant: str | None, root: Path | None) -> None:
        self.kind, self.tenant = kind, tenant
        scope = "all" if tenant is None else "t-" + hashlib.sha1(tenant.encode()).hexdigest()[:16]
        self.dir = root / f"{kind}-{scope}" if root else None
        self.lock = threading.RLock()
        self.epoch = ""
        self.seen = -1
        self.base: Table | None = None
        self.base_pos: dict[str, int] = {}
        self.delta_rows: dict[str, tuple | None] = {}
        self.view_: View | None = None
        self.size = 0  # see footprint()

    # -- public ----------------------------------------------------------------------------
    def view(self) -> View:
        """The current view, after catching up with the database."""
        with self.lock:
            version, compacted, epoch = store.stamp(self.kind)
            stale = (
                self.base is None
                or epoch != self.epoch
                or version < self.seen
                or self.base.version < compacted
            )
            if stale:
                self._reset(epoch, compacted)
            if version != self.seen or self.view_ is None:
                self._catch_up(version)
            if len(self.delta_rows) > self._threshold():
                self._refresh_base(epoch, compacted)
                self._catch_up(version)
            assert self.view_ is not None
            view = self.view_
        enforce_budget(self)
        return view

    def release(self) -> None:
        """Drop the snapshot and delta this process holds (the next query loads them again).

        A query running meanwhile keeps its :class:`View`, whose arrays stay valid as long as
        it references them: nothing is unmapped under it."""
        with self.lock:
            self.base, self.base_pos, self.delta_rows, self.view_ = None, {}, {}, None
            self.epoch, self.seen, self.size = "", -1, 0

    def footprint(self) -> int:
        """Bytes held for this engine (0 when nothing is loaded), as of its last view; see
        ``Table.footprint``. Computed when the view changes, so that the budget's sum over
        hundreds of engines costs one attribute read each."""
        return self.size

    def _measure(self) -> None:
        view, size = self.view_, 0
        if self.base is not None:
            size = self.base.footprint() + 200 * len(self.base_pos)
            if view is not None:
                size += view.alive.nbytes + (view.delta.footprint() if view.delta else 0)
        self.size = size

    def rebuild(self, executor: Executor | None = None, parts: int = 1) -> Table:
        """Build a base from the database now, publish it on disk and use it.

        With an ``executor`` of forked worker processes (``hrflow_sync``), the rows are read
        and scanned in up to ``parts`` id ranges at once, one per process (:func:`scan_rows`).
        """
        with self.lock:
            version, _, epoch = store.stamp(self.kind)
            self._install(self._build(epoch, executor, parts), epoch)
            self._catch_up(version)
            base = self.base
        assert base is not None
        enforce_budget(self)  # a worker writing for many tenants holds them under the budget too
        return base

    # -- internals -------------------------------------------------------------------------
    def _threshold(self) -> int:
        return max(1000, len(self.base or ()) // 50)

    def _reset(self, epoch: str, compacted: int) -> None:
        table = self._load_newest(epoch, compacted)
        if table is None:
            with self._build_lock(blocking=True):
                table = self._load_newest(epoch, compacted) or self._build(epoch)
        self._install(table, epoch)

    def _refresh_base(self, epoch: str, compacted: int) -> None:
        assert self.base is not None
        table = self._load_newest(epoch, compacted)
        if table is not None and table.version > self.base.version:
            self._install(table, epoch)
            return
        with self._build_lock(blocking=False) as got:
            if got:
                self._install(self._build(epoch), epoch)

    def _install(self, table: Table, epoch: str) -> None:
        self.base, self.epoch = table, epoch
        self.base_pos = {ref: i for i, ref in enumerate(table.refs)}
        self.delta_rows = {}
        self.seen = table.version
        self.view_ = None

    def _catch_up(self, version: int) -> None:
        assert self.base is not None
        if version != self.seen:
            for tenant, archived, *fields in store.changed_since(self.kind, self.seen, self.tenant):
                ref = fields[1]
                mine = self.tenant is None or tenant == self.tenant
                if archived or not mine:
                    if ref in self.base_pos or ref in self.delta_rows:
                        self.delta_rows[ref] = None
                else:
                    self.delta_rows[ref] = tuple(fields)
            self.seen = version
        live = sorted((r for r in self.delta_rows.values() if r is not None), key=lambda r: r[0])
        delta = build_table(live, version=version, base=self.base) if live else None
        alive = np.ones(len(self.base), dtype=bool)
        hidden = [self.base_pos[r] for r in self.delta_rows if r in self.base_pos]
        alive[hidden] = False
        delta_pos = {int(i): j for j, i in enumerate(delta.ids)} if delta is not None else {}
        self.view_ = View(base=self.base, delta=delta, alive=alive, delta_pos=delta_pos)
        self._measure()

    def _build(self, epoch: str, executor: Executor | None = None, parts: int = 1) -> Table:
        version = store.stamp(self.kind)[0]  # read before the rows: later writes form the delta
        ranges = [(0, None)]
        if executor is not None and parts > 1:
            ranges = store.id_ranges(self.kind, self.tenant, parts, MIN_ROWS_PER_SCAN)
        if len(ranges) > 1:
            assert executor is not None
            # Rows are read range by range, as keyset batches are: a row written meanwhile
            # has a version above ``version`` and is read again into the delta.
            futures = [
                executor.submit(scan_rows, self.kind, self.tenant, after, upto)
                for after, upto in ranges
            ]
            table = assemble([f.result() for f in futures], version=version)
        else:
            table = build_table(store.iter_rows(self.kind, self.tenant), version=version)
        logger.info(
            "local index: built %s %s (%d rows, v%d)", self.kind, self.tenant, len(table), version
        )
        if self.dir is not None:
            try:
                self._publish(table, epoch)
            except OSError as exc:  # a cache: serve from memory, say why in the log
                logger.warning("local index: cannot publish to %s: %s", self.dir, exc)
        return table

    def _publish(self, table: Table, epoch: str) -> None:
        assert self.dir is not None
        ensure_private(self.dir)
        final = self.dir / f"v{table.version:012d}-{epoch}"
        if final.exists():
            return
        tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=self.dir))
        try:
            table.save(tmp)
            make_files_private(tmp)
            os.rename(tmp, final)
        except OSError:
            shutil.rmtree(tmp, ignore_errors=True)
            if not final.exists():
                raise
        for old in self._snapshots(epoch)[:-KEEP_SNAPSHOTS]:
            shutil.rmtree(old, ignore_errors=True)
        for other in self.dir.glob("v*"):
            if not other.name.endswith(f"-{epoch}"):
                shutil.rmtree(other, ignore_errors=True)

    def _snapshots(self, epoch: str) -> list[Path]:
        if self.dir is None or not self.dir.exists():
            return []
        return sorted(p for p in self.dir.glob(f"v*-{epoch}") if p.is_dir())

    def _load_newest(self, epoch: str, compacted: int) -> Table | None:
        for path in reversed(self._snapshots(epoch)):
            if int(path.name[1:13]) < compacted:
                return None
            try:
                return Table.load(path)
            except (OSError, ValueError, KeyError) as exc:  # removed meanwhile or damaged
                logger.warning("local index: cannot load %s: %s", path, exc)
        return None

    @contextlib.contextmanager
    def _build_lock(self, *, blocking: bool) -> Iterator[bool]:
        try:
            if self.dir is None:
                raise OSError("no index directory")
            ensure_private(self.dir)
            fh = open(self.dir / ".build.lock", "w")  # noqa: SIM115 (closed below)
            os.fchmod(fh.fileno(), 0o600)
        except OSError:
            yield True  # nothing to share with other processes: build alone
            return
        with fh:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
            except BlockingIOError:
                yield False
                return
            try:
                yield True
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)


_rebuilds_suspended: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "hrflow_rebuilds_suspended", default=False
)


def scan_rows(kind: str, tenant: str | None, after: int, upto: int | None) -> Scan:
    """A worker process's share of a parallel build: the rows with ids in ``(after, upto]``.

    The worker's connection is closed before returning: it would otherwise stay open, idle,
    for as long as the pool lives."""
    try:
        return scan(store.iter_rows(kind, tenant, after=after, upto=upto))
    finally:
        connections.close_all()


@contextlib.contextmanager
def rebuilds_suspended() -> Iterator[None]:
    """No automatic rebuild inside (``hrflow_sync`` rebuilds once at the end)."""
    token = _rebuilds_suspended.set(True)
    try:
        yield
    finally:
        _rebuilds_suspended.reset(token)


def rebuilds_allowed() -> bool:
    return not _rebuilds_suspended.get()


_engines: dict[tuple[str, str, str | None], Engine] = {}
_engines_lock = threading.Lock()


def get_engine(kind: str, tenant: str | None) -> Engine:
    root = index_root()
    key = (str(root) + connection.alias + str(connection.settings_dict.get("NAME")), kind, tenant)
    with _engines_lock:
        engine = _engines.get(key)
        if engine is None:
            engine = _engines[key] = Engine(kind, tenant, root)
        return engine


def reset_engines() -> None:
    """Forget every in-process snapshot (tests; after restoring a database)."""
    with _engines_lock:
        _engines.clear()
    with _recent_lock:
        _recent.clear()


def pending_changes(kind: str, tenant: str | None) -> int:
    """Rows written since the newest snapshot on disk (drives background rebuilds)."""
    engine = get_engine(kind, tenant)
    _, _, epoch = store.stamp(kind)
    snaps = engine._snapshots(epoch)
    since = int(snaps[-1].name[1:13]) if snaps else 0
    if engine.base is not None and engine.epoch == epoch:  # also when publishing failed
        since = max(since, engine.base.version)
    return store.count_changed_since(kind, since, tenant)


def publish_rows(kind: str, tenant: str | None) -> int:
    """Build ``tenant``'s snapshot of ``kind`` from the database and publish it on disk, in a
    worker process of ``hrflow_sync`` (one small tenant per task): the command itself then
    never holds the tenant's table. Returns its row count."""
    try:
        engine = Engine(kind, tenant, index_root())
        return len(engine._build(store.stamp(kind)[2]))
    finally:
        connections.close_all()


# -- the memory budget ---------------------------------------------------------------------
_recent: OrderedDict[int, Engine] = OrderedDict()  # engines holding a snapshot, oldest first
_recent_lock = threading.Lock()


def memory_budget() -> int | None:
    """``LOCAL["MEMORY_BUDGET_MB"]`` in bytes; None: no limit."""
    value = get_settings()["LOCAL"].get("MEMORY_BUDGET_MB")
    return None if value is None else int(value * 1024 * 1024)


def enforce_budget(used: Engine) -> list[Engine]:
    """Mark ``used`` as the most recently used engine, then release the least recently used
    others until what the engines hold fits the budget (``used`` itself is always kept: a
    tenant larger than the budget is still served). Returns the engines released.

    An engine busy in another thread (its lock taken) is skipped this time, never waited for:
    two threads evicting each other's engines must not deadlock."""
    budget = memory_budget()
    released: list[Engine] = []
    with _recent_lock:
        _recent[id(used)] = used
        _recent.move_to_end(id(used))
        if budget is None:
            return released
        sizes = {key: engine.footprint() for key, engine in _recent.items()}
        total = sum(sizes.values())
        for key in list(_recent):
            if total <= budget:
                break
            engine = _recent[key]
            if engine is used:
                continue
            if not engine.lock.acquire(blocking=False):
                continue
            try:
                engine.release()
            finally:
                engine.lock.release()
            del _recent[key]
            total -= sizes[key]
            released.append(engine)
    for engine in released:
        logger.info("local index: released %s %s (memory budget)", engine.kind, engine.tenant)
    return released


def loaded_engines() -> list[Engine]:
    """Engines holding a snapshot in this process, least recently used first."""
    with _recent_lock:
        return [e for e in _recent.values() if e.base is not None]
