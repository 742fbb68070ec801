"""The INDEX flow into the local engine when rows move between tenants or change reference."""

from __future__ import annotations

import pytest

from example_crm.models import Organisation
from hrflow_matching.backends import get_backend
from hrflow_matching.backends.base import Criteria
from hrflow_matching.backends.local.engine import reset_engines
from hrflow_matching.index.indexing import index_events
from hrflow_matching.models import Event
from tests.support.webhook_fixtures import candidate, webhooks  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def local(settings, tmp_path, webhooks):  # noqa: F811
    settings.HRFLOW_MATCHING = {
        **settings.HRFLOW_MATCHING,
        "BACKEND": "local",
        "LOCAL": {"INDEX_DIR": str(tmp_path / "index")},
    }
    reset_engines()
    a = Organisation.objects.create(name="A", slug="a")
    b = Organisation.objects.create(name="B", slug="b")
    yield a, b
    reset_engines()


def found(tenant: str | None) -> set[str]:
    page = get_backend(tenant).search_profiles(Criteria(limit=100))
    return {item.reference for item in page.items}


def pending() -> list[str]:
    events = Event.objects.filter(indexed_at__isnull=True).order_by("created_at")
    return [str(pk) for pk in events.values_list("pk", flat=True)]


def test_a_row_moved_then_archived_leaves_the_first_tenants_index(local):
    a, b = local
    c = candidate(a)
    index_events(pending())
    assert found("a") == {c.reference}
    c.organisation = b
    c.save()
    c.archived = True
    c.save()
    index_events(pending())  # one group: the archive, announced in tenant b
    assert c.reference not in found("a") | found("b") | found(None)


def test_events_handled_out_of_order_leave_a_moved_row_where_it_is_now(local):
    a, b = local
    c = candidate(a)
    [saved_in_a] = pending()
    c.organisation = b
    c.save()
    moved = [e for e in pending() if e != saved_in_a]  # the archive for a, the create for b
    assert len(moved) == 2
    index_events(moved)
    index_events([saved_in_a])  # a retry of the older event, after the newer one
    assert found("b") == {c.reference} and found("a") == set()


def test_a_changed_reference_leaves_no_copy_under_the_old_one(local):
    c = candidate()
    index_events(pending())
    old = c.reference
    c.reference = "cand-renamed"
    c.save()
    index_events(pending())
    assert found(None) == {"cand-renamed"} and old != "cand-renamed"
