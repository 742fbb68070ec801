"""The admin mixin: "Find matching candidates / jobs" on the CRM's change pages."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from hrflow_matching.testing import override_hrflow_settings
from tests.support.matching_data import build_world, recruiter

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    with override_hrflow_settings(BACKEND="tests.support.matching_backend.SimpleBackend"):
        yield build_world()


def change_page(client, obj) -> str:
    url = reverse(f"admin:example_crm_{obj._meta.model_name}_change", args=[obj.pk])
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_links_on_job_and_candidate_change_pages(admin_client, world):
    html = change_page(admin_client, world.job)
    link = reverse("hrflow_matching:matching_profiles_for_job", args=[world.job.reference])
    assert "Find matching candidates" in html and link in html
    alice = world.candidates[0]
    html = change_page(admin_client, alice)
    assert "Find matching jobs" in html
    assert reverse("hrflow_matching:matching_jobs_for_profile", args=[alice.reference]) in html
    # The link leads to a working page.
    assert admin_client.get(link).status_code == 200


def test_no_link_without_permission_or_for_archived_rows(client, admin_client, world):
    user = recruiter("eve", world.acme, permitted=False)
    user.user_permissions.add(
        *Permission.objects.filter(codename__in=["change_joboffer", "view_joboffer"])
    )
    client.force_login(user)
    assert "Find matching candidates" not in change_page(client, world.job)
    world.job.archived = True
    world.job.save()
    assert "Find matching candidates" not in change_page(admin_client, world.job)
