"""Settings of the app: one ``HRFLOW_MATCHING`` dict, merged with documented defaults.

Settings are read lazily, on first use, never at import time, so that a host project can
override them in tests (``override_settings``) and the cache is dropped on ``setting_changed``.
Nested dicts are merged key by key, at every depth: a project that sets
``{"WEBHOOKS": {"TOTAL_TIMEOUT": 10}}`` keeps every other webhook default, and one that sets
``{"LOCAL": {"WEIGHTS": {"skills": 0.5}}}`` keeps the default weight of every other criterion
(replacing the whole ``WEIGHTS`` dict would silently score the missing criteria zero). Only
``TENANTS`` is taken as given: it has no defaults to keep, and an override in a test
(``testing.override_hrflow_settings``) names exactly the tenants it wants. A value that is not
a dict (a list such as ``RETRY_SCHEDULE``, ``None``) replaces the default whole.
``manage.py check`` reports values of the wrong type or out of range (see ``checks``).
"""

from __future__ import annotations

import copy
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

DEFAULTS: dict[str, Any] = {
    # "local", "hrflow", or the dotted path of a MatchingBackend subclass.
    "BACKEND": "local",
    # HrFlow.ai account used when no tenant is configured (single-tenant CRMs).
    "HRFLOW": {
        "API_URL": "https://api.hrflow.ai/v1/",
        "API_KEY": "",
        "USER_EMAIL": "",
        "SOURCE_KEYS": [],
        "BOARD_KEY": "",
        "ALGORITHM_KEY": "",
        # Push documents through the storing API on each event (accounts without pull workflows).
        "PUSH": False,
        "CONNECT_TIMEOUT": 3.05,
        "READ_TIMEOUT": 15.0,
        "MAX_RETRIES": 2,
        # Searching/scoring calls: "AUTO" sends GET while the URL is at most MAX_URL_LENGTH
        # characters and POST with a JSON body beyond; "POST" always posts.
        "METHOD": "AUTO",
        "MAX_URL_LENGTH": 4000,
    },
    "WEBHOOKS": {
        # Delays in seconds before each attempt, the first try included (Svix's schedule).
        "RETRY_SCHEDULE": [0, 5, 300, 1800, 7200, 18000, 36000, 36000],
        "JITTER": 0.2,
        # How often Celery beat runs the sweeper that sends every due delivery.
        "SWEEP_INTERVAL": 30,
        # Allow loopback and private targets: development and tests only.
        "ALLOW_PRIVATE": False,
        "ALLOW_HTTP": True,
        "CONNECT_TIMEOUT": 5.0,
        "TOTAL_TIMEOUT": 30.0,
        "MAX_RESPONSE_BYTES": 64 * 1024,
        "STORED_RESPONSE_BYTES": 20_000,
        # An endpoint failing continuously for this long (seconds) is disabled.
        "DISABLE_AFTER": 5 * 24 * 3600,
        # Delivery attempts older than this (days) are purged.
        "ATTEMPT_RETENTION_DAYS": 30,
        # How long an old secret keeps signing after a rotation (seconds).
        "ROTATION_GRACE": 24 * 3600,
        # How long a worker's claim on a delivery lasts (seconds); None: TOTAL_TIMEOUT + 30.
        "CLAIM_LEASE": None,
        # The sweeper leaves never-tried deliveries this long (seconds) to their after-commit
        # hint before claiming them itself.
        "SWEEP_GRACE": 60,
        # Deliveries (and index updates) the sweeper claims per run.
        "SWEEP_BATCH": 500,
        # Publish a Celery hint after each commit (off: the sweeper or hrflow_worker sends).
        "HINTS": True,
        # Celery queue of the webhook and index tasks; None: Celery's default queue.
        "QUEUE": None,
        # Requests a worker task has in flight at once (threads; one connection each).
        "PARALLEL": 4,
    },
    "API": {
        "PAGE_SIZE": 100,
        "MAX_PAGE_SIZE": 1000,
        # DRF throttle rate per API key, e.g. "600/min"; None disables throttling.
        "THROTTLE_RATE": "1200/min",
        # Failed X-API-KEY attempts per client address; past it the address gets 429s.
        "FAILED_KEY_RATE": "20/min",
        # JSON matching API requests per signed-in (session) user.
        "SESSION_THROTTLE_RATE": "300/min",
        # Tombstones of deleted objects are kept this many days.
        "TOMBSTONE_RETENTION_DAYS": 90,
        # Lists leave out rows modified in the last N seconds (they come on the next pull), so
        # that a transaction committing late never slips behind a puller's cursor.
        "SETTLE_SECONDS": 5,
    },
    "LOCAL": {
        # Where the local engine keeps its lexical index files (default: MEDIA_ROOT-independent
        # folder next to the database, see backends.local).
        "INDEX_DIR": None,
        # The writing process rebuilds the snapshot once this many rows changed since the last
        # one (the changes are served meanwhile from a delta scored brute force).
        "REBUILD_AFTER": 1000,
        # Snapshots one process keeps loaded, in MiB (memory-mapped arrays and the Python
        # objects beside them); past it the least recently used tenants' are dropped and
        # loaded again on their next query. None: no limit.
        "MEMORY_BUDGET_MB": 512,
        "WEIGHTS": {
            "skills": 0.35,
            "title": 0.20,
            "text": 0.15,
            "experience": 0.10,
            "location": 0.10,
            "languages": 0.05,
            "freshness": 0.05,
        },
    },
    # Operations (README, "Operations: health, status and metrics"): who may read
    # /hrflow/health/ and /hrflow/metrics/, and the limits beyond which hrflow_status exits 1
    # and /hrflow/health/ answers 503. None switches a limit off.
    "HEALTH": {
        # A bearer token for monitors (Authorization: Bearer <token>); "" accepts none. Staff
        # users signed in to the admin may always read.
        "TOKEN": "",
        # True: anyone may read (numbers only, no URL, tenant or secret is ever shown).
        "PUBLIC": False,
        "MAX_OUTBOX_DEPTH": 10_000,
        # Seconds: the oldest pending delivery, and the oldest event not indexed yet.
        "MAX_OLDEST_PENDING": 3600,
        "MAX_INDEX_LAG": 3600,
        # Deliveries given up in the last 24 hours, and endpoints disabled by failures.
        "MAX_FAILED_24H": 0,
        "MAX_DISABLED_ENDPOINTS": 0,
    },
    # Multi-tenancy (see README): a dotted path to a callable(request) -> str | None.
    "TENANT_RESOLVER": None,
    # Dotted path of a TenantConfigProvider; the default reads TENANTS below.
    "TENANT_CONFIG_PROVIDER": "hrflow_matching.tenancy.SettingsTenantConfigProvider",
    # {"tenant-id": {"API_KEY": ..., "USER_EMAIL": ..., "SOURCE_KEYS": [...], ...}}
    "TENANTS": {},
    # Recruiter pages (matching/): the base template they extend (it must define a "content"
    # block; "title", "breadcrumbs" and "extrastyle" are used when present), the radius drawn
    # around the job's or candidate's own location on first view, and page sizes.
    "PAGES": {
        "BASE_TEMPLATE": "admin/base_site.html",
        "DEFAULT_DISTANCE_KM": 50,
        "PAGE_SIZE": 20,
        "MAX_PAGE_SIZE": 100,
        # Recruiter page views per user, e.g. "120/min"; None disables.
        "THROTTLE_RATE": "120/min",
    },
}


