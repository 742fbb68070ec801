"""The demo needs no broker by configuration: without ``CELERY_BROKER_URL`` the CRM's settings
publish no hint, and ``hrflow_worker`` delivers (issue #18, part 5)."""

from __future__ import annotations

import os
import runpy
import subprocess
import sys
from pathlib import Path

import pytest

from hrflow_matching.models import Delivery, WebhookEndpoint
from tests.support.webhook_support import database_url

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = ROOT / "example_crm" / "settings.py"


def hints_setting(monkeypatch: pytest.MonkeyPatch, **env: str) -> bool:
    for name in ("CELERY_BROKER_URL", "HRFLOW_WEBHOOK_HINTS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(SETTINGS))["HRFLOW_MATCHING"]["WEBHOOKS"]["HINTS"]


def test_hints_follow_the_broker_url(monkeypatch):
    assert hints_setting(monkeypatch) is False
    assert hints_setting(monkeypatch, CELERY_BROKER_URL=" ") is False
    assert hints_setting(monkeypatch, CELERY_BROKER_URL="redis://127.0.0.1:6379/0") is True
    assert (
        hints_setting(monkeypatch, CELERY_BROKER_URL="redis://x/0", HRFLOW_WEBHOOK_HINTS="0")
        is False
    )
    assert hints_setting(monkeypatch, HRFLOW_WEBHOOK_HINTS="1") is True


def test_the_makefile_no_longer_needs_a_variable():
    assert "HRFLOW_WEBHOOK_HINTS" not in (ROOT / "Makefile").read_text()


SAVE = """
from django.db import transaction
from example_crm.models import Candidate
from hrflow_matching.notify import hints
with transaction.atomic():
    Candidate.objects.create(first_name="Grace", last_name="Hopper")
hints.flush(2)
# No publisher thread was ever started, and nothing waits to be published.
print("publisher", hints._thread is not None, "buffered", len(hints._buffer))
"""


@pytest.mark.processes
@pytest.mark.django_db(transaction=True)
def test_commands_beside_the_demo_publish_nothing_and_the_worker_delivers(httpserver):
    httpserver.expect_request("/hook", method="POST").respond_with_data("ok")
    endpoint = WebhookEndpoint.objects.create(url=httpserver.url_for("/hook"))
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"CELERY_BROKER_URL", "HRFLOW_WEBHOOK_HINTS"}
    }
    env |= {
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": database_url(),
        "HRFLOW_WEBHOOK_ALLOW_PRIVATE": "1",
        "DJANGO_SETTINGS_MODULE": "example_crm.settings",
    }

    def manage(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True,
            text=True, timeout=120,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout

    assert manage("shell", "-c", SAVE).splitlines()[-1] == "publisher False buffered 0"
    delivery = Delivery.objects.get(endpoint=endpoint)
    assert delivery.status == Delivery.Status.PENDING and not httpserver.log
    manage("hrflow_worker", "--once")
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SUCCESS
    assert len(httpserver.log) == 1
