"""Secrets shown once travel in the response, never in the ``messages`` cookie (issue #15, 10).

Django's default message storage keeps messages in a signed cookie that is not encrypted: a
key or signing secret put there stays readable in the browser and in logs of cookies.
"""

from __future__ import annotations

import re

import pytest

from hrflow_matching.models import ApiKey, WebhookEndpoint

pytestmark = pytest.mark.django_db

KEY = re.compile(r"hfm_[0-9a-f]{8}_[A-Za-z0-9_-]{43}")
SECRET = re.compile(r"whsec_[A-Za-z0-9+/=]+")


def cookies_text(response) -> str:
    return " ".join(morsel.value for morsel in response.cookies.values())


def assert_shown_once(response, pattern: re.Pattern) -> str:
    assert response.status_code == 200  # the page itself, not a redirect carrying a message
    [secret] = pattern.findall(response.content.decode())
    assert secret not in cookies_text(response)
    assert "messages" not in response.cookies or not pattern.search(cookies_text(response))
    assert "no-store" in response["Cache-Control"]
    return secret


def test_a_new_api_key_is_in_the_page_not_in_a_cookie(admin_client, settings):
    response = admin_client.post("/admin/hrflow_matching/apikey/add/", {"name": "Puller"})
    key = assert_shown_once(response, KEY)
    assert ApiKey.objects.get(name="Puller").matches(key)
    after = admin_client.get("/admin/hrflow_matching/apikey/")
    assert key not in after.content.decode() and key not in cookies_text(after)


def test_webhook_secrets_are_in_the_page_not_in_a_cookie(admin_client, settings):
    settings.HRFLOW_MATCHING = {
        **settings.HRFLOW_MATCHING,
        "WEBHOOKS": {**settings.HRFLOW_MATCHING["WEBHOOKS"], "ALLOW_PRIVATE": True},
    }
    response = admin_client.post(
        "/admin/hrflow_matching/webhookendpoint/add/",
        {"url": "https://hooks.example.com/in", "is_active": "on", "description": ""},
    )
    secret = assert_shown_once(response, SECRET)
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.secret == secret
    rotated = admin_client.post(
        "/admin/hrflow_matching/webhookendpoint/",
        {"action": "rotate_secrets", "_selected_action": [endpoint.pk]},
    )
    new = assert_shown_once(rotated, SECRET)
    endpoint.refresh_from_db()
    assert endpoint.secret == new != secret
