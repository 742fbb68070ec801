"""``hrflow_sync``'s writer: index writes on a second connection, overlapping the next batch.

Why: on PostgreSQL most of an index write is the database's own work (``to_tsvector`` for the
generated full-text column, the GIN and B-tree indexes), during which the command would only
wait. A thread that writes batch N while the main thread reads and builds batch N+1 puts the
second core to use; the GIL is released while the thread waits on the socket. One batch at most
waits in the queue, so memory stays bounded, and each batch's checkpoint is saved by the writer
after that batch's rows are committed, so ``--resume`` never skips unwritten rows.

Only outside a transaction and not on SQLite: a second connection cannot see rows of an open
transaction (tests, a caller's ``atomic``), and SQLite allows one writer at a time anyway.
Everywhere else the writes run inline, in order, exactly as before.
"""

from __future__ import annotations

import contextvars
import queue
import threading
from collections.abc import Callable

from django.db import connection, connections


def can_overlap() -> bool:
    return connection.vendor != "sqlite" and not connection.in_atomic_block


class Writer:
    """Runs submitted callables in order, in a thread (see the module docstring) or inline."""

    def __init__(self, threaded: bool) -> None:
        self.error: BaseException | None = None
        self.thread: threading.Thread | None = None
        if threaded:
            self.queue: queue.Queue[Callable[[], None] | None] = queue.Queue(maxsize=1)
            # The thread runs in a copy of this context: rebuilds stay suspended there too.
            context = contextvars.copy_context()
            self.thread = threading.Thread(
                target=context.run, args=(self._run,), name="hrflow-sync-writer", daemon=True
            )
            self.thread.start()

    def submit(self, job: Callable[[], None]) -> None:
        if self.thread is None:
            job()
            return
        self._raise()
        self.queue.put(job)

    def close(self) -> None:
        """Wait for every submitted write; re-raise the first error of the thread."""
        if self.thread is not None:
            self.queue.put(None)
            self.thread.join()
            self.thread = None
        self._raise()

    def _raise(self) -> None:
        if self.error is not None:
            error, self.error = self.error, None
            raise error

    def _run(self) -> None:
        try:
            while (job := self.queue.get()) is not None:
                if self.error is None:  # after an error, drain without writing
                    try:
                        job()
                    except BaseException as exc:  # handed to the main thread
                        self.error = exc
        finally:
            connections.close_all()  # this thread's own connections
