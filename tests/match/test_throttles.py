"""Throttles for what was not throttled (issue #15, 8): failed API-key attempts per client
address, session users of the JSON matching API and of the recruiter pages per user. Each
answers 429 with ``Retry-After`` past its rate, from settings."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from hrflow_matching.models import ApiKey
from hrflow_matching.testing import override_hrflow_settings
from tests.support.matching_data import recruiter
from tests.support.matching_fixtures import RESOLVER, SIMPLE

pytestmark = pytest.mark.django_db

PULL = "/hrflow/api/jobs/"
SEARCH_API = "/hrflow/api/search/profiles/"


def key_get(key: str, address: str = "10.0.0.1") -> object:
    return Client(REMOTE_ADDR=address).get(PULL, headers={"X-API-KEY": key})


def test_failed_key_attempts_are_throttled_per_address():
    _row, good = ApiKey.create_key("puller")
    wrong = good[:-4] + ("AAAA" if not good.endswith("AAAA") else "BBBB")
    with override_hrflow_settings(API={"FAILED_KEY_RATE": "3/min", "SETTLE_SECONDS": 0}):
        assert [key_get(wrong).status_code for _ in range(3)] == [401, 401, 401]
        assert key_get("garbage").status_code == 429  # malformed keys count too
        blocked = key_get(good)  # the right key, from the blocked address: wait
        assert blocked.status_code == 429
        assert int(blocked["Retry-After"]) > 0 and blocked.json()["retry_after"] > 0
        assert "failed API key attempts" in blocked.json()["message"]
        assert key_get(good, "10.0.0.2").status_code == 200  # another address
        for _ in range(5):  # successes are not failures
            assert key_get(good, "10.0.0.3").status_code == 200
    with override_hrflow_settings(API={"FAILED_KEY_RATE": None, "SETTLE_SECONDS": 0}):
        assert key_get(good).status_code == 200  # off: no throttle at all


def test_session_users_of_the_matching_api_are_throttled_per_user(client, world):
    ann = recruiter("ann", world.acme)
    client.force_login(ann)
    other = Client()
    other.force_login(recruiter("ada", world.acme))
    with override_hrflow_settings(
        BACKEND=SIMPLE, TENANT_RESOLVER=RESOLVER, API={"SESSION_THROTTLE_RATE": "2/min"}
    ):
        assert [client.get(SEARCH_API).status_code for _ in range(2)] == [200, 200]
        response = client.get(SEARCH_API)
        assert response.status_code == 429 and int(response["Retry-After"]) > 0
        assert other.get(SEARCH_API).status_code == 200  # another user, another bucket
        # An API key is counted by the per-key throttle, not by its user's.
        _row, secret = ApiKey.create_key("front", tenant="acme")
        for _ in range(3):
            assert client.get(SEARCH_API, headers={"X-API-KEY": secret}).status_code == 200


def test_recruiter_pages_are_throttled_per_user(client, world):
    client.force_login(recruiter("ann", world.acme))
    url = reverse("hrflow_matching:search_profiles")
    with override_hrflow_settings(
        BACKEND=SIMPLE, TENANT_RESOLVER=RESOLVER, PAGES={"THROTTLE_RATE": "2/min"}
    ):
        assert [client.get(url).status_code for _ in range(2)] == [200, 200]
        response = client.get(url)
        assert response.status_code == 429
        assert int(response["Retry-After"]) > 0
        assert "Too many searches" in response.content.decode()


def test_rates_are_checked():
    from django.core.checks import run_checks

    from hrflow_matching import checks

    with override_hrflow_settings(
        BACKEND=SIMPLE, API={"FAILED_KEY_RATE": "often"}, PAGES={"THROTTLE_RATE": "0/min"}
    ):
        messages = [m.msg for m in run_checks(tags=[checks.TAG]) if m.id.endswith("E022")]
    assert len(messages) == 2
    assert any('["API"]["FAILED_KEY_RATE"]' in m for m in messages)
    assert any('["PAGES"]["THROTTLE_RATE"]' in m for m in messages)
