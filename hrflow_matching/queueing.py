"""What every Celery task of the app shares: its options, its queue, the sweeper's grace.

Every task is idempotent (a claim guards sending, ``indexed_at`` guards indexing), which is what
makes ``acks_late`` + ``reject_on_worker_lost`` safe: a task redelivered after a crash does its
work at most once more, never twice at the same time.
"""

from __future__ import annotations

from typing import Any

from .conf import get_settings

TASK_OPTIONS: dict[str, Any] = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "ignore_result": True,
}


def queue_options() -> dict[str, Any]:
    """``apply_async`` options that route to ``WEBHOOKS["QUEUE"]`` when one is set."""
    queue = get_settings()["WEBHOOKS"]["QUEUE"]
    return {"queue": queue} if queue else {}


def sweep_grace() -> float:
    """How long fresh rows are left to their hint; none when hints are off (no broker)."""
    conf = get_settings()["WEBHOOKS"]
    return float(conf["SWEEP_GRACE"]) if conf["HINTS"] else 0.0
