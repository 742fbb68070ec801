"""Issue 7: a backend bound to tenant A only ever calls HrFlow.ai with A's keys."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from pytest_httpserver import HTTPServer

from hrflow_matching.backends import get_backend
from hrflow_matching.backends.base import BackendMisconfigured, Criteria
from hrflow_matching.backends.hrflow import HrFlowBackend
from hrflow_matching.tenancy import TenantNotConfigured
from tests.support.hrflow_standin import (
    StandIn,
    hrflow_settings,
    method_setting,
    profile,
    requests_made,
    scoring_body,
)

TENANT_A = {
    "API_KEY": "askr_" + "a" * 32,
    "USER_EMAIL": "hr@alpha.example",
    "SOURCE_KEYS": ["a" * 40],
    "BOARD_KEY": "a1" * 20,
    "ALGORITHM_KEY": "a2" * 20,
    "PUSH": True,
}
TENANT_B = {
    "API_KEY": "askr_" + "b" * 32,
    "USER_EMAIL": "hr@beta.example",
    "SOURCE_KEYS": ["b" * 40],
    "BOARD_KEY": "b1" * 20,
    "ALGORITHM_KEY": "b2" * 20,
    "PUSH": True,
}


@pytest.fixture
def two_tenants(httpserver: HTTPServer, hrflow_method: str) -> Iterator[StandIn]:
    """Two tenants' accounts; each matching test runs as GET and as POST (a tenant inherits
    ``METHOD`` from ``HRFLOW``, as it inherits the timeouts)."""
    with hrflow_settings(
        httpserver,
        TENANTS={"alpha": TENANT_A, "beta": TENANT_B},
        HRFLOW=method_setting(hrflow_method),
    ):
        yield StandIn(httpserver, hrflow_method)


def test_scoring_an_a_job_sends_only_a_keys(two_tenants: StandIn) -> None:
    two_tenants.serve("/v1/profiles/scoring", scoring_body("profiles", [profile("a-cand")], [0.7]))
    page = get_backend("alpha").score_profiles("a-job", Criteria())
    assert [item.reference for item in page.items] == ["a-cand"]

    (request,) = two_tenants.requests()
    assert request.headers["X-API-KEY"] == TENANT_A["API_KEY"]
    assert request.headers["X-USER-EMAIL"] == TENANT_A["USER_EMAIL"]
    (params,) = two_tenants.params()
    assert params["source_keys"] == TENANT_A["SOURCE_KEYS"]
    assert params["board_key"] == TENANT_A["BOARD_KEY"]
    assert params["algorithm_key"] == TENANT_A["ALGORITHM_KEY"]
    sent = json.dumps({"headers": dict(request.headers), "params": params})
    for secret in TENANT_B.values():
        if isinstance(secret, str):
            assert secret not in sent
    assert TENANT_B["SOURCE_KEYS"][0] not in sent


def test_each_tenant_backend_keeps_its_own_keys(two_tenants: StandIn) -> None:
    two_tenants.serve("/v1/jobs/scoring", scoring_body("jobs", [], []))
    get_backend("beta").score_jobs("b-cand", Criteria())
    get_backend("alpha").score_jobs("a-cand", Criteria())
    beta, alpha = two_tenants.requests()
    beta_params, alpha_params = two_tenants.params()
    assert beta.headers["X-API-KEY"] == TENANT_B["API_KEY"]
    assert beta_params["source_key"] == TENANT_B["SOURCE_KEYS"][0]
    assert alpha.headers["X-API-KEY"] == TENANT_A["API_KEY"]
    assert alpha_params["source_key"] == TENANT_A["SOURCE_KEYS"][0]


def test_push_for_a_tenant_uses_its_source(two_tenants: StandIn) -> None:
    two_tenants.server.expect_request(
        "/v1/profile/indexing/archive", method="PATCH"
    ).respond_with_json({"code": 200, "message": "archived", "data": {"key": "c" * 40}})
    get_backend("beta").archive("profile", ["b-cand"])
    (request,) = two_tenants.requests()
    assert request.headers["X-API-KEY"] == TENANT_B["API_KEY"]
    assert json.loads(request.get_data())["source_key"] == TENANT_B["SOURCE_KEYS"][0]


def test_unconfigured_tenant_never_calls_with_other_keys(two_tenants: StandIn) -> None:
    with pytest.raises(TenantNotConfigured) as caught:
        get_backend("gamma").score_profiles("g-job", Criteria())
    assert "gamma" in str(caught.value)
    assert two_tenants.requests() == []


def test_tenant_does_not_inherit_the_global_account(httpserver: HTTPServer) -> None:
    """A tenant entry without keys must not borrow the single-tenant HRFLOW keys."""
    with (
        hrflow_settings(httpserver, TENANTS={"delta": {"PUSH": False}}),
        pytest.raises(BackendMisconfigured),
    ):
        HrFlowBackend(tenant="delta").score_profiles("d-job", Criteria())
    assert requests_made(httpserver) == []


def test_no_tenant_uses_the_global_account(two_tenants: StandIn) -> None:
    two_tenants.serve(
        "/v1/profiles/searching",
        {
            "code": 200,
            "message": "ok",
            "meta": {"page": 1, "maxPage": 0, "total": 0},
            "data": {"profiles": []},
        },
    )
    get_backend().search_profiles(Criteria())
    (request,) = two_tenants.requests()
    assert request.headers["X-API-KEY"] not in (TENANT_A["API_KEY"], TENANT_B["API_KEY"])
