"""The recruiter pages in Debian's Chromium, driven by Playwright against a live server.

Saves a screenshot of each page to ``test-artifacts/screenshots/`` (``make screenshots`` writes
them to ``docs/screenshots/``, which the README shows, so a test run never dirties the tree). The data is
the demo seed indexed by the local engine when it is available, so what is shown is what a
recruiter of the demo sees.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from django.urls import reverse

from tests.support.browser_world import BrowserWorld, make_browser_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
SHOTS = Path(os.environ.get("HRFLOW_SCREENSHOTS_DIR") or ROOT / "test-artifacts" / "screenshots")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture
def world(monkeypatch) -> BrowserWorld:
    # Playwright's sync API runs an event loop in this thread; the ORM calls of the fixtures
    # happen before it starts, but Django checks the loop, hence the opt-out for this test.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    yield from make_browser_world()


@pytest.fixture
def page(chromium_path, live_server, world):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path, args=ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.set_default_timeout(20_000)
        page.goto(f"{live_server.url}{reverse('admin:login')}")
        page.fill("#id_username", world.username)
        page.fill("#id_password", world.password)
        page.click("input[type=submit]")
        page.wait_for_url(re.compile(r"/admin/$"))
        yield page
        context.close()
        browser.close()


def shot(page, name: str, full_page: bool = True) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=full_page)


def refs(page) -> list[str]:
    return page.eval_on_selector_all(".hm-result", "els => els.map(e => e.dataset.reference)")


def scores(page) -> list[float]:
    return [
        float(s)
        for s in page.eval_on_selector_all(".hm-result", "els => els.map(e => e.dataset.score)")
    ]


def apply(page) -> None:
    with page.expect_navigation():
        page.click(".hm-criteria button[type=submit]")


def test_recruiter_matches_filters_explains_and_pages(page, live_server, world):
    url = reverse("hrflow_matching:matching_profiles_for_job", args=[world.job_reference])
    page.goto(f"{live_server.url}{url}")
    first = refs(page)
    assert first, page.content()[:2000]
    assert scores(page) == sorted(scores(page), reverse=True)
    assert page.locator("#header").is_visible()  # the admin's frame
    shot(page, "matching-candidates-for-job")

    # A wider distance changes the list.
    page.fill("#id_location_distance", str(world.wide_distance))
    apply(page)
    wide = refs(page)
    assert wide and wide != first
    assert page.input_value("#id_location_distance") == str(world.wide_distance)
    total_wide = page.inner_text("#hm-results-title")

    # A required skill changes it again; every result then has the skill.
    page.fill("#id_skills", world.required_skill)
    apply(page)
    assert page.inner_text("#hm-results-title") != total_wide  # fewer candidates
    for row in page.locator(".hm-result").all()[:5]:
        assert world.required_skill.casefold() in row.inner_text().casefold()

    # Back to the wide list, any experience; open an explanation.
    page.fill("#id_skills", "")
    page.fill("#id_experiences_duration_min", "")
    page.fill("#id_experiences_duration_max", "")
    apply(page)
    details = page.locator(".hm-result details").first
    assert not details.locator("table").is_visible()
    details.locator("summary").click()
    assert details.locator("table").is_visible()
    assert "Skills" in details.inner_text()
    shot(page, "matching-explanation")

    # Page forward: ranks continue, rows differ.
    on_first_page = refs(page)
    with page.expect_navigation():
        page.click(".hm-pager a[rel=next]")
    assert page.locator("ol.hm-results").get_attribute("start") == str(world.page_size + 1)
    assert set(refs(page)).isdisjoint(on_first_page)
    assert page.locator(".hm-pager [aria-current=page]").inner_text() == "2"

    # An invalid value shows the field's error and no results.
    page.fill("#id_location_distance", "-5")
    apply(page)
    error = page.locator(".hm-field-error .hm-errors")
    assert error.is_visible()
    assert "greater than or equal to 1" in error.inner_text()
    assert page.locator(".hm-result").count() == 0
    shot(page, "matching-invalid-criteria")


def test_other_pages_render(page, live_server, world):
    url = reverse("hrflow_matching:matching_jobs_for_profile", args=[world.profile_reference])
    page.goto(f"{live_server.url}{url}")
    assert page.locator(".hm-result").count() > 0
    shot(page, "matching-jobs-for-candidate")

    page.goto(f"{live_server.url}{reverse('hrflow_matching:search_profiles')}")
    page.fill("#id_text_keywords", world.keyword)
    apply(page)
    assert page.locator(".hm-result").count() > 0
    shot(page, "search-candidates")

    page.goto(f"{live_server.url}{reverse('hrflow_matching:search_jobs')}")
    page.fill("#id_text_keywords", world.job_keyword)
    apply(page)
    assert page.locator(".hm-result").count() > 0
    shot(page, "search-jobs")

    # Empty state: the page says which filter to loosen, and the link works.
    url = reverse("hrflow_matching:matching_profiles_for_job", args=[world.job_reference])
    page.goto(f"{live_server.url}{url}?location_distance=1&skills=Underwater+basket+weaving")
    assert page.locator(".hm-empty").is_visible()
    shot(page, "matching-empty")
    with page.expect_navigation():
        page.click("text=Remove required skills")
    assert page.input_value("#id_skills") == ""

    # The admin change page links to the matching page.
    page.goto(f"{live_server.url}{world.job_admin_url}")
    with page.expect_navigation():
        page.click("text=Find matching candidates")
    assert page.locator(".hm-result").count() > 0

    # Narrow screens: one column.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}{url}")
    assert page.locator(".hm-result").count() > 0
    shot(page, "matching-mobile", full_page=False)

    # A long unbroken word (a Welsh town, a pasted URL) wraps instead of widening the page.
    word = "Llanfairpwllgwyngyllgogerychwyrndrobwllllantysiliogogogoch" * 2
    page.goto(f"{live_server.url}{url}?skills={word}&location_distance=20000")
    assert word in page.content()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_backend_failure_page(page, live_server, world, settings):
    from hrflow_matching.testing import override_hrflow_settings

    url = reverse("hrflow_matching:matching_profiles_for_job", args=[world.job_reference])
    with override_hrflow_settings(BACKEND="tests.support.matching_backend.UnavailableBackend"):
        response = page.goto(f"{live_server.url}{url}")
        assert response.status == 503
        assert page.locator(".hm-error").is_visible()
        assert "Try again" in page.inner_text(".hm-error")
        shot(page, "matching-backend-error")
