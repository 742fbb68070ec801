"""Reachability of the real services the suite uses (PostgreSQL, Redis, Chromium).

Where a service is missing the tests that need it skip with a clear reason, except under
``CI=true``, where a missing service fails the run: CI must never pass by skipping.
"""

from __future__ import annotations

import os
import shutil
import socket

import pytest

REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
CHROMIUM = "/usr/bin/chromium"


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def port_open(host: str, port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def require(available: bool, reason: str) -> None:
    """Skip (or fail under CI) when a service is not available."""
    if available:
        return
    if in_ci():
        pytest.fail(f"{reason} (CI=true: a missing service fails the run)", pytrace=False)
    pytest.skip(reason)


def require_redis() -> str:
    require(
        port_open(REDIS_HOST, REDIS_PORT),
        "Redis is not running on 127.0.0.1:6379 (make services starts it)",
    )
    return f"redis://{REDIS_HOST}:{REDIS_PORT}"


def require_chromium() -> str:
    require(
        os.path.exists(CHROMIUM) or shutil.which("chromium") is not None,
        "Debian's chromium is not installed (make services installs it)",
    )
    return CHROMIUM if os.path.exists(CHROMIUM) else str(shutil.which("chromium"))
