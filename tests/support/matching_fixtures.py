"""Fixtures shared by the recruiter-page and JSON-API tests: two tenants, a simple backend."""

from __future__ import annotations

import pytest

from hrflow_matching.testing import override_hrflow_settings
from tests.support.matching_data import build_world, recruiter

SIMPLE = "tests.support.matching_backend.SimpleBackend"
RESOLVER = "tests.support.matching_data.tenant_of_request"


@pytest.fixture
def world():
    with override_hrflow_settings(BACKEND=SIMPLE, TENANT_RESOLVER=RESOLVER):
        yield build_world()


@pytest.fixture
def acme_client(client, world):
    client.force_login(recruiter("ann", world.acme))
    return client
