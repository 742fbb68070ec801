"""The endpoint health page in Debian's Chromium, with the figures of a real delivery run.

The run is three pytest-httpserver receivers and the real sender (``tests.support.health_run``);
waves of it are moved back over the last 30 days so that both charts have a history. The page
is opened as an operator does: from the endpoint list, through its "Health" link. Screenshots
go to ``test-artifacts/screenshots/`` (``make screenshots``: ``docs/screenshots/``).
"""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from hrflow_matching import health
from tests.support.health_run import start_health_run
from tests.support.webhook_fixtures import webhooks  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
SHOTS = Path(os.environ.get("HRFLOW_SCREENSHOTS_DIR") or ROOT / "test-artifacts" / "screenshots")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
#: Hours ago of each wave of saves, and how many saves: a month of uneven traffic.
WAVES = [(29 * 24, 2), (21 * 24, 4), (14 * 24 + 5, 3), (6 * 24, 5), (2 * 24, 2),
         (20, 3), (13, 1), (9, 4), (5, 2), (2, 3), (0, 2)]  # fmt: skip


@pytest.fixture
def run(webhooks, httpserver, monkeypatch):  # noqa: F811
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's loop in this thread
    run = start_health_run(httpserver)
    for hours, saves in WAVES:
        run.wave(saves, ago=dt.timedelta(hours=hours) if hours else None)
    run.wave(2, ago=dt.timedelta(minutes=40), send=False)  # waiting: outbox and index lag
    User.objects.create_superuser("ops", password="ops-password")
    return run


@pytest.fixture
def page(chromium_path, live_server, run):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path, args=ARGS)
        context = browser.new_context(viewport={"width": 1100, "height": 900})
        page = context.new_page()
        page.set_default_timeout(20_000)
        page.goto(f"{live_server.url}{reverse('admin:login')}")
        page.fill("#id_username", "ops")
        page.fill("#id_password", "ops-password")
        page.click("input[type=submit]")
        page.wait_for_url(re.compile(r"/admin/$"))
        yield page
        context.close()
        browser.close()


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


@pytest.mark.parametrize("which", ["flaky", "down"])
def test_operator_reads_an_endpoints_health(page, live_server, run, which):
    endpoint = getattr(run, which)
    page.goto(f"{live_server.url}{reverse('admin:hrflow_matching_webhookendpoint_changelist')}")
    row = page.locator("#result_list tr", has_text=f"/{which}")
    with page.expect_navigation():
        row.get_by_role("link", name="Health").click()
    assert page.url.endswith(f"/webhookendpoint/{endpoint.pk}/health/")

    month = health.hourly(endpoint.pk)
    day = month.last(24)
    charts = page.locator("svg.hm-chart")
    assert charts.count() == 2
    for chart, series in zip(charts.all(), (day, month), strict=True):
        t = series.totals()
        label = chart.get_attribute("aria-label")
        assert f"{t.delivered} delivered, {t.retrying} retrying, {t.failed} failed" in label
        # One stacked bar (a <g> with its tooltip) per hour that had attempts.
        assert chart.locator("g").count() == sum(
            1 for i in range(len(series.hours)) if any(series.counts[o][i] for o in health.OUTCOMES)
        )
    if which == "down":
        assert charts.nth(0).locator("rect.hm-failed").count() > 0
        assert charts.nth(0).locator("rect.hm-delivered").count() == 0
    else:
        assert charts.nth(1).locator("rect.hm-failed").count() == 0
    assert page.locator("#hm-outbox .hm-value").inner_text() == "2"
    assert page.locator("#hm-oldest .hm-value").inner_text() == "40 min"
    assert page.locator("#hm-index .hm-value").inner_text() == "40 min"
    problems = page.locator("#hm-problems li").all_inner_texts()
    assert any("deliveries failed in the last 24 h" in p for p in problems), problems
    shot(page, f"health-{which}")
