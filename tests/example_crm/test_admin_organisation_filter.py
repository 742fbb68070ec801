"""The example CRM's admin offers a recruiter only their own organisation (issue #15, 4)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission, User

from example_crm.models import Candidate, Organisation, Recruiter

pytestmark = pytest.mark.django_db


def staff(username: str, org: Organisation | None) -> User:
    user = User.objects.create_user(username, password="pw", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename="view_candidate"))
    if org is not None:
        Recruiter.objects.create(user=user, organisation=org)
    return user


def filter_choices(response) -> list[str]:
    """The organisations the filter offers (a filter of one choice is not shown: none)."""
    cl = response.context["cl"]
    spec = cl.get_filters(response.wsgi_request)[0]
    [organisation] = [s for s in spec if getattr(s, "field_path", "") == "organisation"] or [None]
    return [name for _pk, name in organisation.lookup_choices] if organisation else []


def test_the_organisation_filter_lists_only_the_recruiters_own(client):
    acme = Organisation.objects.create(name="Acme", slug="acme")
    globex = Organisation.objects.create(name="Globex", slug="globex")
    Candidate.objects.create(first_name="A", last_name="A", organisation=acme)
    Candidate.objects.create(first_name="G", last_name="G", organisation=globex)
    Candidate.objects.create(first_name="N", last_name="N", organisation=None)
    client.force_login(staff("ann", acme))
    listing = client.get("/admin/example_crm/candidate/")
    assert filter_choices(listing) == ["Acme"]  # was: every client company of the CRM
    assert "Globex" not in listing.content.decode()
    # Staff not linked to an organisation yet: rows of no organisation, no client's.
    client.force_login(staff("newcomer", None))
    listing = client.get("/admin/example_crm/candidate/")
    assert filter_choices(listing) == []
    assert [str(c) for c in listing.context["cl"].result_list] == ["N N"]
    client.force_login(User.objects.create_superuser("root", password="pw"))
    assert filter_choices(client.get("/admin/example_crm/candidate/")) == ["Acme", "Globex"]
