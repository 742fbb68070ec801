"""System checks: each misconfiguration gives its id and a hint; the demo is clean."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.checks import run_checks
from django.core.management import call_command
from django.test import override_settings

from hrflow_matching import checks, registry

KEYS = {
    "API_KEY": "ask_x",
    "USER_EMAIL": "me@example.com",
    "SOURCE_KEYS": ["src"],
    "BOARD_KEY": "board",
    "ALGORITHM_KEY": "algo",
}


# A backend of the test suite, so that these tests do not depend on the local engine's own.
OTHER_BACKEND = "tests.matching_backend.SimpleBackend"


def ids(**hrflow_matching) -> list[str]:
    hrflow_matching.setdefault("BACKEND", OTHER_BACKEND)
    with override_settings(HRFLOW_MATCHING=hrflow_matching):
        messages = run_checks(tags=[checks.TAG])
    for message in messages:
        assert message.hint, message
    return sorted(m.id for m in messages)


# Django 6 runs model checks against every database alias by default (JSONField asks SQLite
# whether it supports JSON), so the full `check` needs database access there.
@pytest.mark.django_db
def test_demo_settings_pass_every_check() -> None:
    out = StringIO()
    call_command("check", stdout=out)
    assert "no issues" in out.getvalue()
    assert run_checks(tags=[checks.TAG]) == []


def test_local_backend_needs_no_keys() -> None:
    assert ids(BACKEND="local") == []


@pytest.mark.parametrize(
    "backend",
    ["nowhere.Backend", "unknown", "hrflow_matching.conf.DEFAULTS", "", "hrflow_matching"],
)
def test_unknown_or_wrong_backend_is_e001(backend: str) -> None:
    assert ids(BACKEND=backend) == ["hrflow_matching.E001"]


def test_hrflow_backend_with_every_key_is_clean() -> None:
    assert ids(BACKEND="hrflow", HRFLOW=KEYS) == []


@pytest.mark.parametrize(
    ("key", "check_id"),
    [
        ("API_KEY", "E002"),
        ("USER_EMAIL", "E003"),
        ("SOURCE_KEYS", "E004"),
        ("BOARD_KEY", "E005"),
        ("ALGORITHM_KEY", "E006"),
    ],
)
def test_each_missing_hrflow_key_has_its_id(key: str, check_id: str) -> None:
    config = {**KEYS, key: [] if key == "SOURCE_KEYS" else ""}
    assert ids(BACKEND="hrflow", HRFLOW=config) == [f"hrflow_matching.{check_id}"]


def test_no_keys_at_all_lists_all_five() -> None:
    assert ids(BACKEND="hrflow") == [f"hrflow_matching.E00{n}" for n in range(2, 7)]


def test_a_tenant_missing_keys_is_a_warning_naming_it() -> None:
    with override_settings(
        HRFLOW_MATCHING={
            "BACKEND": "hrflow",
            "TENANTS": {"acme": KEYS, "globex": {**KEYS, "BOARD_KEY": "", "API_KEY": ""}},
        }
    ):
        messages = run_checks(tags=[checks.TAG])
    assert [m.id for m in messages] == ["hrflow_matching.W002"]
    assert '"globex"' in messages[0].msg and "API_KEY, BOARD_KEY" in messages[0].msg
    assert "acme" not in messages[0].msg


def test_tenant_keys_are_not_needed_with_another_backend() -> None:
    assert ids(TENANTS={"acme": {}}) == []


def test_unusable_tenant_provider_and_resolver() -> None:
    assert ids(TENANT_CONFIG_PROVIDER="nowhere.Provider") == ["hrflow_matching.E007"]
    assert ids(TENANT_RESOLVER="nowhere.resolve") == ["hrflow_matching.E008"]
    assert ids(TENANT_RESOLVER="hrflow_matching.checks.TAG") == ["hrflow_matching.E008"]


@pytest.mark.parametrize(("kind", "check_id"), [("profile", "E010"), ("job", "E011")])
def test_missing_adapter(monkeypatch: pytest.MonkeyPatch, kind: str, check_id: str) -> None:
    kept = {m: a for m, a in registry._registry.items() if a.kind != kind}
    monkeypatch.setattr(registry, "_registry", kept)
    assert ids() == [f"hrflow_matching.{check_id}"]


def test_private_webhook_targets_warn_only_without_debug() -> None:
    with override_settings(DEBUG=False):
        assert ids(WEBHOOKS={"ALLOW_PRIVATE": True}) == ["hrflow_matching.W001"]
        assert ids(WEBHOOKS={"ALLOW_PRIVATE": False}) == []
    with override_settings(DEBUG=True):
        assert ids(WEBHOOKS={"ALLOW_PRIVATE": True}) == []


class BrokenProvider:
    def tenants(self) -> list[str]:
        raise ConnectionError("vault unreachable")


def test_a_provider_that_cannot_list_tenants_is_e007() -> None:
    path = f"{__name__}.BrokenProvider"
    assert ids(BACKEND="hrflow", TENANT_CONFIG_PROVIDER=path) == ["hrflow_matching.E007"]
