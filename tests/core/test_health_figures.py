"""The health figures (``hrflow_matching.health``) of a real delivery run.

The run is three pytest-httpserver receivers and the real sender (``tests.support.health_run``):
what ``snapshot`` and ``hourly`` count is what the sender recorded.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from django.utils import timezone

from hrflow_matching import health
from hrflow_matching.models import DeliveryAttempt, WebhookEndpoint
from tests.support.health_run import start_health_run
from tests.support.webhook_fixtures import webhooks  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)

ATTEMPTS = 4  # webhooks fixture: RETRY_SCHEDULE of four delays


@pytest.fixture
def run(webhooks, httpserver):  # noqa: F811
    return start_health_run(httpserver)


def by_id(figures: health.Health, endpoint: WebhookEndpoint) -> health.EndpointHealth:
    return next(e for e in figures.endpoints if e.id == endpoint.pk)


def test_outcomes_of_a_run_per_endpoint(run):
    run.wave(3)
    figures = health.snapshot()
    ok, flaky, down = (by_id(figures, e) for e in run.endpoints)
    assert ok.last_day == health.Outcomes(delivered=3)
    assert flaky.last_day == health.Outcomes(delivered=3, retrying=3)
    assert down.last_day == health.Outcomes(retrying=3 * (ATTEMPTS - 1), failed=3)
    assert ok.last_hour == ok.last_day and down.last_hour == down.last_day
    assert figures.last_day == health.Outcomes(delivered=6, retrying=12, failed=3)
    assert figures.outbox_depth == 0 and figures.oldest_pending_seconds == 0
    assert figures.index.pending == 0  # the sweeper indexed the wave


def test_pending_deliveries_and_index_lag(run):
    run.wave(2)
    run.wave(2, ago=dt.timedelta(hours=2), send=False)  # saved two hours ago, never sent
    figures = health.snapshot()
    assert figures.outbox_depth == 2 * 3
    assert all(e.pending == 2 for e in figures.endpoints)
    assert 7200 <= figures.oldest_pending_seconds < 7300
    assert figures.index.pending == 2
    assert 7200 <= figures.index_lag_seconds < 7300
    problems = figures.problems(health.Thresholds.from_settings())
    assert problems == [
        "oldest undelivered event 2 h 00 min old (limit 1 h 00 min)",
        "index lag 2 h 00 min (limit 1 h 00 min)",
        "2 deliveries failed in the last 24 h (limit 0)",
    ]
    loose = health.Thresholds.from_settings(
        {"oldest_pending_seconds": 3 * 3600, "index_lag_seconds": None, "failed_last_day": 5}
    )
    assert figures.problems(loose) == []
    assert figures.as_dict(loose)["status"] == "ok"


def test_windows_and_hours(run):
    run.wave(2, ago=dt.timedelta(hours=30))  # outside the 24 hours, inside the 30 days
    run.wave(1, ago=dt.timedelta(hours=5))
    run.wave(1)
    now = timezone.now()
    figures = health.snapshot(now)
    ok = by_id(figures, run.ok)
    assert ok.last_hour.delivered == 1 and ok.last_day.delivered == 2
    month = health.hourly(run.down.pk, 30 * 24, now)
    assert len(month.hours) == 720 and month.hours[-1] <= now < month.hours[-1] + health.HOUR
    assert month.totals() == health.Outcomes(retrying=4 * (ATTEMPTS - 1), failed=4)
    day = month.last(24)
    assert day.totals() == health.Outcomes(retrying=2 * (ATTEMPTS - 1), failed=2)
    # Each final attempt in the bucket of its own hour (UTC), as the sender dated it.
    finals = DeliveryAttempt.objects.filter(
        delivery__endpoint=run.down, number=ATTEMPTS
    ).values_list("created_at", flat=True)
    expected = Counter(
        t.astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0) for t in finals
    )
    drawn = {h: n for h, n in zip(month.hours, month.counts["failed"], strict=True) if n}
    assert drawn == dict(expected) and sum(drawn.values()) == 4
    assert day.totals() == by_id(figures, run.down).last_day


def test_an_endpoint_disabled_by_failures_is_counted(run):
    WebhookEndpoint.objects.filter(pk=run.down.pk).update(
        is_active=False, disabled_reason="410 Gone"
    )
    WebhookEndpoint.objects.filter(pk=run.flaky.pk).update(is_active=False)  # by an operator
    figures = health.snapshot()
    assert figures.disabled_endpoints == 1
    assert "1 endpoints disabled by failures (limit 0)" in figures.problems(
        health.Thresholds.from_settings()
    )


def test_four_queries_whatever_the_number_of_endpoints(run, django_assert_num_queries):
    run.wave(1)
    with django_assert_num_queries(4):
        health.snapshot()
    for i in range(5):
        WebhookEndpoint.objects.create(url=f"https://example.com/{i}")
    with django_assert_num_queries(4):
        assert len(health.snapshot().endpoints) == 8


def test_ages_read_as_an_operator_writes_them():
    assert [health.format_age(s) for s in (0, 59, 60, 3599, 3600, 3660, 86400 + 7200)] == [
        "0 s", "59 s", "1 min", "59 min", "1 h 00 min", "1 h 01 min", "1 d 02 h",
    ]  # fmt: skip
