"""Helpers shared by the pull webservice tests (test_api_*.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from example_crm.models import Candidate, JobOffer, Organisation
from hrflow_matching.models import ApiKey

T0 = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def no_settle(settings: Any) -> None:
    """Serve rows modified just now (the settle delay is tested on its own)."""
    current = dict(getattr(settings, "HRFLOW_MATCHING", {}) or {})
    current["API"] = {**current.get("API", {}), "SETTLE_SECONDS": 0, "THROTTLE_RATE": None}
    current["WEBHOOKS"] = {**current.get("WEBHOOKS", {}), "HINTS": False}
    settings.HRFLOW_MATCHING = current


def make_key(tenant: str | None = None, name: str = "test") -> str:
    return ApiKey.create_key(name=name, tenant=tenant)[1]


class KeyClient:
    """A Django test client that sends ``X-API-KEY`` on every request."""

    def __init__(self, key: str | None) -> None:
        self.client = Client()
        self.key = key

    def get(self, path: str, **params: Any) -> Any:
        headers = {"X-API-KEY": self.key} if self.key is not None else {}
        return self.client.get(path, params or None, headers=headers)

    def pull(self, kind: str = "profiles", **params: Any) -> list[dict[str, Any]]:
        """Every item of a full pull, following next_cursor."""
        items: list[dict[str, Any]] = []
        response = self.get(f"/hrflow/api/{kind}/", **params)
        while True:
            assert response.status_code == 200, response.content
            body = response.json()
            items.extend(body["results"])
            if not body["has_more"]:
                return items
            response = self.get(f"/hrflow/api/{kind}/", **{**params, "cursor": body["next_cursor"]})


def candidate(reference: str, org: Organisation | None = None, **fields: Any) -> Candidate:
    fields.setdefault("first_name", "Ada")
    fields.setdefault("last_name", "Lovelace")
    return Candidate.objects.create(reference=reference, organisation=org, **fields)


def job(reference: str, org: Organisation | None = None, **fields: Any) -> JobOffer:
    fields.setdefault("title", "Python developer")
    return JobOffer.objects.create(reference=reference, organisation=org, **fields)


def set_updated(model: Any, reference: str, when: dt.datetime) -> None:
    """Set a modification date without save() (which stamps now)."""
    model.objects.filter(reference=reference).update(updated_at=when)
