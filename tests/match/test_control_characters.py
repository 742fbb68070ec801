"""NUL and other C0 control characters in list criteria are a 400 (issue #15, 6).

PostgreSQL refuses NUL in text, and the page used to say "the matching service cannot be
reached" (503): bad input looked like an outage. Every list criterion now refuses them, on the
recruiter pages and in the JSON matching API, before any backend is asked.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from hrflow_matching.testing import override_hrflow_settings
from tests.support.matching_fixtures import RESOLVER

pytestmark = pytest.mark.django_db

LISTS = ["text_keywords", "skills", "languages", "tags_included", "tags_excluded"]
BAD = ["py\x00thon", "a\x01b", "x\x1bz", "del\x7f"]


@pytest.mark.parametrize("value", BAD)
@pytest.mark.parametrize("name", LISTS)
def test_page_and_api_refuse_control_characters(acme_client, world, name, value):
    page = acme_client.get(reverse("hrflow_matching:search_profiles"), {name: value})
    assert page.status_code == 400
    assert page.context["form"].errors[name] == [
        "Control characters (such as NUL) are not allowed."
    ]
    api = acme_client.get("/hrflow/api/search/jobs/", {name: value})
    assert api.status_code == 400
    assert list(api.json()["errors"]) == [name]


@pytest.mark.parametrize("name", LISTS)
def test_the_local_engine_never_sees_them(acme_client, world, name):
    """On PostgreSQL the NUL used to reach SQL and come back as a 503."""
    with override_hrflow_settings(BACKEND="local", TENANT_RESOLVER=RESOLVER):
        response = acme_client.get("/hrflow/api/search/profiles/", {name: "a\x00b"})
    assert response.status_code == 400, response.content


def test_tabs_and_line_breaks_are_spaces_not_errors(acme_client, world):
    response = acme_client.get("/hrflow/api/search/profiles/", {"skills": "python\t\n"})
    assert response.status_code == 200, response.content
