"""The first save of a fresh process is sent by its hint, not left to the sweeper (issue #14,
defect 1: the publisher thread's start cleared the buffer while the process id was unset).

A real Celery worker on a private queue, no beat and no sweeper anywhere; a fresh Python
process saves one candidate and exits after flushing its hints. Only the hint can carry it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from typing import Any

import pytest

from hrflow_matching.models import Delivery, WebhookEndpoint
from tests.support import services
from tests.support.webhook_support import ROOT, Worker, database_url, start_receiver

pytestmark = [pytest.mark.celery, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

WEBHOOKS: dict[str, Any] = {
    "ALLOW_PRIVATE": True,
    "HINTS": True,
    "RETRY_SCHEDULE": [0, 0.2],
    "JITTER": 0,
    "TOTAL_TIMEOUT": 2.0,
    "CONNECT_TIMEOUT": 0.5,
    "SWEEP_GRACE": 3600,  # a sweep, were one to run, would leave this delivery alone
}

SAVE = """
import django
django.setup()
from example_crm.models import Candidate
from hrflow_matching.notify import hints
c = Candidate.objects.create(first_name="Ada", last_name="Lovelace")
assert hints.flush(10), "hint not published"
print(c.reference)
"""


def test_the_first_save_of_a_fresh_process_is_delivered_by_its_hint(settings: Any) -> None:
    broker = services.require_redis() + "/0"
    queue = f"hrflow-hint-{os.getpid()}-{uuid.uuid4().hex[:6]}"
    receiver = start_receiver()
    worker = Worker(queue, WEBHOOKS, broker, name="hint")
    try:
        worker.wait_ready()
        endpoint = WebhookEndpoint.objects.create(url=receiver.url + "/ok")
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "DJANGO_SETTINGS_MODULE": "tests.support.webhook_worker_settings",
            "DATABASE_URL": database_url(),
            "CELERY_BROKER_URL": broker,
            "HRFLOW_TEST_QUEUE": queue,
            "HRFLOW_TEST_WEBHOOKS": json.dumps(WEBHOOKS),
        }
        done = subprocess.run(
            [sys.executable, "-c", SAVE], cwd=ROOT, env=env, capture_output=True, text=True,
            timeout=60, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr[-3000:]
        reference = done.stdout.strip().splitlines()[-1]
        assert receiver.wait_for(lambda: bool(receiver.hits("/ok")), timeout=20), (
            "the first save's hint was dropped:\n" + worker.output()[-3000:]
        )
        [hit] = receiver.hits("/ok")
        assert json.loads(hit.body)["reference"] == reference
        assert Delivery.objects.get(endpoint=endpoint).status == Delivery.Status.SUCCESS
    finally:
        worker.stop()
        receiver.close()
