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
OTHER_BACKEND = "tests.support.matching_backend.SimpleBackend"


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
    assert ids(BACKEND="local", LOCAL={"INDEX_DIR": "/srv/hrflow-index"}) == []


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


# -- blank HrFlow.ai keys (E004–E006) ----------------------------------------------------------
@pytest.mark.parametrize(
    ("key", "value", "check_id"),
    [
        # What os.environ.get("HRFLOW_SOURCE_KEYS", "").split(",") gives when it is unset.
        ("SOURCE_KEYS", [""], "E004"),
        ("SOURCE_KEYS", [" ", ""], "E004"),
        ("SOURCE_KEYS", " , ", "E004"),
        ("BOARD_KEY", "   ", "E005"),
        ("ALGORITHM_KEY", "\t", "E006"),
    ],
)
def test_blank_hrflow_keys_are_missing(key: str, value: object, check_id: str) -> None:
    config = {**KEYS, key: value}
    assert ids(BACKEND="hrflow", HRFLOW=config) == [f"hrflow_matching.{check_id}"]
    with override_settings(HRFLOW_MATCHING={"BACKEND": "hrflow", "HRFLOW": config}):
        (message,) = run_checks(tags=[checks.TAG])
    assert f"(it is {value!r})" in message.msg


def test_a_tenant_with_blank_keys_is_warned() -> None:
    tenants = {"acme": {**KEYS, "SOURCE_KEYS": [""]}}
    assert ids(BACKEND="hrflow", TENANTS=tenants) == ["hrflow_matching.W002"]


# -- adapters naming fields their model lacks (E012) -------------------------------------------
@pytest.mark.parametrize(
    ("attr", "value"),
    [
        ("updated_at_field", "modified_at"),
        ("created_at_field", "created"),
        ("reference_field", "ref"),
        ("tenant_field", "organisation__code"),
        ("tenant_field", "first_name__slug"),
    ],
)
def test_adapter_field_missing_on_its_model_is_e012(
    monkeypatch: pytest.MonkeyPatch, attr: str, value: str
) -> None:
    from example_crm.hrflow import CandidateAdapter
    from example_crm.models import Candidate

    broken = type("BrokenAdapter", (CandidateAdapter,), {attr: value})
    monkeypatch.setitem(registry._registry, Candidate, broken(Candidate))
    with override_settings(HRFLOW_MATCHING={"BACKEND": OTHER_BACKEND}):
        messages = run_checks(tags=[checks.TAG])
    assert [m.id for m in messages] == ["hrflow_matching.E012"]
    assert f"BrokenAdapter.{attr} = {value!r}" in messages[0].msg
    assert f"Set {attr} on BrokenAdapter" in messages[0].hint


def test_adapter_fields_may_be_pk_and_relation_lookups(monkeypatch: pytest.MonkeyPatch) -> None:
    from example_crm.hrflow import CandidateAdapter
    from example_crm.models import Candidate

    lookups = {"reference_field": "pk", "tenant_field": "organisation__pk"}
    adapter = type("PkAdapter", (CandidateAdapter,), lookups)
    monkeypatch.setitem(registry._registry, Candidate, adapter(Candidate))
    assert ids() == []
    adapter = type("NoDateAdapter", (CandidateAdapter,), {"updated_at_field": ""})
    monkeypatch.setitem(registry._registry, Candidate, adapter(Candidate))
    assert ids() == ["hrflow_matching.E012"]


# -- values of settings (E020–E024) ------------------------------------------------------------
@pytest.mark.parametrize(
    ("section", "key", "value"),
    [
        ("API", "PAGE_SIZE", "abc"),
        ("API", "PAGE_SIZE", 0),
        ("API", "PAGE_SIZE", 2.5),
        ("API", "PAGE_SIZE", True),
        ("API", "MAX_PAGE_SIZE", -1),
        ("API", "SETTLE_SECONDS", "5s"),
        ("API", "TOMBSTONE_RETENTION_DAYS", None),
        ("PAGES", "PAGE_SIZE", "20"),
        ("PAGES", "MAX_PAGE_SIZE", 0),
        ("PAGES", "DEFAULT_DISTANCE_KM", "far"),
        ("WEBHOOKS", "SWEEP_INTERVAL", "abc"),
        ("WEBHOOKS", "SWEEP_INTERVAL", 0),
        ("WEBHOOKS", "TOTAL_TIMEOUT", float("nan")),
        ("WEBHOOKS", "CONNECT_TIMEOUT", -1),
        ("WEBHOOKS", "JITTER", 1.5),
        ("WEBHOOKS", "CLAIM_LEASE", "long"),
        ("WEBHOOKS", "PARALLEL", 0),
        ("WEBHOOKS", "SWEEP_BATCH", "500"),
        ("WEBHOOKS", "ROTATION_GRACE", -5),
        ("WEBHOOKS", "ATTEMPT_RETENTION_DAYS", "30"),
        ("HRFLOW", "READ_TIMEOUT", "15"),
        ("HRFLOW", "MAX_RETRIES", -1),
        ("LOCAL", "REBUILD_AFTER", "many"),
        ("LOCAL", "MEMORY_BUDGET_MB", "1G"),
    ],
)
def test_bad_numeric_setting_is_e021_naming_it(section: str, key: str, value: object) -> None:
    with override_settings(HRFLOW_MATCHING={"BACKEND": OTHER_BACKEND, section: {key: value}}):
        messages = run_checks(tags=[checks.TAG])
    assert [m.id for m in messages] == ["hrflow_matching.E021"]
    assert f'HRFLOW_MATCHING["{section}"]["{key}"] = {value!r}' in messages[0].msg
    assert "default" in messages[0].hint


