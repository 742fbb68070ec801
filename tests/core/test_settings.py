"""The example CRM's settings: environment variables read with clear errors, no stale paths."""

from __future__ import annotations

import runpy
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured

SETTINGS = Path(__file__).resolve().parents[2] / "example_crm" / "settings.py"


def demo_settings(monkeypatch: pytest.MonkeyPatch, **env: str) -> dict[str, Any]:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(SETTINGS))


@pytest.mark.parametrize("value", ["abc", "30s", "nan", "inf"])
def test_a_bad_numeric_variable_names_itself_and_its_value(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    with pytest.raises(ImproperlyConfigured, match=f"HRFLOW_WEBHOOK_SWEEP_INTERVAL='{value}'"):
        demo_settings(monkeypatch, HRFLOW_WEBHOOK_SWEEP_INTERVAL=value)


def test_numeric_variables_are_read_and_blank_means_the_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    conf = demo_settings(monkeypatch, HRFLOW_WEBHOOK_SWEEP_INTERVAL=" 5 ")
    assert conf["HRFLOW_MATCHING"]["WEBHOOKS"]["SWEEP_INTERVAL"] == 5.0
    assert conf["CELERY_BEAT_SCHEDULE"]["hrflow-sweep"]["schedule"] == 5.0
    conf = demo_settings(monkeypatch, HRFLOW_WEBHOOK_SWEEP_INTERVAL="")
    assert conf["HRFLOW_MATCHING"]["WEBHOOKS"]["SWEEP_INTERVAL"] == 30


def test_template_dirs_exist(monkeypatch: pytest.MonkeyPatch) -> None:
    for folder in demo_settings(monkeypatch)["TEMPLATES"][0]["DIRS"]:
        assert Path(folder).is_dir(), folder
