"""Shared fixtures. The same suite runs on SQLite and, with ``DATABASE_URL``, on PostgreSQL."""

from __future__ import annotations

import os

import pytest

from tests import services


@pytest.fixture(scope="session")
def django_db_modify_db_settings(
    django_db_modify_db_settings_parallel_suffix: None, request: pytest.FixtureRequest
) -> None:
    """Give every test run its own test database, so that concurrent runs never collide."""
    from django.conf import settings

    db = settings.DATABASES["default"]
    if not db["ENGINE"].endswith("sqlite3"):
        db.setdefault("TEST", {})["NAME"] = f"test_hrflow_{os.getpid()}"
    elif any(item.get_closest_marker("celery") for item in request.session.items):
        # Celery worker processes must reach the test database: a file, not memory.
        db.setdefault("TEST", {})["NAME"] = f"/tmp/test_hrflow_{os.getpid()}.sqlite3"


@pytest.fixture
def redis_url() -> str:
    return services.require_redis()


@pytest.fixture
def chromium_path() -> str:
    return services.require_chromium()


def pytest_report_header(config: pytest.Config) -> str:
    from django.conf import settings

    return f"database: {settings.DATABASES['default']['ENGINE']}"
