"""``hrflow_reconcile`` (issue #14, point 4): writes that bypass signals are found by document
fingerprint and get their events; a second run records nothing; the beat runs it nightly."""

from __future__ import annotations

import time
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from example_crm.models import Candidate, JobOffer
from hrflow_matching.models import Delivery, DocumentFingerprint, Event, WebhookEndpoint
from hrflow_matching.schedule import BEAT_SCHEDULE
from hrflow_matching.tasks import run_sweep
from tests.support.webhook_fixtures import candidate, job, webhooks  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)


def drive() -> None:
    deadline = time.monotonic() + 10
    while Delivery.objects.filter(status="pending").exists() and time.monotonic() < deadline:
        run_sweep(publish=False)


def reconcile(*args: str) -> str:
    out = StringIO()
    call_command("hrflow_reconcile", "--no-progress", *args, stdout=out)
    return out.getvalue()


def types() -> list[tuple[str, str]]:
    return sorted(Event.objects.values_list("event_type", "reference"))


def test_writes_without_signals_get_their_events(webhooks):  # noqa: F811
    WebhookEndpoint.objects.create(url="http://127.0.0.1:9/hook")
    c1, c2, c3 = candidate(), candidate(), candidate()
    j = job()
    drive()  # announced: every row has a fingerprint now
    assert DocumentFingerprint.objects.count() == 4
    Event.objects.all().delete()
    assert "nothing to record" in reconcile()

    Candidate.objects.filter(pk=c1.pk).update(current_title="Pipeline: interview")  # drag & drop
    Candidate.objects.filter(pk=c2.pk).update(archived=True)
    with connection.cursor() as cursor:  # raw SQL delete: no pre_delete
        cursor.execute(f"DELETE FROM {Candidate._meta.db_table} WHERE id = %s", [c3.pk])
    JobOffer.objects.bulk_create([JobOffer(title="Imported", reference="job-imported")])

    out = reconcile()
    assert types() == sorted(
        [
            ("profile_update", c1.reference),
            ("profile_archive", c2.reference),
            ("profile_archive", c3.reference),
            ("job_create", "job-imported"),
        ]
    )
    assert "3 rows checked" not in out and "1 update" in out
    drive()
    assert reconcile().count("nothing to record") == 2  # fingerprints caught up
    assert j.reference not in {r for _, r in types()}


def test_kind_since_and_baseline(webhooks):  # noqa: F811
    c = candidate()
    job()
    assert "1 create" in reconcile("--kind", "profiles")
    assert {t for t, _ in types()} == {"profile_create", "job_create"}  # from the saves
    Event.objects.all().delete()
    assert "fingerprints recorded" in reconcile("--baseline")
    assert Event.objects.count() == 0
    assert "nothing to record" in reconcile("--since", "2000-01-01")
    Candidate.objects.filter(pk=c.pk).update(summary="Changed behind the app's back")
    assert "nothing to record" in reconcile("--kind", "profiles", "--since", "2999-01-01")
    assert "1 update" in reconcile("--kind", "profiles")


def test_beat_runs_reconcile_nightly() -> None:
    entry = BEAT_SCHEDULE["hrflow-reconcile"]
    assert entry["task"] == "hrflow_matching.reconcile"
    assert entry["schedule"].hour == {3}
