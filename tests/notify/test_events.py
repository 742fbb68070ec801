"""Events: one per write path, outbox rows in the CRM's transaction, coalescing, bulk paths, tenants."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.core import serializers
from django.core.management import call_command
from django.db import transaction

from example_crm.models import Candidate, JobOffer, Organisation, Skill, WorkExperience
from hrflow_matching import deferred, paused, sync
from hrflow_matching.models import Delivery, Event, WebhookEndpoint
from hrflow_matching.notify.events import merge
from tests.support.webhook_fixtures import candidate, job, webhooks  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)


def types(reference: str | None = None) -> list[str]:
    qs = Event.objects.order_by("created_at")
    if reference:
        qs = qs.filter(reference=reference)
    return list(qs.values_list("event_type", flat=True))


def test_each_write_path_records_exactly_one_event(webhooks):  # noqa: F811
    endpoint = WebhookEndpoint.objects.create(url="http://127.0.0.1:9/hook")
    c = candidate()
    c.first_name = "Grace"
    c.save()
    skill = Skill.objects.create(name="Python")
    c.skills.add(skill)
    WorkExperience.objects.create(candidate=c, title="Dev", start_date=dt.date(2020, 1, 1))
    c.archived = True
    c.save()
    c.save()  # saving an archived row again is no event
    c.archived = False
    c.save()  # restore: a create
    skill.candidates.remove(c)  # reverse side of the m2m
    ref = c.reference
    c.delete()
    assert types(ref) == [
        "profile_create",
        "profile_update",
        "profile_update",
        "profile_update",
        "profile_archive",
        "profile_create",
        "profile_update",
        "profile_archive",
    ]
    j = job()
    j.title = "Senior engineer"
    j.save()
    j.skills.add(skill)
    j.archived = True
    j.save()
    j2 = job()
    j2_ref = j2.reference
    j2.delete()
    assert types(j.reference) == ["job_create", "job_update", "job_update", "job_archive"]
    assert types(j2_ref) == ["job_create", "job_archive"]
    # One delivery per event for the one endpoint, each with its own webhook-id.
    assert Delivery.objects.filter(endpoint=endpoint).count() == Event.objects.count()
    ids = list(Delivery.objects.values_list("msg_id", flat=True))
    assert len(set(ids)) == len(ids) and all(re.fullmatch(r"msg_[0-9a-f]{32}", i) for i in ids)


def test_body_is_the_documented_compact_json(webhooks):  # noqa: F811
    c = candidate()
    event = Event.objects.get()
    body = json.loads(event.body)
    assert body == {
        "reference": c.reference,
        "event_type": "profile_create",
        "event_date": event.event_date.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
    }
    assert event.body == json.dumps(body, separators=(",", ":"))
    assert event.body.endswith('Z"}')


def test_fixture_loads_emit_nothing(webhooks, tmp_path):  # noqa: F811
    """``loaddata`` of a candidate with skills and an experience: the raw saves, the skills it
    sets afterwards (``m2m_changed`` has no ``raw`` flag) and the child row record nothing."""
    WebhookEndpoint.objects.create(url="http://127.0.0.1:9/hook")
    with paused():
        c = candidate()
        c.skills.add(Skill.objects.create(name="Fixture loading"))
        WorkExperience.objects.create(
            candidate=c, title="Archivist", company="Loaders", start_date=dt.date(2020, 1, 1)
        )
        rows = [c, *c.skills.all(), *WorkExperience.objects.filter(candidate=c)]
        fixture = tmp_path / "crm.json"
        fixture.write_text(serializers.serialize("json", rows))
        Candidate.objects.all().delete()
    call_command("loaddata", str(fixture), verbosity=0)
    loaded = Candidate.objects.get()
    assert loaded.skills.count() == 1 and loaded.experiences.count() == 1
    assert Event.objects.count() == 0 and Delivery.objects.count() == 0
    loaded.skills.clear()  # an ordinary change of a loaded row is an event again
    assert types() == ["profile_update"]


def test_a_raw_save_does_not_silence_later_relation_changes(webhooks):  # noqa: F811
    with paused():
        c = candidate()
    c.save_base(raw=True)
    c.save()
    c.skills.add(Skill.objects.create(name="After the fixture"))
    assert types(c.reference) == ["profile_update", "profile_update"]


def test_rolled_back_transaction_leaves_nothing(webhooks):  # noqa: F811
    WebhookEndpoint.objects.create(url="http://127.0.0.1:9/hook")
    with pytest.raises(RuntimeError), transaction.atomic():
        c = candidate()
        c.first_name = "X"
        c.save()
        raise RuntimeError("rollback")
    assert Event.objects.count() == 0 and Delivery.objects.count() == 0
    candidate()
    assert types() == ["profile_create"] and Delivery.objects.count() == 1


def test_coalescing_within_one_transaction(webhooks):  # noqa: F811
    with transaction.atomic():
        c = candidate()
        c.first_name = "B"
        c.save()
        c.skills.add(Skill.objects.create(name="Go"))
    assert types(c.reference) == ["profile_create"]

    with transaction.atomic():
        c.first_name = "C"
        c.save()
        c.last_name = "D"
        c.save()
    assert types(c.reference) == ["profile_create", "profile_update"]

    with transaction.atomic():
        c.save()
        c.archived = True
        c.save()
    assert types(c.reference) == ["profile_create", "profile_update", "profile_archive"]

    with transaction.atomic():
        d = candidate()
        d.save()
        d.delete()
    assert Event.objects.filter(event_type="profile_create").count() == 1  # d left nothing

    e = candidate()
    with transaction.atomic():
        e.archived = True
        e.save()
        e.archived = False
        e.save()  # archive then restore within one transaction: the row changed
    assert types(e.reference) == ["profile_create", "profile_update"]


def test_rolled_back_savepoint_does_not_swallow_the_next_event(webhooks):  # noqa: F811
    c = candidate()
    with transaction.atomic():
        with pytest.raises(RuntimeError), transaction.atomic():
            c.first_name = "inner"
            c.save()
            raise RuntimeError
        c.first_name = "outer"
        c.save()
    assert types(c.reference) == ["profile_create", "profile_update"]


def test_merge_rules():
    assert merge("create", "update") == "create"
    assert merge("update", "archive") == "archive"
    assert merge("create", "archive") is None
    assert merge("archive", "create") == "update"
    assert merge("archive", "update") == "archive"


def test_paused_deferred_and_sync(webhooks):  # noqa: F811
    with paused():
        c = candidate()
        with paused():  # nestable
            c.save()
        c.save()
    assert Event.objects.count() == 0

    with deferred():
        d = candidate()
        for i in range(3):
            d.first_name = f"n{i}"
            d.save()
        with deferred():
            d.save()
        assert Event.objects.count() == 0  # written when the outer block exits
    assert types(d.reference) == ["profile_create"]

    with paused():
        Candidate.objects.bulk_create(
            [Candidate(first_name="b", last_name=str(i), reference=f"bulk-{i}") for i in range(3)]
        )
    Candidate.objects.filter(reference="bulk-2").update(archived=True)
    with transaction.atomic():
        n = sync(Candidate.objects.filter(reference__startswith="bulk-"), created=True)
    assert n == 3
    assert sorted(
        Event.objects.filter(reference__startswith="bulk-").values_list("event_type", flat=True)
    ) == [
        "profile_archive",
        "profile_create",
        "profile_create",
    ]
    Candidate.objects.filter(reference="bulk-0").update(first_name="changed")
    sync(Candidate.objects.filter(reference="bulk-0"))
    assert types("bulk-0") == ["profile_create", "profile_update"]


def test_events_go_only_to_the_endpoints_of_the_rows_tenant(webhooks):  # noqa: F811
    a = Organisation.objects.create(name="A", slug="a")
    b = Organisation.objects.create(name="B", slug="b")
    ep_a = WebhookEndpoint.objects.create(url="http://127.0.0.1:9/a", tenant="a")
    ep_b = WebhookEndpoint.objects.create(url="http://127.0.0.1:9/b", tenant="b")
    ep_none = WebhookEndpoint.objects.create(url="http://127.0.0.1:9/none")
    WebhookEndpoint.objects.create(url="http://127.0.0.1:9/off", tenant="b", is_active=False)
    ep_b_jobs = WebhookEndpoint.objects.create(
        url="http://127.0.0.1:9/bj", tenant="b", events=["job_create"]
    )
    cb = candidate(b)
    assert Event.objects.get(reference=cb.reference).tenant == "b"
    assert {d.endpoint_id for d in Delivery.objects.filter(event__reference=cb.reference)} == {
        ep_b.pk
    }
    ca = candidate(a)
    assert {d.endpoint_id for d in Delivery.objects.filter(event__reference=ca.reference)} == {
        ep_a.pk
    }
    # A tenant-less endpoint gets tenant-less rows only, never every tenant's events.
    c0 = candidate()
    assert {d.endpoint_id for d in Delivery.objects.filter(event__reference=c0.reference)} == {
        ep_none.pk
    }
    jb = job(b)
    assert {d.endpoint_id for d in Delivery.objects.filter(event__reference=jb.reference)} == {
        ep_b.pk,
        ep_b_jobs.pk,
    }
    assert not Delivery.objects.filter(endpoint=ep_none, event__tenant__isnull=False).exists()


def test_unregistered_models_are_ignored(webhooks):  # noqa: F811
    Organisation.objects.create(name="A", slug="a")
    Skill.objects.create(name="Rust")
    assert Event.objects.count() == 0
    assert JobOffer.objects.count() == 0


def test_sync_coalesces_with_saves_in_the_same_transaction(webhooks):  # noqa: F811
    WebhookEndpoint.objects.create(url="http://127.0.0.1:9/hook")
    with transaction.atomic():
        with paused():
            Candidate.objects.bulk_create(
                [Candidate(first_name="s", last_name="1", reference="sync-1")]
            )
        sync(Candidate.objects.filter(reference="sync-1"), created=True)
        c = Candidate.objects.get(reference="sync-1")
        c.first_name = "changed"
        c.save()
        sync(Candidate.objects.filter(reference="sync-1"))
    assert types("sync-1") == ["profile_create"]
    assert Delivery.objects.filter(event__reference="sync-1").count() == 1
    with paused():
        assert sync(Candidate.objects.all()) == 0


def test_outbox_statements_are_visible_to_whoever_watches_queries(webhooks):  # noqa: F811
    """The outbox goes straight to the driver only when nobody watches queries; watched (here
    by ``CaptureQueriesContext``, as by a debug toolbar), it goes through Django's cursor. Both
    write the same rows."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    org = Organisation.objects.create(name="A", slug="a")
    endpoint = WebhookEndpoint.objects.create(url="http://127.0.0.1:9/a", tenant="a")
    with CaptureQueriesContext(connection) as watched:
        observed = candidate(org)
    assert any(
        "hrflow_outbox_write" in q["sql"] or "hrflow_matching_delivery" in q["sql"]
        for q in watched.captured_queries
    )
    unobserved = candidate(org)
    for row in (observed, unobserved):
        event = Event.objects.get(reference=row.reference)
        assert (event.event_type, event.tenant) == ("profile_create", "a")
        deliveries = list(Delivery.objects.filter(event=event))
        assert [d.endpoint_id for d in deliveries] == [endpoint.pk]
        assert re.fullmatch(r"msg_[0-9a-f]{32}", deliveries[0].msg_id)
        assert deliveries[0].status == "pending"
