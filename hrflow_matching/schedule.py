"""The app's Celery beat entries, for a host's settings: ``CELERY_BEAT_SCHEDULE =
{**hrflow_matching.schedule.BEAT_SCHEDULE, ...}``. Importable from a settings module (it
imports no Django model).

- ``hrflow-sweep`` sends whatever is due (use your ``WEBHOOKS["SWEEP_INTERVAL"]``);
- ``hrflow-purge`` deletes old attempts and events, hourly;
- ``hrflow-reconcile`` records the events of rows changed without signals, nightly at 03:17
  (``manage.py hrflow_reconcile`` does the same by hand).
"""

from __future__ import annotations

from typing import Any

from celery.schedules import crontab


def beat_schedule(sweep_interval: float = 30.0) -> dict[str, dict[str, Any]]:
    return {
        "hrflow-sweep": {"task": "hrflow_matching.sweep", "schedule": float(sweep_interval)},
        "hrflow-purge": {"task": "hrflow_matching.purge", "schedule": 3600.0},
        "hrflow-reconcile": {
            "task": "hrflow_matching.reconcile",
            "schedule": crontab(hour=3, minute=17),
        },
    }


BEAT_SCHEDULE = beat_schedule()
