"""demo_setup: seeds once, indexes, creates the demo superuser, prints the login; idempotent."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command, get_commands

from example_crm.models import Candidate, JobOffer, Organisation

pytestmark = pytest.mark.django_db


def demo_setup(**options) -> str:
    out = StringIO()
    call_command("demo_setup", profiles=12, jobs=4, tenants=2, port="8765", stdout=out, **options)
    return out.getvalue()


def test_first_run_seeds_indexes_and_prints_the_login() -> None:
    output = demo_setup()
    assert Candidate.objects.count() == 12 and JobOffer.objects.count() == 4
    assert Organisation.objects.count() == 2
    user = get_user_model().objects.get(username="demo")
    assert user.is_superuser and user.is_staff and user.check_password("demo")
    assert "http://127.0.0.1:8765/admin/" in output
    assert "demo / demo" in output
    assert "recruiter-org-1 / demo" in output
    if "hrflow_sync" in get_commands():
        assert "hrflow_sync" in output


def test_second_run_changes_nothing_and_keeps_a_changed_password() -> None:
    demo_setup()
    user = get_user_model().objects.get(username="demo")
    user.set_password("changed")
    user.save()
    before = list(Candidate.objects.values_list("reference", "updated_at"))
    output = demo_setup()
    assert "not seeding" in output and "hrflow_sync" not in output
    assert list(Candidate.objects.values_list("reference", "updated_at")) == before
    assert get_user_model().objects.get(username="demo").check_password("changed")
    assert "password unchanged" in output


def test_the_demo_login_opens_the_admin_with_seeded_candidates(client) -> None:
    demo_setup()
    assert client.login(username="demo", password="demo")
    response = client.get("/admin/example_crm/candidate/")
    assert response.status_code == 200
    assert b"12 candidates" in response.content
    assert client.get("/admin/example_crm/joboffer/").status_code == 200
