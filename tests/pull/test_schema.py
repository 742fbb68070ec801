"""OpenAPI schema and docs of the pull API, and schemathesis against the schema.

schemathesis generates requests from the schema (valid and invalid parameters, odd
references) and checks that no response is a 5xx and that every response conforms to the
schema (status code, content type, body).
"""

from __future__ import annotations

import json

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from django.test import Client
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from example_crm.models import Candidate
from tests.support.api_helpers import T0, candidate, job, make_key, no_settle

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_settle")]
__all__ = ["no_settle"]

PULL_PATHS = ("/hrflow/api/profiles/", "/hrflow/api/jobs/")


def get_schema() -> dict:
    response = Client().get("/hrflow/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return json.loads(response.content)


def test_schema_describes_objects_parameters_errors_and_auth() -> None:
    schema = get_schema()
    components = schema["components"]
    assert components["securitySchemes"]["ApiKeyAuth"] == {
        "type": "apiKey",
        "in": "header",
        "name": "X-API-KEY",
        "description": components["securitySchemes"]["ApiKeyAuth"]["description"],
    }
    profile = components["schemas"]["HrFlowProfile"]
    assert {"reference", "info", "text", "archived_at"} <= set(profile["required"])
    assert {"reference", "name", "location", "sections"} <= set(
        components["schemas"]["HrFlowJob"]["required"]
    )
    listing = schema["paths"]["/hrflow/api/profiles/"]["get"]
    params = {p["name"] for p in listing["parameters"]}
    assert params == {
        "updated_since", "updated_until", "include_archived", "page_size", "limit", "cursor"
    }  # fmt: skip
    assert set(listing["responses"]) == {"200", "400", "401", "429"}
    assert "met again" in listing["description"]  # the cursor contract
    lookup = schema["paths"]["/hrflow/api/jobs/{reference}/"]["get"]
    assert set(lookup["responses"]) == {"200", "401", "404", "410", "429"}
    assert lookup["security"] == [{"ApiKeyAuth": []}]
    assert "HrFlowGone" in json.dumps(lookup["responses"]["410"])


def test_docs_page_serves_swagger_ui_without_a_cdn() -> None:
    response = Client().get("/hrflow/api/docs/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in page
    assert "cdn" not in page.lower() and "unpkg" not in page.lower()
    from django.contrib.staticfiles import finders

    for asset in ("swagger-ui-bundle.js", "swagger-ui-standalone-preset.js", "swagger-ui.css"):
        assert finders.find(f"drf_spectacular_sidecar/swagger-ui-dist/{asset}"), asset


def _seed() -> None:
    for ref in ("plain", "with space", "unicodé", "dots.x"):
        candidate(ref)
    archived = candidate("archived")
    archived.archived = True
    archived.save()
    candidate("deleted").delete()
    job("job-1")
    job("job-gone").delete()
    Candidate.objects.filter(reference="plain").update(updated_at=T0)


@pytest.fixture
def keep_test_connection():
    """Requests go through the real WSGI handler, whose request signals would close the test's
    database connection (and its transaction); Django's test Client disconnects them too."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.usefixtures("keep_test_connection")
def test_schemathesis_finds_no_server_error_and_no_nonconforming_response() -> None:
    _seed()
    key = make_key()
    schema = schemathesis.openapi.from_wsgi("/hrflow/api/schema/", get_wsgi_application())
    operations = [
        result.ok()
        for result in schema.get_all_operations()
        if result.ok().path.startswith(PULL_PATHS)
    ]
    assert len(operations) == 4
    checks = [
        not_a_server_error,
        status_code_conformance,
        content_type_conformance,
        response_schema_conformance,
    ]
    for operation in operations:
        for mode in ("positive", "negative"):
            strategy = operation.as_strategy(generation_mode=schemathesis.GenerationMode(mode))

            @settings(
                max_examples=20,
                deadline=None,
                database=None,
                derandomize=True,
                suppress_health_check=list(HealthCheck),
            )
            @given(case=strategy)
            def run(case: schemathesis.Case) -> None:
                case.call_and_validate(headers={"X-API-KEY": key}, checks=checks)

            run()
