"""``/hrflow/health/`` and ``/hrflow/metrics/``: who may read them, what they say, their cost."""

from __future__ import annotations

import datetime as dt
import sys

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from hrflow_matching.models import WebhookEndpoint
from tests.support.health_run import start_health_run
from tests.support.webhook_fixtures import webhooks  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)

HEALTH, METRICS = "/hrflow/health/", "/hrflow/metrics/"
TOKEN = "s3cret-probe-token"


@pytest.fixture
def run(webhooks, httpserver, settings):  # noqa: F811
    settings.HRFLOW_MATCHING = {**settings.HRFLOW_MATCHING, "HEALTH": {"TOKEN": TOKEN}}
    return start_health_run(httpserver)


def bearer(token: str = TOKEN) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def test_the_urls_are_the_documented_ones():
    assert reverse("hrflow_matching:health") == HEALTH
    assert reverse("hrflow_matching:metrics") == METRICS


@pytest.mark.parametrize("url", [HEALTH, METRICS])
def test_who_may_read(run, client, settings, url):
    anonymous = client.get(url)
    assert anonymous.status_code == 401 and anonymous["WWW-Authenticate"].startswith("Bearer")
    assert "HRFLOW_MATCHING['HEALTH']['TOKEN']" in anonymous.json()["detail"]
    assert client.get(url, **bearer("wrong")).status_code == 401
    assert client.get(url, HTTP_AUTHORIZATION=f"Basic {TOKEN}").status_code == 401
    assert client.get(url, **bearer()).status_code == 200
    client.force_login(User.objects.create_user("clerk"))
    assert client.get(url).status_code == 403
    client.force_login(User.objects.create_user("ops", is_staff=True))
    assert client.get(url).status_code == 200
    client.logout()
    settings.HRFLOW_MATCHING = {**settings.HRFLOW_MATCHING, "HEALTH": {"TOKEN": ""}}
    assert client.get(url, **bearer("")).status_code == 401  # no token configured: none works
    settings.HRFLOW_MATCHING = {**settings.HRFLOW_MATCHING, "HEALTH": {"PUBLIC": True}}
    assert client.get(url).status_code == 200
    assert client.post(url).status_code == 405


def test_health_json_503_then_200_and_no_secret(run, client, settings):
    run.wave(1)
    WebhookEndpoint.objects.filter(pk=run.ok.pk).update(headers={"X-API-KEY": "hidden-key"})
    body = client.get(HEALTH, **bearer()).json()
    assert body["status"] == "fail"  # /down gave its delivery up; the default limit is 0
    assert body["problems"] == ["1 deliveries failed in the last 24 h (limit 0)"]
    assert body["deliveries_last_24h"] == {"delivered": 2, "retrying": 4, "failed": 1}
    assert [e["id"] for e in body["endpoints"]] == [e.pk for e in run.endpoints]
    response = client.get(HEALTH, **bearer())
    assert response.status_code == 503 and response["Cache-Control"] == "no-store"
    text = response.content.decode()
    for secret in ("localhost", "/down", "whsec_", "hidden-key", run.ok.secret):
        assert secret not in text
    run.wave(1, ago=dt.timedelta(minutes=1), send=False)
    settings.HRFLOW_MATCHING = {
        **settings.HRFLOW_MATCHING,
        "HEALTH": {"TOKEN": TOKEN, "MAX_FAILED_24H": None},
    }
    ok = client.get(HEALTH, **bearer())
    assert ok.status_code == 200 and ok.json()["status"] == "ok"
    assert ok.json()["outbox_depth"] == 3 and ok.json()["index"]["pending"] == 1


def test_health_costs_four_queries(run, client, django_assert_num_queries):
    run.wave(1)
    for i in range(10):
        WebhookEndpoint.objects.create(url=f"https://example.com/{i}")
    with django_assert_num_queries(4):
        assert client.get(HEALTH, **bearer()).status_code == 503


def test_metrics_in_prometheus_format(run, client):
    from prometheus_client.parser import text_string_to_metric_families

    run.wave(2)
    run.wave(1, ago=dt.timedelta(minutes=10), send=False)
    response = client.get(METRICS, **bearer())
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(response.content.decode())
        for s in family.samples
    }
    down = str(run.down.pk)
    key = (
        "hrflow_delivery_attempts",
        (("endpoint", down), ("outcome", "failed"), ("window", "24h")),
    )
    assert samples[key] == 2
    key = (
        "hrflow_delivery_attempts",
        (("endpoint", down), ("outcome", "retrying"), ("window", "1h")),
    )
    assert samples[key] == 6
    assert samples[("hrflow_outbox_depth", (("endpoint", down),))] == 1
    assert 600 <= samples[("hrflow_oldest_undelivered_seconds", (("endpoint", down),))] < 700
    assert samples[("hrflow_index_pending_events", ())] == 1
    assert 600 <= samples[("hrflow_index_lag_seconds", ())] < 700
    assert samples[("hrflow_endpoint_active", (("endpoint", down),))] == 1
    assert samples[("hrflow_health_problems", ())] == 1  # the failed deliveries
    assert "localhost" not in response.content.decode()
    openmetrics = client.get(METRICS, HTTP_ACCEPT="application/openmetrics-text", **bearer())
    assert openmetrics["Content-Type"].startswith("application/openmetrics-text")
    assert openmetrics.content.decode().endswith("# EOF\n")


def test_metrics_without_the_extra_say_how_to_install_it(run, client, monkeypatch):
    # The environment without the optional dependency: its import fails, as when not installed.
    monkeypatch.setitem(sys.modules, "prometheus_client", None)
    response = client.get(METRICS, **bearer())
    assert response.status_code == 501
    assert "pip install 'django-hrflow-matching[metrics]'" in response.content.decode()
    assert client.get(METRICS).status_code == 401  # and still only for those who may read
