"""The awkward host's own pytest set-up, used when its suite runs under its own settings
(``test_awkward_host.py`` starts that run; ``--confcutdir`` keeps the example CRM's
conftest out). In the main run this file only keeps the host's ``check_*.py`` modules out of
collection (their names do not match ``test_*.py`` anyway)."""

from __future__ import annotations

import os

import pytest


@pytest.fixture(scope="session")
def django_db_modify_db_settings() -> None:
    from django.conf import settings

    db = settings.DATABASES["default"]
    if not db["ENGINE"].endswith("sqlite3"):
        db.setdefault("TEST", {})["NAME"] = f"test_hrflow_awkward_{os.getpid()}"
