"""Updates that change nothing send nothing (issue #14, defect 3), and events keep their order
(defect 5): decided in the sender, by document fingerprint, with a real receiver."""

from __future__ import annotations

import datetime as dt
import json
import time

import pytest
from django.core.management import call_command
from django.db import transaction

from example_crm.models import Skill
from hrflow_matching.models import Delivery, DocumentFingerprint, Event, WebhookEndpoint
from hrflow_matching.tasks import run_sweep
from tests.support.webhook_fixtures import candidate, job, webhooks  # noqa: F401
from tests.support.webhook_support import start_receiver

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def receiver():
    rec = start_receiver()
    yield rec
    rec.close()


def drive(timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run_sweep(publish=False)
        if not Delivery.objects.filter(status=Delivery.Status.PENDING).exists():
            return
        time.sleep(0.01)
    raise AssertionError("deliveries still pending")


def sent(rec, path: str = "/ok") -> list[tuple[str, str]]:
    return [
        (json.loads(r.body)["event_type"], json.loads(r.body)["reference"]) for r in rec.hits(path)
    ]


def test_adding_related_rows_already_there_records_nothing(webhooks):  # noqa: F811
    """A host ``__str__`` calling ``.add()`` on every render: ``post_add`` with an empty
    ``pk_set``. Without the check each render recorded a ``job_update``."""
    WebhookEndpoint.objects.create(url="http://127.0.0.1:9/hook")
    skill = Skill.objects.create(name="Celery")
    j = job()
    j.skills.add(skill)
    before = Event.objects.count()
    for _ in range(10):
        j.skills.add(skill)  # already there: Django sends post_add with pk_set == set()
    assert Event.objects.count() == before


def test_a_save_that_changes_no_document_sends_nothing(webhooks, receiver):  # noqa: F811
    WebhookEndpoint.objects.create(url=receiver.url + "/ok")
    c = candidate(current_title="Data engineer")
    drive()
    assert sent(receiver) == [("profile_create", c.reference)]
    assert DocumentFingerprint.objects.filter(object_pk=str(c.pk)).exists()

    c.save()  # nothing changed but the modification date
    c.save()
    drive()
    assert sent(receiver) == [("profile_create", c.reference)]
    assert Delivery.objects.filter(status=Delivery.Status.UNCHANGED).count() == 2

    c.current_title = "Staff data engineer"
    c.save()
    drive()
    assert sent(receiver)[-1] == ("profile_update", c.reference)

    # The delivery log counts what was dropped.
    from io import StringIO

    out = StringIO()
    call_command("hrflow_deliveries", stdout=out)
    assert "unchanged=2" in out.getvalue()


def test_an_update_recorded_before_its_create_was_sent_is_still_sent(webhooks, receiver):  # noqa: F811
    """When in doubt the update goes: the create's fingerprint was taken after the update."""
    WebhookEndpoint.objects.create(url=receiver.url + "/ok")
    c = candidate()
    c.first_name = "Grace"
    c.save()
    drive()
    assert sent(receiver) == [("profile_create", c.reference), ("profile_update", c.reference)]


def test_event_date_has_microseconds(webhooks):  # noqa: F811
    c = candidate()
    body = json.loads(Event.objects.get(reference=c.reference).body)
    date = dt.datetime.strptime(body["event_date"], "%Y-%m-%dT%H:%M:%S.%fZ")
    assert body["event_date"].endswith("Z") and len(body["event_date"]) == len(
        "2026-03-01T14:21:58.123456Z"
    )
    assert date.replace(tzinfo=dt.UTC) == Event.objects.get().event_date


def test_a_references_events_arrive_in_recorded_order(webhooks, receiver):  # noqa: F811
    """An archive and a restore in the same second: the receiver sees them in the order they
    were recorded, even when the first attempt of the archive fails and is retried."""
    WebhookEndpoint.objects.create(url=receiver.url + "/fail-once")  # first answer is a 500
    j = job()
    j.archived = True
    j.save()
    j.archived = False
    j.save()
    # All three events (create, archive, restore) are due at once, in one sweep.
    drive()
    assert [t for t, _ in sent(receiver, "/fail-once")] == [
        "job_create",  # answered 500
        "job_create",
        "job_archive",
        "job_create",
    ]
    dates = [json.loads(r.body)["event_date"] for r in receiver.hits("/fail-once")]
    assert dates[1:] == sorted(dates[1:])


def test_a_later_event_waits_for_an_earlier_one_claimed_elsewhere(webhooks, receiver):  # noqa: F811
    from hrflow_matching.notify.delivery import sender

    WebhookEndpoint.objects.create(url=receiver.url + "/ok")
    with transaction.atomic():
        c = candidate()
    c.first_name = "Grace"
    c.save()
    _first, second = Delivery.objects.order_by("event__created_at")
    outcomes, _ = sender.deliver_many([second.pk])
    assert outcomes[second.pk] == "waiting"  # the create is still pending
    assert receiver.hits("/ok") == []
    drive()
    assert [t for t, _ in sent(receiver)] == ["profile_create", "profile_update"]
