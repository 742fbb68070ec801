"""E012 and the dates an adapter names (issue #14, defect 2): a check that passes is never
followed by a 500. A ``DateField`` and a path through a to-many relation are refused with a
hint; a date-time reached through foreign keys is served (see tests/hosts/awkward)."""

from __future__ import annotations

import pytest
from django.core.checks import run_checks
from django.test import override_settings

from hrflow_matching import checks, registry

OTHER_BACKEND = "tests.support.webhook_backend.RecordingIndexBackend"


def _messages(monkeypatch: pytest.MonkeyPatch, model: type, base: type, **attrs: str) -> list:
    adapter = type("DatedAdapter", (base,), attrs)
    monkeypatch.setitem(registry._registry, model, adapter(model))
    with override_settings(HRFLOW_MATCHING={"BACKEND": OTHER_BACKEND}):
        return [m for m in run_checks(tags=[checks.TAG]) if m.id == "hrflow_matching.E012"]


def test_a_date_field_is_refused_with_a_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    from example_crm.hrflow import JobOfferAdapter
    from example_crm.models import JobOffer

    [message] = _messages(monkeypatch, JobOffer, JobOfferAdapter, updated_at_field="start_date")
    assert message.id == "hrflow_matching.E012"
    assert "'start_date' is a DateField" in message.msg
    assert "A model without a modification time" in message.hint
    assert "auto_now=True" in message.hint


def test_a_path_through_a_to_many_relation_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    from example_crm.hrflow import CandidateAdapter
    from example_crm.models import Candidate

    [message] = _messages(
        monkeypatch, Candidate, CandidateAdapter, created_at_field="experiences__start_date"
    )
    assert message.id == "hrflow_matching.E012"
    assert "to-many relation" in message.msg


def test_a_date_time_through_foreign_keys_passes(monkeypatch: pytest.MonkeyPatch) -> None:
    from example_crm.hrflow import CandidateAdapter
    from example_crm.models import Candidate

    assert (
        _messages(monkeypatch, Candidate, CandidateAdapter, updated_at_field="organisation__pk")
        != []
    )  # an integer is no date
    assert _messages(monkeypatch, Candidate, CandidateAdapter) == []
