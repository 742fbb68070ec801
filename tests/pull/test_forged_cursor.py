"""A forged cursor whose date leaves the calendar on conversion to UTC (issue #15, 5).

``0001-01-01T00:00:00+01:00`` parses, but in UTC it is before year 1: Python raises
``OverflowError``, which was a 500. It is a 400 naming ``cursor``, like any forged cursor.
"""

from __future__ import annotations

import base64
import json

import pytest

from tests.support.api_helpers import KeyClient, make_key, no_settle  # noqa: F401 (a fixture)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_settle")]


def forged(when: str) -> str:
    payload = json.dumps([when, "a"], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(payload).decode().rstrip("=")


@pytest.mark.parametrize("when", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"])
@pytest.mark.parametrize("path", ["/hrflow/api/profiles/", "/hrflow/api/jobs/"])
def test_a_cursor_overflowing_in_utc_is_a_400_naming_cursor(path: str, when: str) -> None:
    api = KeyClient(make_key())
    response = api.get(path, cursor=forged(when))
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["parameter"] == "cursor" and "cursor" in body["message"]
