"""A row that moves to another tenant is archived for the old one (issue #15, 2).

The old tenant's endpoints get ``*_archive``, its pull meets a tombstone and its lookup a 410;
the new tenant's endpoints get ``*_create`` and its pull and lookup see the row.
"""

from __future__ import annotations

import pytest
from django.db import transaction

from example_crm.models import Candidate, Organisation
from hrflow_matching import deferred, paused
from hrflow_matching.models import Delivery, Event, Tombstone, WebhookEndpoint
from tests.support.api_helpers import KeyClient, make_key, no_settle  # noqa: F401 (a fixture)
from tests.support.webhook_fixtures import candidate, job, webhooks  # noqa: F401

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("no_settle")]


@pytest.fixture
def orgs(webhooks):  # noqa: F811
    a = Organisation.objects.create(name="A", slug="a")
    b = Organisation.objects.create(name="B", slug="b")
    endpoints = {
        t: WebhookEndpoint.objects.create(url=f"http://127.0.0.1:9/{t}", tenant=t) for t in "ab"
    }
    return a, b, endpoints


def sent(endpoint: WebhookEndpoint, reference: str) -> list[str]:
    rows = Delivery.objects.filter(endpoint=endpoint, event__reference=reference)
    return list(rows.order_by("event__created_at").values_list("event__event_type", flat=True))


@pytest.mark.parametrize("make", [candidate, job])
def test_moving_a_row_archives_it_for_the_old_tenant(orgs, make):
    a, b, endpoints = orgs
    row = make(a)
    kind = "profile" if isinstance(row, Candidate) else "job"
    row = type(row).objects.get(pk=row.pk)  # loaded, as an admin form does
    row.organisation = b
    row.save()
    ref = row.reference
    assert sent(endpoints["a"], ref) == [f"{kind}_create", f"{kind}_archive"]
    assert sent(endpoints["b"], ref) == [f"{kind}_create"]
    archive = Event.objects.get(reference=ref, event_type=f"{kind}_archive")
    assert archive.tenant == "a"
    # The old tenant's pull sees it gone, its lookup answers 410; the new tenant's sees it.
    path = f"/hrflow/api/{kind}s/"
    old, new = KeyClient(make_key("a")), KeyClient(make_key("b"))
    listed = old.get(path).json()["results"]
    assert [(d["reference"], d["archived_at"] is not None) for d in listed] == [(ref, True)]
    gone = old.get(f"{path}{ref}/")
    assert gone.status_code == 410 and gone.json()["reference"] == ref
    assert new.get(f"{path}{ref}/").status_code == 200
    assert [d["reference"] for d in new.get(path).json()["results"]] == [ref]
    # Moving back: a create for "a" again, whose tombstone goes; "b" now has one.
    row.organisation = a
    row.save()
    assert sent(endpoints["a"], ref)[-1] == f"{kind}_create"
    assert sent(endpoints["b"], ref) == [f"{kind}_create", f"{kind}_archive"]
    assert set(Tombstone.objects.values_list("tenant", "reference")) == {("b", ref)}
    assert old.get(f"{path}{ref}/").status_code == 200


def test_a_row_saved_without_being_loaded_is_seen_moving(orgs):
    a, b, endpoints = orgs
    row = candidate(a)
    fresh = Candidate.objects.get(pk=row.pk)
    Candidate.objects.filter(pk=row.pk).update(first_name="x")  # no signal
    stale = Candidate(**{f.attname: getattr(fresh, f.attname) for f in Candidate._meta.fields})
    stale.organisation = b
    stale.save()
    assert sent(endpoints["a"], row.reference) == ["profile_create", "profile_archive"]


def test_an_ordinary_update_is_no_move(orgs):
    a, _b, endpoints = orgs
    row = candidate(a)
    row.first_name = "Grace"
    row.save()
    assert sent(endpoints["a"], row.reference) == ["profile_create", "profile_update"]
    assert not Tombstone.objects.exists()


@pytest.mark.parametrize("block", [transaction.atomic, deferred])
def test_a_move_in_a_transaction_is_not_merged_away(orgs, block):
    a, b, endpoints = orgs
    row = candidate(a)
    with block():
        row.first_name = "Grace"
        row.save()
        row.organisation = b
        row.save()
    # deferred() coalesces the update into the archive; an atomic block has sent it already.
    middle = ["profile_update"] if block is transaction.atomic else []
    assert sent(endpoints["a"], row.reference) == ["profile_create", *middle, "profile_archive"]
    assert sent(endpoints["b"], row.reference) == ["profile_create"]


def test_paused_moves_still_leave_a_tombstone(orgs):
    a, b, endpoints = orgs
    row = candidate(a)
    with paused():
        row.organisation = b
        row.save()
    assert sent(endpoints["a"], row.reference) == ["profile_create"]
    assert list(Tombstone.objects.values_list("tenant", "reference")) == [("a", row.reference)]


def test_an_archived_row_that_moves_is_not_archived_twice(orgs):
    a, b, endpoints = orgs
    row = candidate(a)
    row.archived = True
    row.save()
    row.organisation = b
    row.save()
    assert sent(endpoints["a"], row.reference) == ["profile_create", "profile_archive"]
    assert sent(endpoints["b"], row.reference) == []