@pytest.mark.parametrize(
    ("section", "key", "accepted", "rejected"),
    [
        ("WEBHOOKS", "CLAIM_LEASE", None, 0),
        ("WEBHOOKS", "JITTER", 0, -0.1),
        ("WEBHOOKS", "JITTER", 1, 1.01),
        ("WEBHOOKS", "SWEEP_INTERVAL", 0.5, 0),
        ("WEBHOOKS", "SWEEP_GRACE", 0, -1),
        ("API", "SETTLE_SECONDS", 0, -0.5),
        ("API", "PAGE_SIZE", 1, 0),
        ("LOCAL", "REBUILD_AFTER", None, -1),
        ("LOCAL", "REBUILD_AFTER", 0, 0.5),
        ("LOCAL", "MEMORY_BUDGET_MB", None, 0),
    ],
)
def test_numeric_bounds_take_the_documented_values_and_nothing_past_them(
    section: str, key: str, accepted: object, rejected: object
) -> None:
    assert ids(**{section: {key: rejected}}) == ["hrflow_matching.E021"]
    assert ids(**{section: {key: accepted}}) == []


@pytest.mark.parametrize("schedule", [[], [0, "5"], [0, -1], "0,5,300", None])
def test_bad_retry_schedule_is_e021(schedule: object) -> None:
    assert ids(WEBHOOKS={"RETRY_SCHEDULE": schedule}) == ["hrflow_matching.E021"]
    assert ids(WEBHOOKS={"RETRY_SCHEDULE": [0, 0.05, 1]}) == []


@pytest.mark.parametrize(
    ("accepted", "rejected"),
    [
        ("1200/min", "fast"),
        ("10/s", "5/fortnight"),
        ("5/hour", "0/min"),
        ("1000/day", "-1/s"),
        ("1/m", "abc/min"),
        (None, "5/"),
        (None, 1200),
    ],
)
def test_throttle_rate_is_what_drfs_parser_reads_else_e022(
    accepted: object, rejected: object
) -> None:
    assert ids(API={"THROTTLE_RATE": rejected}) == ["hrflow_matching.E022"]
    assert ids(API={"THROTTLE_RATE": accepted}) == []


@pytest.mark.parametrize(
    ("weights", "expected"),
    [
        ({"skills": "high"}, ["E023"]),
        ({"skills": -0.1}, ["E023"]),
        ({"title": None}, ["E023"]),
        ({"skill": 0.5}, ["E024"]),
        ({"skill": 0.5, "title": "x"}, ["E023", "E024"]),
    ],
)
def test_bad_weights_are_e023_and_unknown_criteria_e024(
    weights: dict[str, object], expected: list[str]
) -> None:
    assert ids(LOCAL={"WEIGHTS": weights}) == [f"hrflow_matching.{e}" for e in expected]


def test_weights_accept_every_criterion_of_the_engine_and_not_a_non_dict() -> None:
    from hrflow_matching.backends.local.scoring import CRITERIA

    assert ids(LOCAL={"WEIGHTS": dict.fromkeys(CRITERIA, 0)}) == []
    assert ids(LOCAL={"WEIGHTS": ["skills"]}) == ["hrflow_matching.E023"]


@pytest.mark.parametrize("section", ["API", "WEBHOOKS", "LOCAL", "PAGES", "HRFLOW"])
def test_a_section_that_is_not_a_dict_is_e020(section: str) -> None:
    assert ids(**{section: None}) == ["hrflow_matching.E020"]
