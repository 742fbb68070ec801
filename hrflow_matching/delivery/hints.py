"""After-commit hints to Celery, published by a background thread so a save never waits.

A hint only says "look at these rows now"; the rows themselves are the record. If Redis is
down, slow or gone, the publish fails after a bounded retry (in this thread, not the request's),
the hint is dropped and the sweeper sends the delivery at its next run. The queue is bounded:
when it is full, hints are dropped for the same reason.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
from typing import Any

from ..conf import get_settings

logger = logging.getLogger(__name__)

_queue: queue.Queue[tuple[str, list[int]] | None] = queue.Queue(maxsize=50_000)
_lock = threading.Lock()
_thread: threading.Thread | None = None
_pid: int | None = None
_idle = threading.Event()
_idle.set()

PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}


def push(event_id: str, delivery_ids: list[int]) -> None:
    """Queue a hint for one committed event (never blocks, never raises)."""
    try:
        if not get_settings()["WEBHOOKS"]["HINTS"]:
            return
        _ensure_thread()
        _idle.clear()
        _queue.put_nowait((event_id, list(delivery_ids)))
    except queue.Full:
        logger.debug("hint queue full; the sweeper will send event %s", event_id)
    except Exception:  # a hint must never break a commit
        logger.exception("could not queue a webhook hint")


def push_many(items: list[tuple[str, list[int]]]) -> None:
    """Queue the hints of a bulk write (never blocks, never raises)."""
    for event_id, delivery_ids in items:
        push(event_id, delivery_ids)


def flush(timeout: float = 10.0) -> bool:
    """Wait until queued hints are published (tests, benchmarks, short-lived commands)."""
    if _thread is None:
        return True
    return _idle.wait(timeout) and _queue.empty()


def _ensure_thread() -> None:
    global _thread, _pid
    if _thread is not None and _thread.is_alive() and _pid == os.getpid():
        return
    with _lock:
        if _thread is not None and _thread.is_alive() and _pid == os.getpid():
            return
        _pid = os.getpid()
        _thread = threading.Thread(target=_run, name="hrflow-hints", daemon=True)
        _thread.start()


def _run() -> None:
    while True:
        batch = [_queue.get()]
        # Drain what else is waiting: one task per batch, not one per event (bulk imports).
        while len(batch) < 1000:
            try:
                batch.append(_queue.get_nowait())
            except queue.Empty:
                break
        try:
            _publish([item for item in batch if item is not None])
        except Exception as exc:  # broker down: the sweeper is the fallback
            logger.warning(
                "webhook hints not published (%s); the sweeper will send them", type(exc).__name__
            )
        finally:
            if _queue.empty():
                _idle.set()


def _publish(items: list[tuple[str, list[int]]]) -> None:
    from .. import tasks

    if not items:
        return
    delivery_ids = [pk for _, ids in items for pk in ids]
    options: dict[str, Any] = {"retry": True, "retry_policy": PUBLISH_RETRY_POLICY}
    if delivery_ids:
        tasks.publish_deliveries(delivery_ids, **options)
    tasks.publish_index([event_id for event_id, _ in items], **options)
