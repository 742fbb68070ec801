"""Tombstones are keyed by (model, tenant, reference) (issue #15, 3).

In a CRM whose references are unique per tenant only, tenant A's create or delete of ``X``
must not erase or overwrite tenant B's tombstone for ``X``. The example CRM's references are
globally unique, so the fixture re-registers the candidate adapter with the last name as the
reference: "Martin" in two organisations is two different people.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from example_crm.models import Candidate, Organisation
from hrflow_matching import registry
from hrflow_matching.models import Tombstone
from tests.support.api_helpers import KeyClient, make_key, no_settle  # noqa: F401 (a fixture)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_settle")]


@pytest.fixture
def per_tenant_references() -> Iterator[None]:
    original = type(registry.get_adapter(Candidate))
    registry.unregister(Candidate)
    subclass = type("LastNameAdapter", (original,), {"reference_field": "last_name"})
    registry.register(Candidate)(subclass)
    try:
        yield
    finally:
        registry.unregister(Candidate)
        registry.register(Candidate)(original)


def person(org: Organisation, last_name: str = "Martin") -> Candidate:
    return Candidate.objects.create(first_name="A", last_name=last_name, organisation=org)


def graves() -> set[tuple[str | None, str]]:
    return set(Tombstone.objects.values_list("tenant", "reference"))


def test_one_tenants_create_or_delete_leaves_the_others_tombstone(per_tenant_references):
    a = Organisation.objects.create(name="A", slug="a")
    b = Organisation.objects.create(name="B", slug="b")
    person(a).delete()
    assert graves() == {("a", "Martin")}
    b_martin = person(b)  # B's own Martin: A's Martin is still deleted
    assert graves() == {("a", "Martin")}
    first = Tombstone.objects.get(tenant="a").archived_at
    b_martin.delete()  # B's delete does not overwrite A's tombstone
    assert graves() == {("a", "Martin"), ("b", "Martin")}
    assert Tombstone.objects.get(tenant="a").archived_at == first
    for tenant in "ab":
        gone = KeyClient(make_key(tenant)).get("/hrflow/api/profiles/Martin/")
        assert gone.status_code == 410
    person(a)  # Martin lives again in A only
    assert graves() == {("b", "Martin")}
    assert KeyClient(make_key("a")).get("/hrflow/api/profiles/Martin/").status_code == 200
    assert KeyClient(make_key("b")).get("/hrflow/api/profiles/Martin/").status_code == 410


def test_rows_without_a_tenant_keep_one_tombstone_per_reference(per_tenant_references):
    person(None).delete()
    person(None).delete()
    assert list(Tombstone.objects.values_list("tenant", "reference")) == [(None, "Martin")]
