"""Operators: endpoint and delivery admin (tenant filters, resend, ping) and the commands."""

from __future__ import annotations

import re
import threading
import time

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError
from standardwebhooks import Webhook

from example_crm.models import Organisation
from hrflow_matching.models import Delivery, WebhookEndpoint
from hrflow_matching.tasks import run_sweep
from hrflow_matching.testing import override_hrflow_settings
from tests.support.webhook_fixtures import candidate, webhooks  # noqa: F401
from tests.support.webhook_support import start_receiver

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def admin_client(client):
    user = User.objects.create_superuser("root", "root@example.com", "pw")
    client.force_login(user)
    return client


def test_lists_filter_by_tenant(webhooks, admin_client):  # noqa: F811
    a = Organisation.objects.create(name="A", slug="a")
    b = Organisation.objects.create(name="B", slug="b")
    WebhookEndpoint.objects.create(url="http://127.0.0.1:9/endpoint-a", tenant="a")
    WebhookEndpoint.objects.create(url="http://127.0.0.1:9/endpoint-b", tenant="b")
    ca, cb = candidate(a), candidate(b)
    page = admin_client.get("/admin/hrflow_matching/webhookendpoint/?tenant=a").content.decode()
    assert "endpoint-a" in page and "endpoint-b" not in page
    page = admin_client.get("/admin/hrflow_matching/delivery/?tenant=b").content.decode()
    assert cb.reference in page and ca.reference not in page
    page = admin_client.get("/admin/hrflow_matching/delivery/?tenant=__none__").content.decode()
    assert cb.reference not in page and ca.reference not in page
    d = Delivery.objects.get(event__reference=ca.reference)
    page = admin_client.get(f"/admin/hrflow_matching/delivery/{d.pk}/change/").content.decode()
    assert d.msg_id in page
    for ep in WebhookEndpoint.objects.all():
        assert ep.secret not in page


def test_resend_and_ping_actions(webhooks, admin_client):  # noqa: F811
    rec = start_receiver()
    try:
        ep = WebhookEndpoint.objects.create(url=rec.url + "/ok")
        candidate()
        d = Delivery.objects.get()
        Delivery.objects.filter(pk=d.pk).update(status="failed", attempt_count=8)
        admin_client.post(
            "/admin/hrflow_matching/delivery/",
            {"action": "resend", "_selected_action": [d.pk]},
        )
        d.refresh_from_db()
        assert d.status == "pending" and d.attempt_count == 0
        response = admin_client.post(
            "/admin/hrflow_matching/webhookendpoint/",
            {"action": "ping_endpoints", "_selected_action": [ep.pk]},
            follow=True,
        )
        assert "200" in response.content.decode()
        assert len(rec.hits("/ok")) == 1
    finally:
        rec.close()


def test_endpoint_commands(webhooks, capsys):  # noqa: F811
    call_command(
        "hrflow_endpoint", "add", "--url", "https://hooks.example.com/x",
        "--events", "profile_create,job_create", "--header", "X-API-KEY: abc", "--tenant", "a",
    )  # fmt: skip
    out = capsys.readouterr().out
    ep = WebhookEndpoint.objects.get()
    assert (
        f"id: {ep.pk}" in out and f"secret: {ep.secret}" in out and ep.secret.startswith("whsec_")
    )
    assert ep.events == ["profile_create", "job_create"] and ep.headers == {"X-API-KEY": "abc"}
    call_command("hrflow_endpoint", "list")
    listed = capsys.readouterr().out
    assert "hooks.example.com" in listed and ep.secret not in listed and "tenant=a" in listed
    with pytest.raises(CommandError, match="Unknown event"):
        call_command(
            "hrflow_endpoint", "add", "--url", "https://x.example.com/", "--events", "nope"
        )
    with pytest.raises(CommandError, match="header"):
        call_command("hrflow_endpoint", "add", "--url", "https://x.example.com/", "--header", "bad")
    with pytest.raises(CommandError, match="No endpoint"):
        call_command("hrflow_endpoint", "remove", "999")
    call_command("hrflow_endpoint", "remove", str(ep.pk))
    assert WebhookEndpoint.objects.count() == 0


def test_deliveries_command(webhooks, capsys):  # noqa: F811
    WebhookEndpoint.objects.create(url="http://127.0.0.1:9/x")
    candidate()
    d = Delivery.objects.get()
    call_command("hrflow_deliveries", "--status", "pending")
    assert d.msg_id in capsys.readouterr().out
    Delivery.objects.filter(pk=d.pk).update(status="failed")
    call_command("hrflow_deliveries", "--redeliver", d.msg_id)
    d.refresh_from_db()
    assert d.status == "pending"
    with pytest.raises(CommandError):
        call_command("hrflow_deliveries", "--redeliver", "msg_nope")
    with pytest.raises(CommandError, match="No delivery '²'"):  # "²".isdigit(), but no int
        call_command("hrflow_deliveries", "--redeliver", "²")
    with pytest.raises(CommandError, match="give a delivery id"):  # not a silent listing
        call_command("hrflow_deliveries", "--redeliver", " ")


