"""Fixtures shared by the webhook tests (imported by the test modules)."""

from __future__ import annotations

from typing import Any

import pytest

from example_crm.models import Candidate, JobOffer, Organisation

FAST: dict[str, Any] = {
    "ALLOW_PRIVATE": True,
    "HINTS": False,
    "RETRY_SCHEDULE": [0, 0.01, 0.01, 0.01],
    "JITTER": 0,
    "SWEEP_GRACE": 0,
    "TOTAL_TIMEOUT": 1.0,
    "CONNECT_TIMEOUT": 0.5,
    "CLAIM_LEASE": 5,
}


@pytest.fixture
def webhooks(settings: Any) -> dict[str, Any]:
    """Fast, loopback-allowed webhook settings and the recording backend, for one test."""
    from tests.support import webhook_backend

    webhook_backend.CALLS.clear()
    webhook_backend.RecordingIndexBackend.fail = False
    conf = {**settings.HRFLOW_MATCHING["WEBHOOKS"], **FAST}
    settings.HRFLOW_MATCHING = {
        **settings.HRFLOW_MATCHING,
        "BACKEND": "tests.support.webhook_backend.RecordingIndexBackend",
        "WEBHOOKS": conf,
    }
    return conf


def set_webhooks(settings: Any, **changes: Any) -> None:
    settings.HRFLOW_MATCHING = {
        **settings.HRFLOW_MATCHING,
        "WEBHOOKS": {**settings.HRFLOW_MATCHING["WEBHOOKS"], **changes},
    }


def candidate(org: Organisation | None = None, **kw: Any) -> Candidate:
    return Candidate.objects.create(first_name="Ada", last_name="Lovelace", organisation=org, **kw)


def job(org: Organisation | None = None, **kw: Any) -> JobOffer:
    return JobOffer.objects.create(title="Engineer", organisation=org, **kw)
