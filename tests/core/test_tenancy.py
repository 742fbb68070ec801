"""The example CRM's tenant resolver: a recruiter's organisation, nothing for anyone else."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory

from example_crm.models import Organisation, Recruiter
from example_crm.tenancy import recruiter_organisation
from hrflow_matching.tenancy import ALL_TENANTS, resolve_request_tenant
from hrflow_matching.testing import override_hrflow_settings

SETTINGS = Path(__file__).resolve().parents[2] / "example_crm" / "settings.py"
RESOLVER = "example_crm.tenancy.recruiter_organisation"


def request_for(user):
    request = RequestFactory().get("/")
    request.user = user
    return request


@pytest.mark.django_db
def test_a_recruiter_acts_for_their_organisation_only() -> None:
    users = get_user_model().objects
    acme = Organisation.objects.create(name="Acme", slug="acme")
    globex = Organisation.objects.create(name="Globex", slug="globex")
    alice = users.create_user("alice")
    bob = users.create_user("bob")
    Recruiter.objects.create(user=alice, organisation=acme)
    Recruiter.objects.create(user=bob, organisation=globex)
    admin = users.create_superuser("root", password="x")
    assert recruiter_organisation(request_for(alice)) == "acme"
    assert recruiter_organisation(request_for(bob)) == "globex"
    assert recruiter_organisation(request_for(admin)) is ALL_TENANTS  # said explicitly
    assert recruiter_organisation(request_for(AnonymousUser())) is None
    assert recruiter_organisation(RequestFactory().get("/")) is None  # no auth middleware
    with override_hrflow_settings(TENANT_RESOLVER=RESOLVER):
        assert resolve_request_tenant(request_for(alice)) == "acme"
        assert resolve_request_tenant(request_for(admin)) is ALL_TENANTS


def _resolver_setting(monkeypatch: pytest.MonkeyPatch, value: str | None) -> str | None:
    if value is None:
        monkeypatch.delenv("HRFLOW_TENANT_RESOLVER", raising=False)
    else:
        monkeypatch.setenv("HRFLOW_TENANT_RESOLVER", value)
    return runpy.run_path(str(SETTINGS))["HRFLOW_MATCHING"]["TENANT_RESOLVER"]


def test_demo_settings_default_to_the_recruiter_resolver(monkeypatch: pytest.MonkeyPatch) -> None:
    assert _resolver_setting(monkeypatch, None) == RESOLVER
    assert _resolver_setting(monkeypatch, "") is None
    assert _resolver_setting(monkeypatch, "crm.tenants.resolve") == "crm.tenants.resolve"


@pytest.mark.django_db
def test_a_seeded_recruiter_sees_only_their_organisation(client) -> None:
    """The demo's recruiters: own rows in the CRM admin, 404 on another tenant's job page."""
    import datetime as dt

    from django.core.management import call_command

    from example_crm.models import Candidate, JobOffer

    call_command("seed_demo", profiles=10, jobs=4, tenants=2, today=dt.date(2026, 3, 1))
    assert client.login(username="recruiter-org-1", password="demo")
    listing = client.get("/admin/example_crm/candidate/")
    assert listing.status_code == 200
    own = Candidate.objects.filter(organisation__slug="org-1")
    assert listing.context["cl"].result_count == own.count() == 5
    other = Candidate.objects.filter(organisation__slug="org-2").first()
    response = client.get(f"/admin/example_crm/candidate/{other.pk}/change/")
    assert response.status_code == 302  # the admin's "does not exist" redirect
    form = client.get(f"/admin/example_crm/candidate/{own.first().pk}/change/")
    assert list(form.context["adminform"].form.fields["organisation"].queryset) == [
        Organisation.objects.get(slug="org-1")
    ]
    other_job = JobOffer.objects.filter(organisation__slug="org-2", archived=False).first()
    with override_hrflow_settings(TENANT_RESOLVER=RESOLVER):
        page = client.get(f"/hrflow/matching/jobs/{other_job.reference}/")
    assert page.status_code == 404
