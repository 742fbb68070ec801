"""Shared fixtures. The same suite runs on SQLite and, with ``DATABASE_URL``, on PostgreSQL."""

from __future__ import annotations

import os

import pytest

from tests.support import services

# Fixtures shared by several modules (a module's own fixture of the same name wins).
pytest_plugins = [
    "tests.support.matching_fixtures",
    "tests.support.hrflow_standin",
    "hrflow_matching.pytest_plugin",
]


@pytest.fixture(scope="session")
def django_db_modify_db_settings(
    django_db_modify_db_settings_parallel_suffix: None, request: pytest.FixtureRequest
) -> None:
    """Give every test run its own test database, so that concurrent runs never collide."""
    from django.conf import settings

    db = settings.DATABASES["default"]
    if not db["ENGINE"].endswith("sqlite3"):
        db.setdefault("TEST", {})["NAME"] = f"test_hrflow_{os.getpid()}"
    elif any(
        item.get_closest_marker("celery") or item.get_closest_marker("processes")
        for item in request.session.items
    ):
        # Celery workers and hrflow_sync's workers must reach the test database: a file.
        db.setdefault("TEST", {})["NAME"] = f"/tmp/test_hrflow_{os.getpid()}.sqlite3"


def pytest_configure(config: pytest.Config) -> None:
    """The suite's baseline is a single-tenant CRM: tests opt into tenants explicitly.

    The demo settings resolve a request's tenant from the recruiter's organisation
    (``example_crm.tenancy``); "with no tenant configured, every test passes unchanged" needs
    the resolver off unless a test sets one.
    """
    from django.conf import settings

    from hrflow_matching.conf import get_settings

    settings.HRFLOW_MATCHING = {**settings.HRFLOW_MATCHING, "TENANT_RESOLVER": None}
    get_settings.cache_clear()
    # PBKDF2's million rounds are the point in production and a second per user in tests.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    """Each test starts with empty throttle buckets (the cache is per process)."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def redis_url() -> str:
    return services.require_redis()


@pytest.fixture
def chromium_path() -> str:
    return services.require_chromium()


def pytest_report_header(config: pytest.Config) -> str:
    from django.conf import settings

    return f"database: {settings.DATABASES['default']['ENGINE']}"
