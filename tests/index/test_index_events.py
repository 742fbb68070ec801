"""INDEX flow: events keep the tenant's matching backend current; the database records it."""

from __future__ import annotations

import pytest

from example_crm.models import Organisation
from hrflow_matching.index.indexing import MAX_INDEX_ATTEMPTS, index_events, sync_object
from hrflow_matching.models import Event
from hrflow_matching.tasks import run_sweep
from tests.support import webhook_backend
from tests.support.webhook_backend import RecordingIndexBackend
from tests.support.webhook_fixtures import candidate, job, webhooks  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)


def test_events_index_and_archive_in_the_rows_tenant(webhooks):  # noqa: F811
    org = Organisation.objects.create(name="A", slug="a")
    c = candidate(org)
    j = job()
    run_sweep(publish=False)
    assert ("a", "index", "profile", [c.reference]) in webhook_backend.CALLS
    assert (None, "index", "job", [j.reference]) in webhook_backend.CALLS
    assert not Event.objects.filter(indexed_at__isnull=True).exists()
    webhook_backend.CALLS.clear()
    c.archived = True
    c.save()
    ref = j.reference
    j.delete()
    run_sweep(publish=False)
    assert sorted(webhook_backend.CALLS, key=repr) == sorted(
        [("a", "archive", "profile", [c.reference]), (None, "archive", "job", [ref])], key=repr
    )


def test_row_gone_or_archived_means_archive(webhooks):  # noqa: F811
    c = candidate()
    sync_object("example_crm.candidate", "999999", "cand-gone", "profile_update", None)
    c.archived = True
    c.save()
    sync_object("example_crm.candidate", str(c.pk), c.reference, "profile_update", None)
    assert webhook_backend.CALLS[-2:] == [
        (None, "archive", "profile", ["cand-gone"]),
        (None, "archive", "profile", [c.reference]),
    ]


def test_failing_backend_is_retried_by_the_sweeper_then_left(webhooks):  # noqa: F811
    RecordingIndexBackend.fail = True
    c = candidate()
    event = Event.objects.get()
    assert index_events([str(event.pk)]) == 0
    event.refresh_from_db()
    assert (
        event.indexed_at is None
        and event.index_attempts == 1
        and "backend down" in event.index_error
    )
    RecordingIndexBackend.fail = False
    run_sweep(publish=False)
    event.refresh_from_db()
    assert event.indexed_at is not None
    assert (None, "index", "profile", [c.reference]) in webhook_backend.CALLS
    RecordingIndexBackend.fail = True
    candidate()
    for _ in range(MAX_INDEX_ATTEMPTS + 2):
        run_sweep(publish=False)
    stuck = Event.objects.get(indexed_at__isnull=True)
    assert stuck.index_attempts == MAX_INDEX_ATTEMPTS


def test_purge_old_attempts_and_finished_events(webhooks):  # noqa: F811
    import datetime as dt

    from django.utils import timezone

    from hrflow_matching.models import Delivery, DeliveryAttempt, WebhookEndpoint
    from hrflow_matching.tasks import purge_old

    ep = WebhookEndpoint.objects.create(url="http://127.0.0.1:9/x")
    done, failed = candidate(), candidate()
    old = timezone.now() - dt.timedelta(days=31)
    Event.objects.update(created_at=old, indexed_at=old)
    Delivery.objects.filter(event__reference=done.reference).update(status="success")
    Delivery.objects.filter(event__reference=failed.reference).update(status="failed")
    for d in Delivery.objects.all():
        DeliveryAttempt.objects.create(delivery=d, number=1, created_at=old, status_code=500)
    result = purge_old()
    assert result["attempts"] >= 2
    assert not Event.objects.filter(reference=done.reference).exists()
    assert Delivery.objects.filter(event__reference=failed.reference, endpoint=ep).exists()
    assert DeliveryAttempt.objects.count() == 0


def test_purge_takes_old_events_whose_indexing_gave_up(webhooks):  # noqa: F811
    """Indexing that failed MAX_INDEX_ATTEMPTS times is over too: its event goes when old."""
    import datetime as dt

    from django.utils import timezone

    from hrflow_matching.index.indexing import MAX_INDEX_ATTEMPTS
    from hrflow_matching.tasks import purge_old

    gave_up, retrying = candidate(), candidate()
    old = timezone.now() - dt.timedelta(days=31)
    Event.objects.update(created_at=old, indexed_at=None, index_error="backend down")
    Event.objects.filter(reference=gave_up.reference).update(index_attempts=MAX_INDEX_ATTEMPTS)
    Event.objects.filter(reference=retrying.reference).update(index_attempts=1)
    purge_old()
    assert not Event.objects.filter(reference=gave_up.reference).exists()
    assert Event.objects.filter(reference=retrying.reference).exists()
