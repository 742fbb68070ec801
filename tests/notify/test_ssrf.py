"""SSRF guard: internal targets refused at endpoint save and again at send, unless allowed."""

from __future__ import annotations

import socket
import time

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError

from hrflow_matching import ssrf as guard
from hrflow_matching.models import Delivery, WebhookEndpoint
from hrflow_matching.notify.delivery import client
from hrflow_matching.ssrf import UnsafeURL, check_url
from tests.support.webhook_fixtures import candidate, set_webhooks, webhooks  # noqa: F401
from tests.support.webhook_support import start_receiver

pytestmark = pytest.mark.django_db

REFUSED = [
    "http://127.0.0.1/hook",
    "http://localhost:8000/hook",
    "http://[::1]/hook",
    "http://[::ffff:7f00:1]/hook",
    "http://[::ffff:10.0.0.1]/hook",
    "http://10.0.0.1/hook",
    "http://192.168.1.10/hook",
    "http://172.16.0.1/hook",
    "http://100.64.0.1/hook",
    "http://169.254.169.254/latest/meta-data/",
    "http://0.0.0.0/hook",
    "http://[fec0::1]/hook",  # IPv6 site-local: deprecated, private in practice
    "http://[::7f00:1]/hook",  # IPv4-compatible IPv6 of 127.0.0.1
    "http://metadata.google.internal/computeMetadata/v1/",
    "ftp://example.com/hook",
    "http://user:pass@example.com/hook",
]


@pytest.fixture
def strict(webhooks, settings):  # noqa: F811
    set_webhooks(settings, ALLOW_PRIVATE=False)


@pytest.mark.parametrize("url", REFUSED)
def test_internal_targets_refused(strict, url):
    with pytest.raises(UnsafeURL):
        check_url(url)


def test_a_name_resolving_to_a_private_address_is_refused(strict, monkeypatch):
    def fake_getaddrinfo(host, port, *args, **kwargs):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.1", port))]

    monkeypatch.setattr(guard.socket, "getaddrinfo", fake_getaddrinfo)
    with pytest.raises(UnsafeURL, match=r"10\.0\.0\.1"):
        check_url("https://hooks.example.com/x")


def test_unresolvable_names_are_refused(strict, monkeypatch):
    def fail(*args, **kwargs):
        raise socket.gaierror("no such name")

    monkeypatch.setattr(guard.socket, "getaddrinfo", fail)
    with pytest.raises(UnsafeURL, match="cannot resolve"):
        check_url("https://nowhere.invalid/x")


def test_public_address_passes(strict, monkeypatch):
    monkeypatch.setattr(
        guard.socket,
        "getaddrinfo",
        lambda host, port, *a, **k: [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", port))
        ],
    )
    check_url("https://hooks.example.com/x")


def test_refused_at_save_time(strict):
    with pytest.raises(ValidationError):
        WebhookEndpoint(url="http://169.254.169.254/").full_clean()
    with pytest.raises(CommandError, match="loopback"):
        call_command("hrflow_endpoint", "add", "--url", "http://127.0.0.1:9/x")
    assert WebhookEndpoint.objects.count() == 0


def test_allowed_for_development(webhooks):  # noqa: F811
    check_url("http://127.0.0.1:8000/hook")
    check_url("http://10.0.0.1/hook")


@pytest.mark.parametrize(
    "url", ["http://169.254.169.254/latest/meta-data/", "http://[fe80::1]/", "http://metadata/"]
)
def test_metadata_addresses_stay_refused_when_private_ones_are_allowed(webhooks, url):  # noqa: F811
    with pytest.raises(UnsafeURL, match="metadata"):
        check_url(url)


def test_a_name_rebound_between_check_and_connect_is_refused_at_connect(strict, monkeypatch):
    """DNS answers a public address to the check, then one that only our rules refuse (an
    IPv4-compatible IPv6 of 127.0.0.1, which requests-hardened's own filter lets through) to
    the connection: the pinned address is checked again, and nothing is sent."""
    answers = iter(
        [
            (socket.AF_INET, ("93.184.216.34", 80)),
            (socket.AF_INET6, ("::7f00:1", 80, 0, 0)),
        ]
    )

    def rebinding(host, port, *args, **kwargs):
        family, address = next(answers)
        return [(family, socket.SOCK_STREAM, 6, "", address)]

    monkeypatch.setattr(guard.socket, "getaddrinfo", rebinding)
    response = client.post("http://hooks.example.com/x", b"{}", {})
    assert response.refused and "internal address" in response.error
    assert response.status_code is None


@pytest.mark.django_db(transaction=True)
def test_refused_again_at_send_time_without_opening_a_socket(webhooks, settings):  # noqa: F811
    rec = start_receiver()
    try:
        WebhookEndpoint.objects.create(url=rec.url + "/ok")  # saved while allowed
        set_webhooks(settings, ALLOW_PRIVATE=False)
        candidate()
        from hrflow_matching.tasks import run_sweep

        # Retries are due 10 ms apart: sweep until the delivery gives up (bounded), as a fast
        # machine can run ten sweeps before the next retry is due.
        for _ in range(500):
            run_sweep(publish=False)
            if Delivery.objects.get().status != Delivery.Status.PENDING:
                break
            time.sleep(0.005)
        d = Delivery.objects.get()
        assert d.status == "failed" and "refused" in d.last_error
        assert rec.requests == []
        # The ping goes through the same guard.
        with pytest.raises(CommandError):
            call_command("hrflow_ping", "--event", "profile_create")
        assert rec.requests == []
    finally:
        rec.close()


@pytest.mark.parametrize(
    ("headers", "problem"),
    [
        ({"X-Key": "clé€"}, "printable ASCII"),
        ({"X-Key": "a\r\nX-Injected: 1"}, "printable ASCII"),
        ({"Bad Name": "x"}, "not a header name"),
        ({"Transfer-Encoding": "chunked"}, "set by the sender"),
        ({"Content-Length": "2"}, "set by the sender"),
        ({"webhook-signature": "v1,forged"}, "set by the sender"),
        (["X-Key", "v"], "object"),
        ({"X-Key": 1}, "strings"),
    ],
)
def test_headers_that_cannot_be_sent_are_refused_when_saved(webhooks, headers, problem):  # noqa: F811
    endpoint = WebhookEndpoint(url="http://127.0.0.1:9/x", headers=headers)
    with pytest.raises(ValidationError, match=problem):
        endpoint.full_clean()
    if isinstance(headers, dict) and all(isinstance(v, str) for v in headers.values()):
        [(name, value)] = headers.items()
        with pytest.raises(CommandError, match=problem):
            call_command(
                "hrflow_endpoint", "add", "--url", "http://127.0.0.1:9/x",
                "--header", f"{name}: {value}",
            )  # fmt: skip
    assert WebhookEndpoint.objects.count() == 0


def test_a_stored_framing_header_is_not_sent(webhooks):  # noqa: F811
    """Saved by hand past the check: the sender's own headers still win, framing included."""
    from hrflow_matching.notify.delivery.signing import signed_headers

    headers = signed_headers(
        ["whsec_" + "A" * 44], "msg_1", b"{}", extra={"Transfer-Encoding": "chunked", "X-A": "b"}
    )
    assert "Transfer-Encoding" not in headers and headers["X-A"] == "b"
