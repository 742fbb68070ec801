"""``HRFLOW["METHOD"]`` and ``["MAX_URL_LENGTH"]``: checked at ``manage.py check``, inherited
by tenants like the other transport settings."""

from __future__ import annotations

import pytest
from django.core.checks import run_checks
from django.test import override_settings

from hrflow_matching import checks
from hrflow_matching.tenancy import get_tenant_config

OTHER_BACKEND = "tests.support.matching_backend.SimpleBackend"


def ids(**hrflow_matching) -> list[str]:
    hrflow_matching.setdefault("BACKEND", OTHER_BACKEND)
    with override_settings(HRFLOW_MATCHING=hrflow_matching):
        messages = run_checks(tags=[checks.TAG])
    assert all(message.hint for message in messages)
    return sorted(m.id for m in messages)


@pytest.mark.parametrize("method", ["AUTO", "POST", "post"])
def test_method_takes_auto_and_post(method: str) -> None:
    assert ids(HRFLOW={"METHOD": method}) == []


@pytest.mark.parametrize("method", ["GET", "PUT", "", None, 1])
def test_any_other_method_is_e025(method: object) -> None:
    assert ids(HRFLOW={"METHOD": method}) == ["hrflow_matching.E025"]


@pytest.mark.parametrize("length", [0, -1, "4000", 4000.5])
def test_max_url_length_is_a_positive_integer(length: object) -> None:
    assert ids(HRFLOW={"MAX_URL_LENGTH": length}) == ["hrflow_matching.E021"]


def test_a_tenant_inherits_the_method_and_the_length_not_the_keys() -> None:
    conf = {
        "HRFLOW": {"METHOD": "POST", "MAX_URL_LENGTH": 2000, "API_KEY": "askr_" + "0" * 32},
        "TENANTS": {"acme": {"API_KEY": "askr_" + "1" * 32}},
    }
    with override_settings(HRFLOW_MATCHING=conf):
        acme = get_tenant_config("acme")
    assert (acme["METHOD"], acme["MAX_URL_LENGTH"]) == ("POST", 2000)
    assert acme["API_KEY"] == "askr_" + "1" * 32