@pytest.mark.parametrize("limit", ["-1", "0", "ten"])
def test_deliveries_limit_below_one_is_a_usage_error(limit):
    with pytest.raises(CommandError, match=f"--limit: expected an integer ≥ 1, got '{limit}'"):
        call_command("hrflow_deliveries", "--limit", limit)


class Slept(Exception):
    """Raised by the stand-in for time.sleep: the worker's loop ends after its first pass."""


@pytest.fixture
def slept(monkeypatch):
    """What ``hrflow_worker`` asks to sleep; its loop ends at the first sleep. Other threads
    (the hints publisher of an earlier test) sleep for real, unrecorded."""
    calls = []
    real, test_thread = time.sleep, threading.get_ident()

    def sleep(seconds):
        if threading.get_ident() != test_thread:
            return real(seconds)
        calls.append(seconds)
        raise Slept

    monkeypatch.setattr(time, "sleep", sleep)
    return calls


def test_hrflow_worker_sleeps_the_sweep_interval_unless_told(webhooks, slept):  # noqa: F811
    with override_hrflow_settings(WEBHOOKS={"SWEEP_INTERVAL": 7}):
        with pytest.raises(Slept):
            call_command("hrflow_worker")
        with pytest.raises(Slept):
            call_command("hrflow_worker", "--interval", "2")  # as `make demo` runs it
    with override_hrflow_settings(WEBHOOKS={"SWEEP_INTERVAL": 0.25}), pytest.raises(Slept):
        call_command("hrflow_worker")
    assert slept == [7, 2, 0.25]


@pytest.mark.parametrize("interval", ["-1", "0", "nan", "inf", "soon"])
def test_hrflow_worker_bad_interval_is_a_usage_error(interval, slept):
    with pytest.raises(CommandError, match="--interval: expected a number of seconds > 0"):
        call_command("hrflow_worker", "--interval", interval)
    assert slept == []


def test_hrflow_worker_bad_sweep_interval_setting_is_a_clear_error():
    with (
        override_hrflow_settings(WEBHOOKS={"SWEEP_INTERVAL": "abc"}),
        pytest.raises(CommandError, match=r'\["SWEEP_INTERVAL"\]: expected a number'),
    ):
        call_command("hrflow_worker", "--once")


def test_hrflow_worker_sends_without_a_broker(webhooks, capsys):  # noqa: F811
    rec = start_receiver()
    try:
        ep = WebhookEndpoint.objects.create(url=rec.url + "/ok")
        c = candidate()
        call_command("hrflow_worker", "--once")
        [req] = rec.hits("/ok")
        from standardwebhooks import Webhook

        assert Webhook(ep.secret).verify(req.body, req.headers)["reference"] == c.reference
        assert "sent 1 deliveries" in capsys.readouterr().out
        assert Delivery.objects.get().status == "success"
    finally:
        rec.close()


def _shown_secret(response) -> str:  # type: ignore[no-untyped-def]
    [secret] = re.findall(r"whsec_[A-Za-z0-9+/=]+", response.content.decode())
    return secret


def test_admin_shows_a_secret_once_when_added_and_when_rotated(webhooks, admin_client):  # noqa: F811
    """An endpoint made in the admin is usable without a shell: the secret shown once signs."""
    rec = start_receiver()
    try:
        response = admin_client.post(
            "/admin/hrflow_matching/webhookendpoint/add/",
            {"url": rec.url + "/ok", "description": "", "tenant": "", "headers": "{}",
             "is_active": "on"},
            follow=True,
        )  # fmt: skip
        ep = WebhookEndpoint.objects.get()
        first = _shown_secret(response)
        assert first == ep.secret
        change = admin_client.get(f"/admin/hrflow_matching/webhookendpoint/{ep.pk}/change/")
        assert ep.secret not in change.content.decode()
        response = admin_client.post(
            "/admin/hrflow_matching/webhookendpoint/",
            {"action": "rotate_secrets", "_selected_action": [ep.pk]},
            follow=True,
        )
        second = _shown_secret(response)
        ep.refresh_from_db()
        assert second == ep.secret != first and ep.previous_secret == first
        listing = admin_client.get("/admin/hrflow_matching/webhookendpoint/").content.decode()
        assert first not in listing and second not in listing
        candidate()
        for _ in range(200):
            run_sweep(publish=False)
            if rec.hits("/ok"):
                break
            time.sleep(0.01)
        [req] = rec.hits("/ok")
        Webhook(second).verify(req.body, req.headers)  # the receiver switches to the new one
        Webhook(first).verify(req.body, req.headers)  # and the old one still works meanwhile
    finally:
        rec.close()
