"""After-commit hints to Celery, published by a background thread so a save never waits.

A hint only says "look at these rows now"; the rows themselves are the record. If Redis is
down, slow or gone, the publish fails after a bounded retry (in this thread, not the request's),
the hint is dropped and the sweeper sends the delivery at its next run. The buffer is bounded:
when it is full, hints are dropped for the same reason.

A save only appends to a deque (no lock, no wake-up of another thread); the publisher wakes
every :data:`BATCH_WINDOW` seconds and publishes what accumulated as one ``dispatch`` task, so a
busy web process publishes at most ten times a second, not per save.
"""

from __future__ import annotations

import collections
import logging
import os
import threading
import time
from typing import Any

from celery import current_app

from hrflow_matching.conf import get_settings

logger = logging.getLogger(__name__)

#: The Celery task that fans a batch of hints out to delivery and index tasks.
DISPATCH_TASK = "hrflow_matching.dispatch"

#: Seconds between two looks at the buffer (the extra latency of a hint, at most).
BATCH_WINDOW = 0.1
MAX_BUFFER = 50_000

PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}

_buffer: collections.deque[tuple[str, list[int]]] = collections.deque()
_lock = threading.Lock()
_thread: threading.Thread | None = None
_pid: int | None = None
_busy = False


def push(event_id: str, delivery_ids: list[int]) -> None:
    """Buffer a hint for one committed event (never blocks, never raises)."""
    try:
        if not get_settings()["WEBHOOKS"]["HINTS"]:
            return
        if len(_buffer) >= MAX_BUFFER:
            logger.debug("hint buffer full; the sweeper will send event %s", event_id)
            return
        _buffer.append((event_id, delivery_ids))
        if _thread is None or _pid != os.getpid() or not _thread.is_alive():
            _start_thread()
    except Exception:  # a hint must never break a commit
        logger.exception("could not buffer a webhook hint")


def push_many(items: list[tuple[str, list[int]]]) -> None:
    """Buffer the hints of a bulk write (never blocks, never raises)."""
    for event_id, delivery_ids in items:
        push(event_id, delivery_ids)


def flush(timeout: float = 10.0) -> bool:
    """Wait until buffered hints are published (tests, benchmarks, short-lived commands)."""
    deadline = time.monotonic() + timeout
    while (_buffer or _busy) and time.monotonic() < deadline:
        time.sleep(0.01)
    return not (_buffer or _busy)


def _start_thread() -> None:
    """Start this process's publisher. Never clears the buffer: the hint that asked for the
    thread is in it (a fresh process's first save); a forked child's copy of its parent's
    buffer is dropped at the fork itself (:func:`_forget_parent`)."""
    global _thread, _pid
    with _lock:
        if _thread is not None and _thread.is_alive() and _pid == os.getpid():
            return
        _pid = os.getpid()
        _thread = threading.Thread(target=_run, name="hrflow-hints", daemon=True)
        _thread.start()


def _forget_parent() -> None:
    """In a forked child: the parent's hints are the parent's to send, its thread is not ours."""
    global _thread, _pid, _busy, _lock
    _buffer.clear()
    _thread, _pid, _busy = None, None, False
    _lock = threading.Lock()  # the parent's may have been held at the fork


os.register_at_fork(after_in_child=_forget_parent)


def _run() -> None:
    global _busy
    while True:
        time.sleep(BATCH_WINDOW)
        if not _buffer:
            continue
        _busy = True
        batch = []
        while _buffer and len(batch) < 5000:
            batch.append(_buffer.popleft())
        try:
            _publish(batch)
        except Exception as exc:  # broker down: the sweeper is the fallback
            logger.warning(
                "%d webhook hints not published (%s); the sweeper will send them",
                len(batch),
                type(exc).__name__,
            )
        finally:
            _busy = bool(_buffer)


def _publish(items: list[tuple[str, list[int]]]) -> None:
    """One small task per batch; the worker fans it out (its CPU, not the web process's)."""
    delivery_ids = [pk for _, ids in items for pk in ids]
    event_ids = [event_id for event_id, _ in items]
    options: dict[str, Any] = {"retry": True, "retry_policy": PUBLISH_RETRY_POLICY}
    queue = get_settings()["WEBHOOKS"]["QUEUE"]
    if queue:
        options["queue"] = queue
    # By name: ``dispatch`` is in the top-level ``tasks`` module (it feeds INDEX too), which a
    # flow does not import.
    current_app.send_task(DISPATCH_TASK, args=[delivery_ids, event_ids], **options)
