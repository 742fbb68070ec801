"""End to end: a recruiter page served by the HrFlow.ai backend talking to the local stand-in.

Checks what the unit tests cannot: the page calls HrFlow.ai with the recruiter's tenant's keys,
joins HrFlow.ai's answer with the CRM rows of that tenant only, and shows HrFlow.ai's failures
as a message with a 502/503, never a 500.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from django.urls import reverse
from pytest_httpserver import HTTPServer

from example_crm.models import Organisation
from tests.support.hrflow_standin import (
    StandIn,
    hrflow_settings,
    method_setting,
    profile,
    requests_made,
    scoring_body,
)
from tests.support.matching_data import World, build_world, recruiter

pytestmark = pytest.mark.django_db

RESOLVER = "tests.support.matching_data.tenant_of_request"
ACME = {
    "API_KEY": "askr_" + "ac" * 16,
    "USER_EMAIL": "hr@acme.example",
    "SOURCE_KEYS": ["a" * 40],
    "BOARD_KEY": "a1" * 20,
    "ALGORITHM_KEY": "a2" * 20,
}
GLOBEX = {
    "API_KEY": "askr_" + "61" * 16,
    "USER_EMAIL": "hr@globex.example",
    "SOURCE_KEYS": ["6" * 40],
    "BOARD_KEY": "61" * 20,
    "ALGORITHM_KEY": "62" * 20,
}
PATH = "/v1/profiles/scoring"


@pytest.fixture
def standin(httpserver: HTTPServer, hrflow_method: str) -> StandIn:
    return StandIn(httpserver, hrflow_method)


@pytest.fixture
def world(httpserver: HTTPServer, hrflow_method: str) -> Iterator[World]:
    with hrflow_settings(
        httpserver,
        TENANT_RESOLVER=RESOLVER,
        TENANTS={"acme": ACME, "globex": GLOBEX},
        HRFLOW={"MAX_RETRIES": 0, **method_setting(hrflow_method)},
    ):
        yield build_world()


@pytest.fixture
def acme_client(client, world: World):
    client.force_login(recruiter("ann", world.acme))
    return client


def job_url(job) -> str:
    return reverse("hrflow_matching:matching_profiles_for_job", args=[job.reference])


def test_job_page_scores_with_the_tenants_keys_and_shows_its_rows(
    acme_client, world: World, standin: StandIn
) -> None:
    first, second = world.candidates[0], world.candidates[1]
    # HrFlow.ai answers with two of Acme's candidates and, wrongly, one of Globex's.
    docs = [
        profile(first.reference, "1"),
        profile(world.other_candidate.reference, "2"),
        profile(second.reference, "3"),
    ]
    standin.serve(PATH, scoring_body("profiles", docs, [0.93, 0.9, 0.61]))
    response = acme_client.get(job_url(world.job))
    assert response.status_code == 200
    html = response.content.decode()
    shown = re.findall(r'data-reference="([^"]+)"', html)
    assert shown == [first.reference, second.reference]
    assert world.other_candidate.reference not in shown

    (request,) = standin.requests()
    assert request.headers["X-API-KEY"] == ACME["API_KEY"]
    assert request.headers["X-USER-EMAIL"] == ACME["USER_EMAIL"]
    (sent,) = standin.params()
    assert sent["source_keys"] == ACME["SOURCE_KEYS"]
    assert sent["board_key"] == ACME["BOARD_KEY"]
    assert sent["algorithm_key"] == ACME["ALGORITHM_KEY"]
    assert sent["job_reference"] == world.job.reference


@pytest.mark.parametrize(
    ("status", "body", "expected_status", "words"),
    [
        (401, {"code": 401, "message": "Unauthorized. Invalid secret key"}, 502, "API key"),
        (402, {"code": 402, "message": "Over quota"}, 503, "quota"),
        (400, {"code": 400, "message": "Unable to find object: job"}, 503, "not indexed"),
        (500, {"code": 500, "message": "Internal error"}, 503, "Try again"),
        (429, {"code": 429, "message": "Slow down"}, 503, "Try again in 120 s"),
    ],
)
def test_hrflow_failures_are_messages_not_500(
    acme_client,
    world: World,
    standin: StandIn,
    status: int,
    body: dict,
    expected_status: int,
    words: str,
) -> None:
    """Each failure is a page with a message and a 502/503; a 429 asking for longer than a
    recruiter waits says when to come back."""
    headers = {"Retry-After": "120"} if status == 429 else None
    standin.serve(PATH, body, status=status, headers=headers)
    response = acme_client.get(job_url(world.job))
    assert response.status_code == expected_status
    assert words in response.content.decode()
    assert ACME["API_KEY"] not in response.content.decode()


def test_unconfigured_tenant_gets_a_clear_page_and_no_call(
    client, world: World, httpserver: HTTPServer
) -> None:
    initech = Organisation.objects.create(name="Initech", slug="initech")
    client.force_login(recruiter("ian", initech))
    response = client.get(reverse("hrflow_matching:search_profiles"), {"text_keywords": "python"})
    assert response.status_code == 503
    assert "initech" in response.content.decode()
    assert requests_made(httpserver) == []
