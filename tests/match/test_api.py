"""The JSON matching API: auth, validation (400 field errors), tenants, errors, schema."""

from __future__ import annotations

import pytest
import yaml
from django.urls import reverse

from hrflow_matching.models import ApiKey
from hrflow_matching.testing import override_hrflow_settings
from tests.support.matching_data import recruiter
from tests.support.matching_fixtures import RESOLVER

pytestmark = pytest.mark.django_db

PROFILES = "/hrflow/api/matching/profiles/"
JOBS = "/hrflow/api/matching/jobs/"


def key_headers(tenant: str | None) -> dict[str, str]:
    _key, secret = ApiKey.create_key("front end", tenant=tenant)
    return {"HTTP_X_API_KEY": secret}


def test_session_user_gets_a_scored_page_with_documents(acme_client, world):
    response = acme_client.get(PROFILES, {"job_reference": world.job.reference, "limit": 3})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["total"] == 7 and body["limit"] == 3 and body["last_page"] == 3
    scores = [item["score"] for item in body["items"]]
    assert scores == sorted(scores, reverse=True)
    first = body["items"][0]
    assert first["document"]["reference"] == first["reference"]
    assert first["document"]["info"]["full_name"] == "Alice Martin"
    assert {c["name"] for c in first["explanation"]} == {"skills", "location"}
    assert world.other_candidate.reference not in response.content.decode()


def test_criteria_filter_like_the_page(acme_client, world):
    response = acme_client.get(
        PROFILES,
        {"job_reference": world.job.reference, "location_distance": 300, "skills": "postgresql"},
    )
    names = [i["document"]["info"]["full_name"] for i in response.json()["items"]]
    assert names == ["Alice Martin", "Chloé Durand"]


def test_invalid_criteria_are_400_with_field_errors(acme_client, world):
    response = acme_client.get(
        PROFILES,
        {"location_distance": "far", "score_threshold": "2", "limit": "100000"},
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == 400
    assert set(body["errors"]) == {"job_reference", "location_distance", "score_threshold", "limit"}
    search = acme_client.get("/hrflow/api/search/jobs/", {"location_distance": 10})
    assert search.status_code == 400
    assert "location_distance" in search.json()["errors"]


def test_a_misspelt_parameter_is_a_400_not_an_unfiltered_answer(acme_client, world):
    query = {"job_reference": world.job.reference, "skill": "R", "min_score": "0.9"}
    response = acme_client.get(PROFILES, query)
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert set(errors) == {"skill", "min_score"} and "skills" in errors["skill"][0]
    fine = {"job_reference": world.job.reference, "skills": "R", "format": "json"}
    assert acme_client.get(PROFILES, fine).status_code == 200


def test_anonymous_and_unpermitted_users_are_refused(client, world):
    assert client.get(PROFILES, {"job_reference": world.job.reference}).status_code == 401
    client.force_login(recruiter("bob", world.acme, permitted=False))
    assert client.get(PROFILES, {"job_reference": world.job.reference}).status_code == 403


def test_api_key_of_a_tenant_sees_only_its_tenant(client, world):
    headers = key_headers("acme")
    ok = client.get(PROFILES, {"job_reference": world.job.reference}, **headers)
    assert ok.status_code == 200
    assert world.other_candidate.reference not in ok.content.decode()
    foreign = client.get(PROFILES, {"job_reference": world.other_job.reference}, **headers)
    assert foreign.status_code == 404
    alice = world.candidates[0]
    jobs = client.get(JOBS, {"profile_reference": alice.reference}, **headers).json()
    assert [i["reference"] for i in jobs["items"]] == [world.job.reference]


def test_tenantless_key_is_refused_in_a_multi_tenant_crm(client, world):
    response = client.get(PROFILES, {"job_reference": world.job.reference}, **key_headers(None))
    assert response.status_code == 403


def test_recruiter_of_other_tenant_gets_404(client, world):
    client.force_login(recruiter("gus", world.globex))
    assert client.get(PROFILES, {"job_reference": world.job.reference}).status_code == 404
    own = client.get(PROFILES, {"job_reference": world.other_job.reference}).json()
    assert [i["reference"] for i in own["items"]] == [world.other_candidate.reference]


def test_archived_job_is_404_and_archived_candidates_absent(acme_client, world):
    alice = world.candidates[0]
    alice.archived = True
    alice.save()
    response = acme_client.get(PROFILES, {"job_reference": world.job.reference})
    assert alice.reference not in response.content.decode()
    world.job.archived = True
    world.job.save()
    assert acme_client.get(PROFILES, {"job_reference": world.job.reference}).status_code == 404


def test_backend_failure_is_502_or_503_with_message(acme_client, world):
    for backend, status in (
        ("tests.support.matching_backend.UnavailableBackend", 503),
        ("tests.support.matching_backend.BrokenBackend", 502),
    ):
        with override_hrflow_settings(BACKEND=backend, TENANT_RESOLVER=RESOLVER):
            response = acme_client.get(PROFILES, {"job_reference": world.job.reference})
        assert response.status_code == status
        assert response.json()["message"]


def test_search_endpoints(acme_client, world):
    profiles = acme_client.get("/hrflow/api/search/profiles/", {"skills": "java"}).json()
    assert [i["document"]["info"]["full_name"] for i in profiles["items"]] == ["Emma Leroy"]
    jobs = acme_client.get("/hrflow/api/search/jobs/", {"text_keywords": "django"}).json()
    assert [i["reference"] for i in jobs["items"]] == [world.job.reference]


def test_schema_documents_the_matching_api(client):
    response = client.get(reverse("hrflow_matching:api-schema"))
    assert response.status_code == 200
    spec = yaml.safe_load(response.content)
    for path in (PROFILES, JOBS, "/hrflow/api/search/profiles/", "/hrflow/api/search/jobs/"):
        operation = spec["paths"][path]["get"]
        names = {p["name"] for p in operation["parameters"]}
        assert {"skills", "location_distance", "score_threshold", "limit"} <= names
        assert {"200", "400", "502", "503"} <= set(operation["responses"])
    assert "job_reference" in {p["name"] for p in spec["paths"][PROFILES]["get"]["parameters"]}
    assert "ScoredPage" in spec["components"]["schemas"]


def test_missing_adapter_is_503(acme_client, world):
    from example_crm.models import JobOffer
    from hrflow_matching import registry

    adapter = registry.get_adapter(JobOffer)
    registry.unregister(JobOffer)
    try:
        response = acme_client.get(PROFILES, {"job_reference": world.job.reference})
    finally:
        registry._registry[JobOffer] = adapter
    assert response.status_code == 503
    assert "No job adapter is registered" in response.json()["message"]
