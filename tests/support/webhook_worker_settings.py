"""Settings of the Celery workers that webhook tests start: the CRM's, plus the test's knobs.

The test passes its webhook settings (a millisecond schedule, loopback allowed…) as JSON in
``HRFLOW_TEST_WEBHOOKS`` and its private queue in ``HRFLOW_TEST_QUEUE``; the database comes
from ``DATABASE_URL`` as in the CRM.
"""

import json
import os

from example_crm.settings import *  # noqa: F403
from example_crm.settings import HRFLOW_MATCHING as _BASE

_webhooks = {**_BASE["WEBHOOKS"], **json.loads(os.environ.get("HRFLOW_TEST_WEBHOOKS", "{}"))}
_webhooks["QUEUE"] = os.environ["HRFLOW_TEST_QUEUE"]
HRFLOW_MATCHING = {**_BASE, "WEBHOOKS": _webhooks}
if os.environ.get("HRFLOW_TEST_BACKEND"):
    HRFLOW_MATCHING["BACKEND"] = os.environ["HRFLOW_TEST_BACKEND"]

CELERY_TASK_DEFAULT_QUEUE = os.environ["HRFLOW_TEST_QUEUE"]
CELERY_BEAT_SCHEDULE = {
    "hrflow-sweep": {
        "task": "hrflow_matching.sweep",
        "schedule": float(_webhooks["SWEEP_INTERVAL"]),
    },
}
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"hrflow_matching": {"handlers": ["console"], "level": "DEBUG"}},
}
