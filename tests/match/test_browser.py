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
    # The ways out are counted, sorted by their count, and each leads to that many results.
    ways = page.locator(".hm-loosen-block li")
    counts = [int(re.search(r"→ (\d+)", t).group(1)) for t in ways.all_inner_texts()]
    assert counts and counts == sorted(counts, reverse=True) and min(counts) > 0
    with page.expect_navigation():
        ways.first.locator("a").click()
    assert page.inner_text("#hm-results-title").startswith(str(counts[0]))

    # Few results: the filters from the job are listed, and the ways out shown above the list.
    page.goto(f"{live_server.url}{url}?skills={world.required_skill}&score_threshold=55%25"
              "&location_distance=50")  # fmt: skip
    shot(page, "matching-few-results")

    # The admin index lists the searches.
    page.goto(f"{live_server.url}{reverse('admin:index')}")
    assert page.locator("text=Search candidates").first.is_visible()
    shot(page, "admin-index-searches", full_page=False)

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


# -- WCAG 2.2 AA: axe-core on every recruiter page, light, dark and 390 px ------------------------
AXE = ROOT / "tests" / "support" / "vendor" / "axe.min.js"
VIEWS = {
    "light": {"viewport": {"width": 1280, "height": 900}, "color_scheme": "light"},
    "dark": {"viewport": {"width": 1280, "height": 900}, "color_scheme": "dark"},
    "390px": {"viewport": {"width": 390, "height": 844}, "color_scheme": "light"},
}
#: axe-core's tags for WCAG 2.0, 2.1 and 2.2 A and AA, plus its best practices.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
MISSING_DESCRIBEDBY = """() => [...document.querySelectorAll('[aria-describedby]')].flatMap(
  el => el.getAttribute('aria-describedby').split(/\\s+/).filter(Boolean)
    .filter(id => !document.getElementById(id)).map(id => `${el.id || el.name}: ${id}`))"""


def axe_violations(page) -> list[str]:
    """axe-core's violations on the page as it is (open disclosures included), one line each."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        AXE_TAGS,
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes'][:3]]}"
        for v in result["violations"]
    ]


def recruiter_pages(world, live_server) -> dict[str, str]:
    """Every recruiter page in each of its states, by name."""
    job = reverse("hrflow_matching:matching_profiles_for_job", args=[world.job_reference])
    profile = reverse("hrflow_matching:matching_jobs_for_profile", args=[world.profile_reference])
    search_p = reverse("hrflow_matching:search_profiles")
    search_j = reverse("hrflow_matching:search_jobs")
    base = live_server.url
    return {
        "candidates-for-job": f"{base}{job}",
        "candidates-for-job-few": f"{base}{job}?skills={world.required_skill}&location_distance=20000&score_threshold=60%25",
        "jobs-for-candidate": f"{base}{profile}",
        "search-candidates-start": f"{base}{search_p}",
        "search-candidates": f"{base}{search_p}?text_keywords={world.keyword}",
        "search-jobs": f"{base}{search_j}?text_keywords={world.job_keyword}",
        "empty": f"{base}{job}?location_distance=1&skills=Underwater+basket+weaving",
        "invalid": f"{base}{job}?location_distance=-5&experiences_duration_min=abc",
    }


@pytest.fixture
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path, args=ARGS)
        yield browser
        browser.close()


def logged_in(browser, live_server, username: str, password: str, view: dict):
    # bypass_csp: axe is injected as a script, which a strict policy of the pages would refuse.
    context = browser.new_context(bypass_csp=True, **view)
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.goto(f"{live_server.url}{reverse('admin:login')}")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("input[type=submit]")
    page.wait_for_url(re.compile(r"/admin/$"))
    return context, page


def test_every_recruiter_page_passes_axe_in_light_dark_and_390px(browser, live_server, world):
    from django.contrib.auth.models import User

    User.objects.create_user("nobody", password="demo-password", is_staff=True)
    pages = recruiter_pages(world, live_server)
    problems: list[str] = []
    checked = 0
    for view_name, view in VIEWS.items():
        context, page = logged_in(browser, live_server, world.username, world.password, view)
        for name, url in pages.items():
            page.goto(url)
            for summary in page.locator(".hm-explain summary").all()[:2]:
                summary.click()  # the "Why" tables are checked too
            if page.locator(".hm-more summary").count():
                page.locator(".hm-more summary").click()  # and the fields under "More criteria"
            problems += [f"{view_name} {name}: {v}" for v in axe_violations(page)]
            problems += [
                f"{view_name} {name}: aria-describedby without its element: {m}"
                for m in page.evaluate(MISSING_DESCRIBEDBY)
            ]
            checked += 1
        context.close()
        # The page without the permission (403), in the same view.
        context, page = logged_in(browser, live_server, "nobody", "demo-password", view)
        page.goto(pages["candidates-for-job"])
        assert page.locator(".hm-notice").is_visible()
        problems += [f"{view_name} denied: {v}" for v in axe_violations(page)]
        checked += 1
        context.close()
    assert checked == 3 * (len(pages) + 1)
    assert not problems, "\n".join(problems)


def test_backend_error_page_passes_axe(browser, live_server, world):
    from hrflow_matching.testing import override_hrflow_settings

    url = reverse("hrflow_matching:matching_profiles_for_job", args=[world.job_reference])
    for view_name, view in VIEWS.items():
        context, page = logged_in(browser, live_server, world.username, world.password, view)
        with override_hrflow_settings(BACKEND="tests.support.matching_backend.UnavailableBackend"):
            assert page.goto(f"{live_server.url}{url}").status == 503
            assert not axe_violations(page), view_name
        context.close()


def test_keyboard_skip_link_errors_on_load_and_apply_in_reach(page, live_server, world):
    url = reverse("hrflow_matching:matching_profiles_for_job", args=[world.job_reference])
    page.goto(f"{live_server.url}{url}")
    # "Skip to results": the first link of the page's content, and it moves the focus there.
    skip = page.locator(".hm-skip")
    skip.focus()
    assert skip.is_visible()
    page.keyboard.press("Enter")
    page.wait_for_function("document.activeElement && document.activeElement.id === 'hm-results'")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('.hm-result, .hm-filters') !== null")

    # With "More criteria" open the panel scrolls with the page: Apply can be scrolled to.
    page.set_viewport_size({"width": 1280, "height": 600})
    page.locator(".hm-more summary").click()
    assert page.eval_on_selector("#hm-criteria", "f => getComputedStyle(f).position") == "static"
    button = page.locator(".hm-criteria button[type=submit]")
    button.scroll_into_view_if_needed()
    box = button.bounding_box()
    assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= 600

    # Errors announced on load: the summary takes the focus and the title starts with "Error".
    page.goto(f"{live_server.url}{url}?location_distance=-5")
    assert page.title().startswith("Error:")
    assert page.evaluate("document.activeElement.classList.contains('hm-notice')")
    # A wrong field keeps its help, and shows a focus ring of its own.
    field = page.locator("#id_location_distance")
    described = field.get_attribute("aria-describedby").split()
    assert described == ["id_location_distance-errors", "id_location_distance_helptext"]
    field.focus()
    assert (
        page.eval_on_selector("#id_location_distance", "e => getComputedStyle(e).outlineWidth")
        == "3px"
    )
