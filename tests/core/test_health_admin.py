"""The endpoint health page through Django's test client (the browser test draws it): links to
it, who may open it, and the SVG it draws (no script, no external resource)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission, User
from django.urls import reverse

from hrflow_matching import health
from hrflow_matching.admin.charts import bar_chart, nice_ceiling
from tests.support.health_run import start_health_run
from tests.support.webhook_fixtures import webhooks  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)


def health_url(pk: object) -> str:
    return reverse("admin:hrflow_matching_webhookendpoint_health", args=[pk])


@pytest.fixture
def run(webhooks, httpserver):  # noqa: F811
    return start_health_run(httpserver)


def test_linked_from_the_list_and_the_change_page(run, admin_client):
    listing = admin_client.get(reverse("admin:hrflow_matching_webhookendpoint_changelist"))
    assert health_url(run.down.pk) in listing.content.decode()
    change = admin_client.get(
        reverse("admin:hrflow_matching_webhookendpoint_change", args=[run.down.pk])
    )
    assert health_url(run.down.pk) in change.content.decode()


def test_page_draws_the_run_without_script_or_cdn(run, admin_client):
    run.wave(2)
    page = admin_client.get(health_url(run.down.pk))
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count('<svg class="hm-chart"') == 2
    assert 'aria-label="Last 24 hours: 0 delivered, 6 retrying, 2 failed"' in html
    assert "<script" not in html.split('id="hm-health"')[1]
    assert "http://" not in html.split('id="hm-health"')[1].replace("http://www.w3.org", "")


def test_who_may_open_it(run, client, admin_client):
    assert admin_client.get(health_url(999999)).status_code == 404
    staff = User.objects.create_user("clerk", password="x", is_staff=True)
    client.force_login(staff)
    assert client.get(health_url(run.ok.pk)).status_code == 403
    staff.user_permissions.add(Permission.objects.get(codename="view_webhookendpoint"))
    assert client.get(health_url(run.ok.pk)).status_code == 200
    client.logout()
    assert client.get(health_url(run.ok.pk)).status_code == 302  # to the login page


def test_axis_tops_are_round_and_an_empty_chart_draws_no_bar():
    assert [nice_ceiling(v) for v in (0, 1, 3, 7, 10, 11, 48, 120)] == [
        1,
        1,
        5,
        10,
        10,
        20,
        50,
        200,
    ]
    empty = health.hourly(1, 24)
    svg = bar_chart(empty, title="Empty")
    assert "<rect" not in svg and 'aria-label="Empty: 0 delivered, 0 retrying, 0 failed"' in svg