#: Top-level keys whose dict value replaces the default instead of being merged into it.
REPLACED_WHOLE = frozenset({"TENANTS"})


def merge_nested(
    base: dict[str, Any], changes: dict[str, Any], replaced: frozenset[str] = REPLACED_WHOLE
) -> dict[str, Any]:
    """``base`` updated with ``changes``, dicts merged into dicts recursively.

    Recursive so that overriding one key of a nested dict (one of the ``LOCAL["WEIGHTS"]``)
    keeps its siblings. ``replaced`` names the keys taken whole at this level (only the top
    level has any). The inputs are left untouched. Used by :func:`get_settings` and by
    ``testing.override_hrflow_settings``, so that tests merge exactly as the settings do.
    """
    merged = dict(base)
    for key, value in changes.items():
        current = merged.get(key)
        if isinstance(value, dict) and isinstance(current, dict) and key not in replaced:
            merged[key] = merge_nested(current, value, frozenset())
        else:
            merged[key] = value
    return merged


@lru_cache(maxsize=1)
def get_settings() -> dict[str, Any]:
    """Return ``HRFLOW_MATCHING`` merged with :data:`DEFAULTS` (nested dicts at every depth)."""
    user: dict[str, Any] = getattr(settings, "HRFLOW_MATCHING", {}) or {}
    return merge_nested(copy.deepcopy(DEFAULTS), user)


@receiver(setting_changed)
def _reset_settings(*, setting: str, **kwargs: Any) -> None:
    if setting == "HRFLOW_MATCHING":
        get_settings.cache_clear()
