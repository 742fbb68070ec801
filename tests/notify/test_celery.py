"""End to end with real Redis, real Celery worker processes, beat, and a verifying receiver.

Two workers and a beat listen on a queue unique to this run and reach the test database
through ``DATABASE_URL`` (a file on SQLite). The schedule is shrunk to fractions of a second.
"""

from __future__ import annotations

import os
import signal
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction
from standardwebhooks import Webhook

from example_crm.celery import app as celery_app
from hrflow_matching.models import Delivery, Event, WebhookEndpoint
from hrflow_matching.notify import hints
from hrflow_matching.tasks import deliver
from tests.support import services
from tests.support.webhook_fixtures import candidate, job
from tests.support.webhook_support import PrivateRedis, Worker, start_receiver

pytestmark = [pytest.mark.celery, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

QUEUE = f"hrflow-test-{os.getpid()}-{uuid.uuid4().hex[:6]}"
BACKEND = "tests.support.webhook_backend.RecordingIndexBackend"
WEBHOOKS: dict[str, Any] = {
    "ALLOW_PRIVATE": True,
    "HINTS": True,
    "QUEUE": QUEUE,
    "RETRY_SCHEDULE": [0, 0.2, 0.2, 0.2],
    "JITTER": 0,
    "SWEEP_INTERVAL": 0.5,
    "SWEEP_GRACE": 1.0,
    "TOTAL_TIMEOUT": 1.0,
    "CONNECT_TIMEOUT": 0.5,
    "CLAIM_LEASE": 3,
}


def start(queue: str, broker: str, name: str, **kw: Any) -> Worker:
    return Worker(
        queue, WEBHOOKS | {"QUEUE": queue}, broker, name=name,
        extra_env={"HRFLOW_TEST_BACKEND": BACKEND}, **kw,
    )  # fmt: skip


@pytest.fixture(scope="module")
def workers(django_db_setup: None, django_db_blocker: Any) -> Iterator[list[Worker]]:
    broker = services.require_redis() + "/0"
    with django_db_blocker.unblock():
        procs = [
            start(QUEUE, broker, "w1"),
            start(QUEUE, broker, "w2"),
            start(QUEUE, broker, "beat", beat_only=True),
        ]
    try:
        for p in procs:
            p.wait_ready()
        yield procs
    finally:
        for p in procs:
            p.stop()


@pytest.fixture(scope="module", autouse=True)
def publisher_broker() -> Iterator[None]:
    """This process publishes its hints to the workers' Redis (the CRM's settings name no
    broker unless ``CELERY_BROKER_URL`` is set)."""
    original = celery_app.conf.broker_url
    _use_broker(services.require_redis() + "/0")
    yield
    _use_broker(original)


@pytest.fixture(autouse=True)
def fast_settings(settings: Any) -> None:
    settings.HRFLOW_MATCHING = {**settings.HRFLOW_MATCHING, "BACKEND": BACKEND, "WEBHOOKS": {
        **settings.HRFLOW_MATCHING["WEBHOOKS"], **WEBHOOKS}}  # fmt: skip


@pytest.fixture
def receiver():
    rec = start_receiver()
    yield rec
    rec.close()


def settled(timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not Delivery.objects.filter(status=Delivery.Status.PENDING).exists():
            return
        time.sleep(0.1)
    raise AssertionError(
        f"still pending: {list(Delivery.objects.filter(status='pending').values('endpoint__url', 'attempt_count', 'last_error'))}"
    )


def verified(rec, path: str, endpoint: WebhookEndpoint) -> list[dict]:
    return [Webhook(endpoint.secret).verify(r.body, r.headers) for r in rec.hits(path)]


def test_six_events_delivered_exactly_once(workers, receiver):
    ep = WebhookEndpoint.objects.create(url=receiver.url + "/ok")
    c = candidate()
    with transaction.atomic():
        c.first_name = "Grace"
        c.save()
    c.archived = True
    c.save()
    j = job()
    j.title = "Staff engineer"
    j.save()
    j_ref = j.reference
    j.delete()
    settled()
    time.sleep(1.5)  # three more sweeps: nothing is sent twice
    payloads = verified(receiver, "/ok", ep)
    assert sorted((p["event_type"], p["reference"]) for p in payloads) == sorted(
        [
            ("profile_create", c.reference),
            ("profile_update", c.reference),
            ("profile_archive", c.reference),
            ("job_create", j_ref),
            ("job_update", j_ref),
            ("job_archive", j_ref),
        ]
    )
    bodies = {r.body for r in receiver.hits("/ok")}
    assert bodies == {e.body.encode() for e in Event.objects.all()}
    assert Delivery.objects.filter(status="success").count() == 6
    # The INDEX flow ran in the workers too.
    deadline = time.monotonic() + 10
    while Event.objects.filter(indexed_at__isnull=True).exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not Event.objects.filter(indexed_at__isnull=True).exists()


def test_rolled_back_save_sends_nothing(workers, receiver):
    WebhookEndpoint.objects.create(url=receiver.url + "/ok")
    with pytest.raises(RuntimeError), transaction.atomic():
        candidate()
        raise RuntimeError
    time.sleep(1.5)
    assert receiver.hits("/ok") == [] and Event.objects.count() == 0


def test_receiver_failure_modes(workers, receiver):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    paths = ["/fail-once", "/gone", "/throttle", "/redirect", "/hang", "/big"]
    eps = {p: WebhookEndpoint.objects.create(url=receiver.url + p) for p in paths}
    refused = WebhookEndpoint.objects.create(url=f"http://127.0.0.1:{closed}/x")
    candidate()
    settled(40)
    by = {p: Delivery.objects.get(endpoint=eps[p]) for p in paths}
    assert by["/fail-once"].status == "success" and by["/fail-once"].attempt_count == 2
    assert by["/gone"].status == "failed" and by["/gone"].attempt_count == 1
    assert not WebhookEndpoint.objects.get(pk=eps["/gone"].pk).is_active
    assert by["/throttle"].status == "success"
    t1, t2 = receiver.hits("/throttle")
    assert t2.at - t1.at >= 0.2  # Retry-After honoured within [step, 2 x step]
    assert by["/redirect"].status == "failed" and by["/redirect"].last_status_code == 308
    assert receiver.hits("/redirect-target") == []
    assert by["/hang"].status == "failed" and "timeout" in by["/hang"].last_error.lower()
    assert by["/big"].status == "success"
    assert len(by["/big"].attempts.get().response_excerpt) <= 20_000
    d = Delivery.objects.get(endpoint=refused)
    assert d.status == "failed" and d.attempt_count == 4
    for p in paths:
        hits = receiver.hits(p)
        assert len({h.headers["webhook-id"] for h in hits}) == 1
        verified(receiver, p, eps[p])


def test_two_workers_one_due_delivery_received_once(workers, receiver):
    receiver.slow_seconds = 0.6  # under TOTAL_TIMEOUT: one attempt succeeds
    ep = WebhookEndpoint.objects.create(url=receiver.url + "/slow")
    candidate()
    d = Delivery.objects.get()
    for _ in range(3):  # on top of the after-commit hint
        deliver.apply_async(args=[d.pk], queue=QUEUE)
    settled()
    time.sleep(1.0)
    assert len(receiver.hits("/slow")) == 1
    verified(receiver, "/slow", ep)


def test_worker_killed_mid_send_still_delivers_same_id(workers, receiver):
    receiver.slow_seconds = 2.0
    ep = WebhookEndpoint.objects.create(url=receiver.url + "/slow")
    candidate()
    assert receiver.wait_for(lambda: len(receiver.hits("/slow")) == 1, 15)
    for w in workers[:2]:
        for pid in w.child_pids():
            os.kill(pid, signal.SIGKILL)
    settled(30)
    d = Delivery.objects.get()
    assert d.status == "success"
    hits = receiver.hits("/slow")
    assert len(hits) >= 2 and {h.headers["webhook-id"] for h in hits} == {d.msg_id}
    assert d.attempts.count() == 1  # the killed try left no attempt: it died mid-send
    verified(receiver, "/slow", ep)
    for w in workers:
        assert ep.secret.removeprefix("whsec_") not in w.output()


def _use_broker(url: str) -> None:
    """Point this process's Celery app (the hint publisher) at another broker."""
    celery_app.conf.broker_url = url
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


def test_redis_down_during_saves(receiver):
    import shutil

    services.require(shutil.which("redis-server") is not None, "redis-server is not installed")
    redis = PrivateRedis()
    redis.start()
    queue = QUEUE + "-outage"
    procs = [start(queue, redis.url, "o1"), start(queue, redis.url, "obeat", beat_only=True)]
    original = celery_app.conf.broker_url
    try:
        for p in procs:
            p.wait_ready()
        _use_broker(redis.url)
        ep = WebhookEndpoint.objects.create(url=receiver.url + "/outage")
        redis.stop()
        refs = []
        for _ in range(5):
            started = time.monotonic()
            with transaction.atomic():
                refs.append(candidate().reference)
            assert time.monotonic() - started < 1.0  # generous guard: no broker call on this path
        assert Delivery.objects.filter(status="pending").count() == 5
        hints.flush(10)  # the publisher gave up (bounded retries) and dropped the hints
        redis.start()  # same port; empty: the database is the record
        assert receiver.wait_for(lambda: len(receiver.hits("/outage")) >= 5, 60), procs[0].output()[
            -2000:
        ]
        settled(10)
        payloads = verified(receiver, "/outage", ep)
        assert sorted(p["reference"] for p in payloads) == sorted(refs)
    finally:
        _use_broker(original)
        for p in procs:
            p.stop()
        redis.stop()
