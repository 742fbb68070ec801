"""Sending, in process: signatures, the receiver's answers, retries, auto-disable, claims, ping.

The sweeper is run in a loop here (``run_sweep(publish=False)``); the Celery tests run the same
code in real worker processes.
"""

from __future__ import annotations

import datetime as dt
import logging
import time

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from standardwebhooks import Webhook, WebhookVerificationError

from hrflow_matching.models import Delivery, DeliveryAttempt, Event, WebhookEndpoint
from hrflow_matching.notify.delivery import outcomes, sender
from hrflow_matching.notify.delivery.client import Response
from hrflow_matching.notify.delivery.signing import signed_headers
from hrflow_matching.tasks import run_sweep
from tests.support.webhook_fixtures import candidate, set_webhooks, webhooks  # noqa: F401
from tests.support.webhook_support import start_receiver

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def receiver():
    rec = start_receiver()
    yield rec
    rec.close()


def drive(timeout: float = 10.0) -> None:
    """Run the sweeper until nothing is pending (or the timeout)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run_sweep(publish=False)
        if not Delivery.objects.filter(status=Delivery.Status.PENDING).exists():
            return
        time.sleep(0.01)


def verify_all(rec, endpoint: WebhookEndpoint, path: str) -> list[dict]:
    out = []
    for req in rec.hits(path):
        out.append(Webhook(endpoint.secret).verify(req.body, req.headers))
    return out


def test_delivered_once_signed_with_documented_body(webhooks, receiver):  # noqa: F811
    ep = WebhookEndpoint.objects.create(url=receiver.url + "/ok", headers={"X-API-KEY": "k1"})
    c = candidate()
    drive()
    [req] = receiver.hits("/ok")
    payload = Webhook(ep.secret).verify(req.body, req.headers)
    assert payload == {
        "reference": c.reference,
        "event_type": "profile_create",
        "event_date": payload["event_date"],
    }
    assert req.body == Event.objects.get().body.encode()
    assert req.headers["Content-Type"] == "application/json"
    assert req.headers["Accept"] == "application/json"
    assert req.headers["User-Agent"].startswith("django-hrflow-matching/")
    assert req.headers["X-API-KEY"] == "k1"
    d = Delivery.objects.get()
    assert d.status == "success" and req.headers["webhook-id"] == d.msg_id
    with pytest.raises(WebhookVerificationError):
        Webhook(WebhookEndpoint(url="x").secret).verify(req.body, req.headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(ep.secret).verify(req.body.replace(b"profile", b"job"), req.headers)
    run_sweep(publish=False)
    assert len(receiver.hits("/ok")) == 1


def test_500_then_200_same_id_same_bytes(webhooks, receiver):  # noqa: F811
    ep = WebhookEndpoint.objects.create(url=receiver.url + "/fail-once")
    candidate()
    drive()
    first, second = receiver.hits("/fail-once")
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    assert first.body == second.body
    assert len(verify_all(receiver, ep, "/fail-once")) == 2
    d = Delivery.objects.get()
    assert d.status == "success" and d.attempt_count == 2
    assert [a.status_code for a in d.attempts.order_by("number")] == [500, 200]
    assert WebhookEndpoint.objects.get().failing_since is None


def test_exhausted_schedule_fails_and_can_be_redelivered(webhooks, receiver, settings):  # noqa: F811
    set_webhooks(settings, RETRY_SCHEDULE=[0, 0.05, 0.1])
    ep = WebhookEndpoint.objects.create(url=receiver.url + "/fail-always")
    candidate()
    drive()
    d = Delivery.objects.get()
    assert d.status == "failed" and d.attempt_count == 3
    hits = receiver.hits("/fail-always")
    assert len(hits) == 3 and len({h.headers["webhook-id"] for h in hits}) == 1
    # The timeline follows the schedule (no jitter in tests).
    assert hits[1].at - hits[0].at >= 0.05 and hits[2].at - hits[1].at >= 0.1
    run_sweep(publish=False)
    assert len(receiver.hits("/fail-always")) == 3  # nothing more once failed
    call_command("hrflow_deliveries", "--redeliver-failed")
    drive()
    again = receiver.hits("/fail-always")
    assert len(again) == 6 and {h.headers["webhook-id"] for h in again} == {d.msg_id}
    verify_all(receiver, ep, "/fail-always")
    assert DeliveryAttempt.objects.filter(delivery=d).count() == 6


def test_410_disables_the_endpoint(webhooks, receiver):  # noqa: F811
    WebhookEndpoint.objects.create(url=receiver.url + "/gone")
    candidate()
    drive()
    d = Delivery.objects.get()
    assert d.status == "failed" and d.attempt_count == 1
    ep = WebhookEndpoint.objects.get()
    assert not ep.is_active and "410" in ep.disabled_reason
    candidate()
    assert Delivery.objects.count() == 1  # a disabled endpoint gets no new deliveries


def test_429_retry_after_is_honoured_within_bounds(webhooks, receiver, settings):  # noqa: F811
    set_webhooks(settings, RETRY_SCHEDULE=[0, 0.5, 0.5])
    ep = WebhookEndpoint.objects.create(url=receiver.url + "/throttle")
    candidate()
    drive()
    first, second = receiver.hits("/throttle")
    # Retry-After: 1 against a 0.5 s step: clamped to [0.5, 1.0], so about a second.
    assert second.at - first.at >= 0.95
    assert Delivery.objects.get().status == "success"
    verify_all(receiver, ep, "/throttle")


def test_next_delay_rules():
    def resp(code, retry_after=None, timed_out=False):
        headers = {"Retry-After": retry_after} if retry_after else {}
        return Response(code, b"", headers, 1, timed_out=timed_out)

    schedule = [0, 5, 300, 1800]
    assert outcomes.next_delay(schedule, 1, resp(500)) == pytest.approx(5, rel=0.21)
    assert outcomes.next_delay(schedule, 1, resp(429)) >= 60  # throttled: at least a minute
    assert outcomes.next_delay(schedule, 1, resp(None, timed_out=True)) >= 60
    assert outcomes.next_delay(schedule, 2, resp(429, "400")) == pytest.approx(400, rel=0.01)
    assert outcomes.next_delay(schedule, 2, resp(429, "100000")) <= 2 * 300 * 1.2
    assert outcomes.parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
    assert outcomes.parse_retry_after("soon") is None


def test_308_is_not_followed(webhooks, receiver):  # noqa: F811
    WebhookEndpoint.objects.create(url=receiver.url + "/redirect")
    candidate()
    drive()
    d = Delivery.objects.get()
    assert d.status == "failed" and d.last_status_code == 308
    assert receiver.hits("/redirect-target") == []
    assert set(d.attempts.values_list("status_code", flat=True)) == {308}


def test_hang_times_out_and_big_body_is_cut(webhooks, receiver, settings):  # noqa: F811
    set_webhooks(settings, RETRY_SCHEDULE=[0], TOTAL_TIMEOUT=0.5)
    WebhookEndpoint.objects.create(url=receiver.url + "/hang")
    WebhookEndpoint.objects.create(url=receiver.url + "/big")
    candidate()
    drive()  # gives up after 10 s: a hang that held the worker would leave it pending
    hang = Delivery.objects.get(endpoint__url__endswith="/hang")
    assert hang.status == "failed" and "timeout" in hang.last_error.lower()
    big = Delivery.objects.get(endpoint__url__endswith="/big")
    assert big.status == "success"
    attempt = big.attempts.get()
    assert len(attempt.response_excerpt) <= 20_000


def test_connection_refused_is_retried_then_failed(webhooks):  # noqa: F811
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    WebhookEndpoint.objects.create(url=f"http://127.0.0.1:{port}/nobody")
    candidate()
    drive()
    d = Delivery.objects.get()
    assert d.status == "failed" and d.attempt_count == 4 and d.last_status_code is None
    assert "ConnectionError" in d.last_error


def test_continuous_failure_disables_sporadic_success_does_not(webhooks, receiver, settings):  # noqa: F811
    set_webhooks(
        settings, RETRY_SCHEDULE=[0, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05], DISABLE_AFTER=0.2
    )
    WebhookEndpoint.objects.create(url=receiver.url + "/fail-always")
    candidate()
    drive()
    ep = WebhookEndpoint.objects.get()
    assert not ep.is_active and "failing continuously" in ep.disabled_reason

    WebhookEndpoint.objects.all().delete()
    ok = WebhookEndpoint.objects.create(url=receiver.url + "/fail-once")
    for _ in range(3):
        candidate()
        drive()
        time.sleep(0.1)
        receiver.counters.pop("/fail-once", None)  # fails once again for the next event
    ok.refresh_from_db()
    assert ok.is_active and ok.failing_since is None


def test_a_success_in_the_same_batch_stops_the_failure_clock(webhooks, receiver, settings):  # noqa: F811
    """One failure six days ago, no traffic since, then a batch with a 500 and a 200: the
    endpoint answers, so it is not failing continuously and stays enabled."""
    set_webhooks(settings, RETRY_SCHEDULE=[0, 3600], DISABLE_AFTER=5 * 86400)
    six_days_ago = timezone.now() - dt.timedelta(days=6)
    failing = WebhookEndpoint.objects.create(url=receiver.url + "/fail-once")
    WebhookEndpoint.objects.filter(pk=failing.pk).update(failing_since=six_days_ago)
    candidate()
    candidate()  # two deliveries to one endpoint in one batch: 500, then 200
    drive(timeout=2)
    failing.refresh_from_db()
    assert failing.is_active and failing.failing_since is None
    assert sorted(Delivery.objects.values_list("status", flat=True)) == ["pending", "success"]


def test_a_stale_failure_clock_starts_again(webhooks, receiver, settings):  # noqa: F811
    """A failure long ago (over twice the limit) then silence is not a continuous failure."""
    set_webhooks(settings, RETRY_SCHEDULE=[0, 3600], DISABLE_AFTER=5 * 86400)
    endpoint = WebhookEndpoint.objects.create(url=receiver.url + "/fail-always")
    eleven_days_ago = timezone.now() - dt.timedelta(days=11)
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(failing_since=eleven_days_ago)
    candidate()
    drive(timeout=1)
    endpoint.refresh_from_db()
    assert endpoint.is_active
    assert endpoint.failing_since > timezone.now() - dt.timedelta(minutes=1)


def test_an_unsendable_header_fails_its_delivery_and_spares_the_others(webhooks, receiver):  # noqa: F811
    """A header value HTTP cannot carry (saved before validation, or by hand) is a failed
    attempt, logged and retried; the other endpoint of the batch gets its message once."""
    bad = WebhookEndpoint.objects.create(url=receiver.url + "/bad", headers={"X-Key": "clé€"})
    WebhookEndpoint.objects.create(url=receiver.url + "/ok")
    candidate()
    drive()
    assert len(receiver.hits("/ok")) == 1 and receiver.hits("/bad") == []
    assert Delivery.objects.get(endpoint__url__endswith="/ok").status == "success"
    failed = Delivery.objects.get(endpoint=bad)
    assert failed.status == "failed" and failed.attempt_count == 4
    assert "UnicodeEncodeError" in failed.attempts.first().error


def test_a_nul_in_an_answer_is_recorded(webhooks, receiver, settings):  # noqa: F811
    """PostgreSQL refuses NUL in text: stored as U+FFFD, not a batch that cannot be recorded."""
    set_webhooks(settings, RETRY_SCHEDULE=[0])
    WebhookEndpoint.objects.create(url=receiver.url + "/nul")
    candidate()
    drive()
    attempt = Delivery.objects.get().attempts.get()
    assert attempt.status_code == 500 and attempt.response_excerpt == "bad\ufffdbyte"


def test_a_batch_records_each_window_as_it_goes(webhooks, receiver, settings):  # noqa: F811
    """With one request in flight, each delivery is recorded before the next is sent: a batch
    that dies, or outlives its claim, never leaves sent messages unrecorded."""
    set_webhooks(settings, PARALLEL=1)
    WebhookEndpoint.objects.create(url=receiver.url + "/ok")
    for _ in range(3):
        candidate()
    recorded_before = []
    receiver.on_request = lambda _: recorded_before.append(
        Delivery.objects.filter(status="success").count()
    )
    drive()
    assert recorded_before == [0, 1, 2]


def test_a_delivery_being_sent_is_not_redelivered(webhooks, receiver):  # noqa: F811
    WebhookEndpoint.objects.create(url=receiver.url + "/ok")
    candidate()
    d = Delivery.objects.get()
    assert sender.claim(d.pk)  # a worker is sending it
    assert sender.redeliver(d) is False
    with pytest.raises(CommandError, match="being sent right now"):
        call_command("hrflow_deliveries", "--redeliver", d.msg_id)
    assert Delivery.objects.get().claim_token != ""


def test_claim_prevents_double_send(webhooks, receiver):  # noqa: F811
    WebhookEndpoint.objects.create(url=receiver.url + "/ok")
    candidate()
    d = Delivery.objects.get()
    token = sender.claim(d.pk)
    assert token and sender.claim(d.pk) is None
    assert sender.deliver(d.pk) == "skipped"
    assert sender.deliver(d.pk, "not-the-token") == "skipped"
    assert sender.deliver(d.pk, token) == "success"
    assert sender.deliver(d.pk, token) == "skipped"
    assert len(receiver.hits("/ok")) == 1


def test_expired_lease_is_taken_over(webhooks, receiver, settings):  # noqa: F811
    """A worker that died mid-send leaves a lease; once it expires the sweeper sends again."""
    set_webhooks(settings, CLAIM_LEASE=0.2)
    WebhookEndpoint.objects.create(url=receiver.url + "/ok")
    candidate()
    d = Delivery.objects.get()
    assert sender.claim(d.pk)  # the "dead" worker's claim
    assert run_sweep(publish=False)["sent"] == 0
    time.sleep(0.25)
    drive()
    assert Delivery.objects.get().status == "success"
    assert [h.headers["webhook-id"] for h in receiver.hits("/ok")] == [d.msg_id]


def test_a_task_that_waited_past_its_claim_still_sends(webhooks, receiver, settings):  # noqa: F811
    """Tasks queued behind a backlog outlive the sweeper's claims, and each sweep claims the
    rows again for a new task: the first task to run sends (once), not none of them."""
    from hrflow_matching.tasks import claim_due

    set_webhooks(settings, CLAIM_LEASE=0.2)
    WebhookEndpoint.objects.create(url=receiver.url + "/ok")
    candidate()
    d = Delivery.objects.get()
    first, ids = claim_due(10)  # a sweep's claim, for a task that waits in the queue
    time.sleep(0.25)
    second, _ = claim_due(10)  # the next sweep claims again, for another queued task
    assert second and second != first
    time.sleep(0.25)  # which waits too
    assert sender.deliver_many(ids, first)[0][d.pk] == "success"  # the first task runs
    assert sender.deliver_many(ids, second)[0][d.pk] == "skipped"  # nothing left for the next
    assert [h.headers["webhook-id"] for h in receiver.hits("/ok")] == [d.msg_id]


def test_rotation_signs_with_both_secrets(webhooks, receiver):  # noqa: F811
    ep = WebhookEndpoint.objects.create(url=receiver.url + "/ok")
    old = ep.secret
    call_command("hrflow_endpoint", "rotate-secret", str(ep.pk))
    ep.refresh_from_db()
    assert ep.secret != old and ep.previous_secret == old
    candidate()
    drive()
    [req] = receiver.hits("/ok")
    assert len(req.headers["webhook-signature"].split(" ")) == 2
    Webhook(old).verify(req.body, req.headers)
    Webhook(ep.secret).verify(req.body, req.headers)
    ep.previous_secret_expires_at = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    headers = signed_headers(ep.signing_secrets(), "msg_x", b"{}")
    assert len(headers["webhook-signature"].split(" ")) == 1


def test_secret_never_logged(webhooks, receiver, caplog, capsys):  # noqa: F811
    caplog.set_level(logging.DEBUG)
    ep = WebhookEndpoint.objects.create(url=receiver.url + "/fail-once")
    candidate()
    drive()
    call_command("hrflow_ping", "--event", "profile_update")
    call_command("hrflow_endpoint", "list")
    call_command("hrflow_deliveries")
    out = capsys.readouterr().out
    for secret_part in (ep.secret, ep.secret.removeprefix("whsec_")):
        assert secret_part not in caplog.text
        assert secret_part not in out
        assert secret_part not in repr(ep)


def test_ping_reports_status_and_fails_on_error(webhooks, receiver, capsys):  # noqa: F811
    ok = WebhookEndpoint.objects.create(url=receiver.url + "/ok")
    call_command("hrflow_ping", "--event", "job_create", "--endpoint", str(ok.pk))
    out = capsys.readouterr().out
    assert "status=200" in out and " ms" in out
    [req] = receiver.hits("/ok")
    body = Webhook(ok.secret).verify(req.body, req.headers)
    assert body["reference"] == "ping" and body["event_type"] == "job_create"
    bad = WebhookEndpoint.objects.create(url=receiver.url + "/fail-always")
    with pytest.raises(CommandError):
        call_command("hrflow_ping", "--event", "job_create", "--endpoint", str(bad.pk))
    assert "status=500" in capsys.readouterr().out
    assert len(receiver.hits("/fail-always")) == 1  # pings are not retried
    assert Delivery.objects.count() == 0  # nor queued


def test_a_tenants_change_reaches_only_its_endpoint(webhooks, receiver):  # noqa: F811
    from example_crm.models import Organisation

    a = Organisation.objects.create(name="A", slug="a")
    b = Organisation.objects.create(name="B", slug="b")
    ep_a = WebhookEndpoint.objects.create(url=receiver.url + "/tenant-a", tenant="a")
    ep_b = WebhookEndpoint.objects.create(url=receiver.url + "/tenant-b", tenant="b")
    WebhookEndpoint.objects.create(url=receiver.url + "/no-tenant")
    cb = candidate(b)
    ca = candidate(a)
    drive()
    [got_b] = [Webhook(ep_b.secret).verify(r.body, r.headers) for r in receiver.hits("/tenant-b")]
    [got_a] = [Webhook(ep_a.secret).verify(r.body, r.headers) for r in receiver.hits("/tenant-a")]
    assert got_b["reference"] == cb.reference and got_a["reference"] == ca.reference
    assert receiver.hits("/no-tenant") == []


@pytest.mark.parametrize("path", ["/drip-head", "/drip"])
def test_a_slow_drip_is_cut_at_the_deadline(webhooks, receiver, settings, path):  # noqa: F811
    """A byte every 0.1 s never trips a per-read timeout, of the status line and headers
    (``/drip-head``) or of the body (``/drip``): the exchange's own deadline (0.5 s) hangs up
    long before the drip's end, and the attempt is a failure, logged as a timeout."""
    set_webhooks(settings, RETRY_SCHEDULE=[0], TOTAL_TIMEOUT=0.5)
    WebhookEndpoint.objects.create(url=receiver.url + path)
    candidate()
    drive()
    d = Delivery.objects.get()
    assert d.status == "failed" and "timeout" in d.last_error
    for _ in range(100):  # the receiver notices the hang-up at its next byte
        if path in receiver.cut:
            break
        time.sleep(0.05)
    assert receiver.cut[path] < 50  # of 100+ bytes: cut at the deadline, not at the drip's end
