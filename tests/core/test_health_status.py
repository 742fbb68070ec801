"""``manage.py hrflow_status``: its report and its exit codes (0 healthy, 1 a threshold crossed,
2 bad flags, 3 figures unavailable), through ``call_command`` and as a real process."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.support.health_run import start_health_run
from tests.support.webhook_fixtures import webhooks  # noqa: F401
from tests.support.webhook_support import database_url

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def run(webhooks, httpserver):  # noqa: F811
    return start_health_run(httpserver)


def status(*args: str) -> tuple[int, str]:
    out = StringIO()
    try:
        call_command("hrflow_status", *args, stdout=out)
    except CommandError as exc:
        return exc.returncode, out.getvalue() + f"\n{exc}"
    return 0, out.getvalue()


def manage(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "hrflow_status", *args],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.django_db(transaction=True)
def test_healthy_run_exits_0_and_prints_the_figures(run):
    type(run.ok).objects.exclude(pk=run.ok.pk).delete()  # only the receiver that answers 200
    run.wave(2)
    code, text = status()
    assert code == 0, text
    assert "outbox depth          0 pending deliveries" in text
    assert "last 24 hours         2 delivered, 0 retrying, 0 failed" in text
    assert f"#{run.ok.pk} http://localhost:" in text and "/ok" not in text  # no path: no token
    assert text.rstrip().endswith("Status: OK")


@pytest.mark.django_db(transaction=True)
def test_crossed_thresholds_exit_1_and_flags_override_settings(run, settings):
    run.wave(1)
    run.wave(1, ago=dt.timedelta(minutes=90), send=False)
    code, text = status()
    assert code == 1
    assert "  - oldest undelivered event 1 h 30 min old (limit 1 h 00 min)" in text
    assert "  - 1 deliveries failed in the last 24 h (limit 0)" in text
    assert "Status: FAIL" in text and "3 thresholds crossed." in text  # index lag too
    assert (
        status("--max-oldest-pending", "7200", "--max-index-lag=off", "--max-failed-24h=1")[0] == 0
    )
    code, text = status("--max-outbox-depth", "2", "--max-oldest-pending=off",
                        "--max-index-lag=off", "--max-failed-24h=off")  # fmt: skip
    assert code == 1 and "  - 3 deliveries pending (limit 2)" in text
    settings.HRFLOW_MATCHING = {
        **settings.HRFLOW_MATCHING,
        "HEALTH": {"MAX_OLDEST_PENDING": None, "MAX_INDEX_LAG": 6000, "MAX_FAILED_24H": None},
    }
    assert status()[0] == 0
    code, text = status("--json", "--max-failed-24h", "0")
    body = json.loads(text.split("\n1 threshold crossed.")[0])
    assert code == 1 and body["status"] == "fail" and body["outbox_depth"] == 3
    assert body["thresholds"]["oldest_pending_seconds"] is None


@pytest.mark.processes
@pytest.mark.django_db(transaction=True)
def test_exit_codes_of_the_process(run):
    """What cron and a container probe see: the process's own exit status."""
    env = {"DATABASE_URL": database_url()}
    healthy = manage(env=env)
    assert healthy.returncode == 0, healthy.stderr
    run.wave(1)  # /down gives one delivery up
    crossed = manage(env=env)
    assert crossed.returncode == 1, crossed.stderr
    assert "1 deliveries failed" in crossed.stdout and "1 threshold crossed." in crossed.stderr
    bad = manage("--max-outbox-depth", "many", env=env)
    assert bad.returncode == 2 and "expected an integer ≥ 0 or 'off'" in bad.stderr


def test_exit_3_when_the_figures_cannot_be_read(tmp_path):
    empty = tmp_path / "no-tables.sqlite3"
    empty.touch()  # a database without the app's tables
    gone = manage(env={"DATABASE_URL": f"sqlite:///{empty}"})
    assert gone.returncode == 3, (gone.stdout, gone.stderr)
    assert "cannot read the health figures: OperationalError" in gone.stderr
