"""Run the awkward host's suite (``check_*.py`` here) under its own settings, in a process of
its own: a Django process has one settings module and one adapter per kind, and this host is
another CRM. It fails with the host suite's own report."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]


@pytest.mark.slow
def test_the_awkward_host_suite_passes() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    done = subprocess.run(
        [
            sys.executable, "-m", "pytest", str(HERE), "-q", "-p", "no:cacheprovider",
            "--ds", "tests.hosts.awkward.settings", "--confcutdir", str(HERE),
            "-o", "python_files=check_*.py", "-m", "not browser",
        ],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-3000:]
    assert " passed" in done.stdout, done.stdout[-2000:]
