"""Settings: ``HRFLOW_MATCHING`` merged with the defaults at every depth, read lazily."""

from __future__ import annotations

from django.test import override_settings

from hrflow_matching.conf import DEFAULTS, get_settings

DEFAULT_WEIGHTS = DEFAULTS["LOCAL"]["WEIGHTS"]


@override_settings(HRFLOW_MATCHING={"LOCAL": {"WEIGHTS": {"skills": 2.0}}})
def test_one_weight_keeps_the_defaults_of_the_others() -> None:
    weights = get_settings()["LOCAL"]["WEIGHTS"]
    assert weights == {**DEFAULT_WEIGHTS, "skills": 2.0}
    assert get_settings()["LOCAL"]["REBUILD_AFTER"] == DEFAULTS["LOCAL"]["REBUILD_AFTER"]
    assert DEFAULT_WEIGHTS["skills"] == 0.35  # the defaults themselves are left untouched


@override_settings(
    HRFLOW_MATCHING={
        "TENANTS": {"acme": {"API_KEY": "k"}},
        "WEBHOOKS": {"RETRY_SCHEDULE": [0, 1]},
        "LOCAL": {"WEIGHTS": {"title": 0.5}},
    }
)
def test_tenants_and_lists_are_taken_whole() -> None:
    conf = get_settings()
    assert conf["TENANTS"] == {"acme": {"API_KEY": "k"}}
    assert conf["WEBHOOKS"]["RETRY_SCHEDULE"] == [0, 1]
    assert conf["LOCAL"]["WEIGHTS"]["skills"] == DEFAULT_WEIGHTS["skills"]
