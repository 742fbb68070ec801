"""Fail closed: in a multi-tenant CRM a request without a tenant sees nothing (issue #15, 1).

A staff user given ``view_matching`` before their ``Recruiter`` row exists used to see every
client's candidates. Now the resolver must name a tenant, or say ``ALL_TENANTS`` explicitly;
only superusers are let through without one.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from hrflow_matching.tenancy import ALL_TENANTS
from hrflow_matching.testing import override_hrflow_settings
from tests.support.matching_data import recruiter, tenant_of_request
from tests.support.matching_fixtures import SIMPLE

pytestmark = pytest.mark.django_db

API = "/hrflow/api/matching/profiles/"
SEARCH_API = "/hrflow/api/search/profiles/"


def everyone(request) -> object:
    """A resolver that says "every tenant" for user "ops", else the example rule."""
    if request.user.is_authenticated and request.user.username == "ops":
        return ALL_TENANTS
    return tenant_of_request(request)


def page_urls(world) -> list[str]:
    return [
        reverse("hrflow_matching:matching_profiles_for_job", args=[world.job.reference]),
        reverse("hrflow_matching:search_profiles"),
    ]


def test_staff_without_a_tenant_get_403_on_pages_and_api(client, world):
    client.force_login(recruiter("newcomer", None))  # permitted, no Recruiter row yet
    for url in page_urls(world):
        response = client.get(url)
        assert response.status_code == 403, url
        html = response.content.decode()
        assert "not linked to a tenant" in html
        assert world.other_candidate.reference not in html
        assert world.candidates[0].reference not in html
    for url, query in ((API, {"job_reference": world.job.reference}), (SEARCH_API, {})):
        response = client.get(url, query)
        assert response.status_code == 403, url
        assert "not linked to a tenant" in response.json()["message"]


def test_superuser_without_a_tenant_sees_every_tenant(client, world):
    client.force_login(User.objects.create_superuser("root", password="pw"))
    body = client.get(SEARCH_API, {"skills": "python"}).json()
    refs = {item["reference"] for item in body["items"]}
    assert world.other_candidate.reference in refs and world.candidates[0].reference in refs
    assert client.get(page_urls(world)[1]).status_code == 200


def test_the_all_tenants_sentinel_is_explicit(client, world):
    client.force_login(recruiter("ops", None))
    with override_hrflow_settings(BACKEND=SIMPLE, TENANT_RESOLVER=everyone):
        body = client.get(SEARCH_API, {"skills": "python"}).json()
        assert world.other_candidate.reference in {i["reference"] for i in body["items"]}
        assert client.get(page_urls(world)[0]).status_code == 200


def test_a_single_tenant_crm_stays_unscoped(client, world):
    client.force_login(recruiter("solo", None))
    with override_hrflow_settings(BACKEND=SIMPLE, TENANT_RESOLVER=None):
        assert client.get(SEARCH_API, {"skills": "python"}).status_code == 200
        assert client.get(page_urls(world)[1]).status_code == 200
