"""Recruiter pages: access, first view from the job's data, filters, paging, errors, tenants."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from hrflow_matching.testing import override_hrflow_settings
from tests.support.matching_data import recruiter
from tests.support.matching_fixtures import RESOLVER, SIMPLE

pytestmark = pytest.mark.django_db


def job_url(job) -> str:
    return reverse("hrflow_matching:matching_profiles_for_job", args=[job.reference])


def result_refs(html: str) -> list[str]:
    return re.findall(r'data-reference="([^"]+)"', html)


def result_scores(html: str) -> list[float]:
    return [float(s) for s in re.findall(r'data-score="([^"]+)"', html)]


def test_anonymous_is_redirected_to_login(client, world):
    response = client.get(job_url(world.job))
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


def test_staff_without_permission_gets_403(client, world):
    client.force_login(recruiter("bob", world.acme, permitted=False))
    for url in (job_url(world.job), reverse("hrflow_matching:search_profiles")):
        response = client.get(url)
        assert response.status_code == 403
        html = response.content.decode()
        assert "hrflow_matching.view_matching" in html and "Ask an administrator" in html
        assert world.job.title not in html  # nothing about the job itself


def test_first_view_uses_the_jobs_location_and_experience(acme_client, world):
    response = acme_client.get(job_url(world.job))
    assert response.status_code == 200
    html = response.content.decode()
    refs = result_refs(html)
    by_ref = {c.reference: c for c in world.candidates}
    # within 50 km of Paris: Alice, Bruno, Farid (Orléans, Lyon, Lille, Reims are further)
    assert {str(by_ref[r]) for r in refs} == {"Alice Martin", "Bruno Petit", "Farid Roux"}
    scores = result_scores(html)
    assert scores == sorted(scores, reverse=True)
    assert world.other_candidate.reference not in html  # another tenant's
    form = response.context["form"]
    assert form["location_distance"].value() == 50
    assert form["experiences_duration_min"].value() == 2.0
    # The admin frame: header, breadcrumbs, the job's admin link.
    assert 'id="header"' in html and "breadcrumbs" in html
    assert reverse("admin:example_crm_joboffer_change", args=[world.job.pk]) in html
    assert "Matched" in html and "Why " in html


def test_distance_and_required_skill_change_the_list(acme_client, world):
    wide = acme_client.get(job_url(world.job), {"location_distance": 400})
    assert len(result_refs(wide.content.decode())) == 7  # Lyon, the furthest, is 392 km away
    narrowed = acme_client.get(
        job_url(world.job), {"location_distance": 300, "skills": "PostgreSQL"}
    )
    names = {str(c) for c in world.candidates if c.reference in narrowed.content.decode()}
    assert names == {"Alice Martin", "Chloé Durand"}


def test_invalid_values_are_400_with_field_errors(acme_client, world):
    response = acme_client.get(
        job_url(world.job),
        {
            "location_distance": "-3",
            "experiences_duration_min": "9",
            "experiences_duration_max": "1",
        },
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert "location_distance" in form.errors
    assert "experiences_duration_max" in form.errors
    assert "hm-errors" in response.content.decode()


def test_paging_carries_the_criteria(acme_client, world):
    first = acme_client.get(job_url(world.job), {"location_distance": 1000, "limit": 2})
    html = first.content.decode()
    assert 'rel="next"' in html
    next_url = re.search(r'href="([^"]+)" rel="next"', html).group(1).replace("&amp;", "&")
    second = acme_client.get(next_url)
    assert second.status_code == 200
    assert set(result_refs(second.content.decode())).isdisjoint(result_refs(html))
    assert 'start="3"' in second.content.decode()


@pytest.mark.parametrize("page", ["0", "abc", "-3", "99999"])
def test_an_impossible_page_number_is_page_one(acme_client, world, page):
    response = acme_client.get(job_url(world.job), {"location_distance": 1000, "page": page})
    assert response.status_code == 302
    assert response.url == f"{job_url(world.job)}?location_distance=1000"


def test_a_page_past_the_end_is_the_last_page(acme_client, world):
    query = {"location_distance": 1000, "limit": 2}
    last = acme_client.get(job_url(world.job), query).context["page"].last_page
    response = acme_client.get(job_url(world.job), {**query, "page": 99})
    assert response.status_code == 302 and response.url.endswith(f"&page={last}")
    assert acme_client.get(response.url).status_code == 200


def test_empty_state_says_which_filter_to_loosen(acme_client, world):
    response = acme_client.get(job_url(world.job), {"location_distance": 5, "skills": "Cobol"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "No candidates match" in html
    # One count per filter; removing the distance alone still finds no one (Cobol), so it is
    # not offered.
    assert "Remove “requires Cobol”</a> → 2 candidates" in html
    assert "Remove “within 5 km" not in html


def test_other_tenants_job_and_archived_job_are_404(acme_client, world):
    assert acme_client.get(job_url(world.other_job)).status_code == 404
    assert acme_client.get(job_url(world.job)).status_code == 200
    world.job.archived = True
    world.job.save()
    assert acme_client.get(job_url(world.job)).status_code == 404
    assert (
        acme_client.get(
            reverse("hrflow_matching:matching_profiles_for_job", args=["nope"])
        ).status_code
        == 404
    )


def test_archived_candidates_are_never_shown(acme_client, world):
    alice = world.candidates[0]
    alice.archived = True
    alice.save()
    html = acme_client.get(job_url(world.job)).content.decode()
    assert alice.reference not in html


def test_jobs_for_a_candidate_and_searches(acme_client, world):
    alice = world.candidates[0]
    url = reverse("hrflow_matching:matching_jobs_for_profile", args=[alice.reference])
    response = acme_client.get(url)
    assert response.status_code == 200
    assert result_refs(response.content.decode()) == [world.job.reference]
    search = acme_client.get(reverse("hrflow_matching:search_profiles"), {"skills": "Java"})
    assert [
        str(c) for c in world.candidates if c.reference in result_refs(search.content.decode())
    ] == ["Emma Leroy"]
    bad = acme_client.get(reverse("hrflow_matching:search_jobs"), {"location_distance": 10})
    assert bad.status_code == 400
    assert "location_city" in bad.context["form"].errors  # the city to measure from


def test_a_search_without_keywords_says_it_is_by_recency_not_a_score(acme_client, world):
    url = reverse("hrflow_matching:search_profiles")
    plain = acme_client.get(url, {"skills": "Java"}).content.decode()
    assert "most recently updated first" in plain
    assert "hm-score-value" not in plain and "Why " not in plain
    ranked = acme_client.get(url, {"text_keywords": "developer"}).content.decode()
    assert "best first" in ranked and "hm-score-value" in ranked


@pytest.mark.parametrize(
    ("backend", "status", "message"),
    [
        ("tests.support.matching_backend.UnavailableBackend", 503, "cannot be reached"),
        ("tests.support.matching_backend.BrokenBackend", 502, "could not read"),
    ],
)
def test_backend_failure_is_a_page_with_message_and_retry(
    acme_client, world, backend, status, message
):
    with override_hrflow_settings(BACKEND=backend, TENANT_RESOLVER=RESOLVER):
        response = acme_client.get(job_url(world.job), {"location_distance": 80})
    assert response.status_code == status
    html = response.content.decode()
    assert message in html
    assert "Try again" in html and "location_distance=80" in html


def test_tenant_without_hrflow_configuration_is_a_clear_error(acme_client, world):
    with override_hrflow_settings(
        BACKEND="hrflow", TENANT_RESOLVER=RESOLVER, TENANTS={"globex": {}}
    ):
        response = acme_client.get(job_url(world.job))
    assert response.status_code == 503
    assert "No HrFlow.ai configuration for tenant &quot;acme&quot;" in response.content.decode()


def test_custom_base_template(acme_client, world, tmp_path, settings):
    (tmp_path / "crm_base.html").write_text(
        "<html><body><div id='crm-shell'>{% block content %}{% endblock %}</div></body></html>"
    )
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], tmp_path]}
    ]
    with override_hrflow_settings(
        BACKEND=SIMPLE, TENANT_RESOLVER=RESOLVER, PAGES={"BASE_TEMPLATE": "crm_base.html"}
    ):
        html = acme_client.get(job_url(world.job)).content.decode()
    assert "crm-shell" in html and 'id="header"' not in html
    assert "hm-results" in html


def test_local_engine_page_is_tenant_scoped(client, world):
    """The real local engine behind the page: a recruiter of Acme never sees Globex's rows."""
    from django.core.management import call_command

    with override_hrflow_settings(BACKEND="local", TENANT_RESOLVER=RESOLVER):
        call_command("hrflow_sync", verbosity=0)
        client.force_login(recruiter("ann", world.acme))
        response = client.get(job_url(world.job), {"location_distance": 1000})
        assert response.status_code == 200, response.content[:500]
        html = response.content.decode()
        refs = result_refs(html)
        assert set(refs) == {c.reference for c in world.candidates}
        assert world.other_candidate.reference not in html
        scores = result_scores(html)
        assert scores == sorted(scores, reverse=True)
        assert client.get(job_url(world.other_job)).status_code == 404


def test_missing_adapter_is_a_clear_503(acme_client, world):
    from example_crm.models import JobOffer
    from hrflow_matching import registry

    adapter = registry.get_adapter(JobOffer)
    registry.unregister(JobOffer)
    try:
        response = acme_client.get(job_url(world.job))
    finally:
        registry._registry[JobOffer] = adapter
    assert response.status_code == 503
    assert "No job adapter is registered" in response.content.decode()
