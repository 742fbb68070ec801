"""The helpers ``hrflow_matching.testing`` ships for host projects' tests."""

from __future__ import annotations

import pytest
from django.test import override_settings

from hrflow_matching.backends import get_backend
from hrflow_matching.backends.base import Criteria, ObjectNotIndexed, ResultPage
from hrflow_matching.conf import get_settings
from hrflow_matching.testing import (
    Recorder,
    RecordingBackend,
    override_hrflow_settings,
    recording_backend,
)


def test_recording_backend_records_and_answers() -> None:
    with recording_backend() as recorder:
        recorder.results["score_profiles"] = ["c-1", ("c-2", 0.25), "c-3"]
        backend = get_backend("alpha")
        assert isinstance(backend, RecordingBackend)
        page = backend.score_profiles("job-1", Criteria(limit=2))
        backend.index("profile", [{"reference": "c-1"}])
        backend.archive("job", ["job-9"])
        assert backend.health().ok

    assert [item.reference for item in page.items] == ["c-1", "c-2"]
    assert [item.score for item in page.items] == [1.0, 0.25]
    assert (page.total, page.last_page) == (3, 2)
    assert [call.method for call in recorder.calls] == [
        "score_profiles",
        "index",
        "archive",
        "health",
    ]
    first = recorder.calls[0]
    assert first.tenant == "alpha"
    assert first.args["job_reference"] == "job-1"
    assert recorder.calls_to("archive")[0].args == {"kind": "job", "references": ["job-9"]}


def test_recording_backend_raises_configured_errors_and_defaults_to_empty() -> None:
    with recording_backend() as recorder:
        recorder.results["score_jobs"] = ObjectNotIndexed()
        backend = get_backend()
        with pytest.raises(ObjectNotIndexed):
            backend.score_jobs("cand-1", Criteria())
        assert backend.search_jobs(Criteria()) == ResultPage.empty(Criteria())
        recorder.results["search_profiles"] = lambda criteria: ["only-" + criteria.text_keywords[0]]
        page = backend.search_profiles(Criteria(text_keywords=("python",)))
    assert [item.reference for item in page.items] == ["only-python"]


def test_recorder_can_be_pinned() -> None:
    recorder = Recorder()
    RecordingBackend(recorder=recorder).search_jobs(Criteria())
    assert [call.method for call in recorder.calls] == ["search_jobs"]


@override_settings(HRFLOW_MATCHING={"HRFLOW": {"API_KEY": "askr_" + "0" * 32, "PUSH": False}})
def test_override_hrflow_settings_merges_nested_dicts_and_nests() -> None:
    with override_hrflow_settings(HRFLOW={"PUSH": True}):
        hrflow = get_settings()["HRFLOW"]
        assert hrflow["PUSH"] is True
        assert hrflow["API_KEY"] == "askr_" + "0" * 32
        with override_hrflow_settings(BACKEND="hrflow", TENANTS={"a": {}}):
            assert get_settings()["HRFLOW"]["PUSH"] is True
            assert get_settings()["BACKEND"] == "hrflow"
            assert get_settings()["TENANTS"] == {"a": {}}
    assert get_settings()["HRFLOW"]["PUSH"] is False
    assert get_settings()["BACKEND"] == "local"


@override_settings(
    HRFLOW_MATCHING={
        "LOCAL": {"WEIGHTS": {"title": 0.5}},
        "PAGES": {"BASE_TEMPLATE": "crm/base.html"},
    }
)
def test_override_hrflow_settings_merges_at_every_depth_as_the_settings_do() -> None:
    with override_hrflow_settings(LOCAL={"WEIGHTS": {"skills": 1.0}}, PAGES={"PAGE_SIZE": 5}):
        conf = get_settings()
        assert conf["LOCAL"]["WEIGHTS"]["skills"] == 1.0
        assert conf["LOCAL"]["WEIGHTS"]["title"] == 0.5  # the project's, not the default
        assert conf["LOCAL"]["WEIGHTS"]["text"] == 0.15  # the default
        assert conf["PAGES"] == {**conf["PAGES"], "PAGE_SIZE": 5, "BASE_TEMPLATE": "crm/base.html"}
    assert get_settings()["LOCAL"]["WEIGHTS"]["skills"] == 0.35


@pytest.mark.django_db
def test_the_pytest_plugin_fixtures(hrflow_recorder, hrflow_events_paused) -> None:
    """``hrflow_matching.pytest_plugin``: the backend records and answers, and the test's
    saves record no event."""
    from example_crm.models import JobOffer
    from hrflow_matching.backends import get_backend
    from hrflow_matching.models import Event

    JobOffer.objects.create(reference="job-1", title="Analyst")
    assert Event.objects.count() == 0
    hrflow_recorder.results["search_profiles"] = ["cand-1"]
    page = get_backend().search_profiles(Criteria())
    assert [i.reference for i in page.items] == ["cand-1"]
    assert [c.method for c in hrflow_recorder.calls] == ["search_profiles"]
