"""Pushing documents through HrFlow.ai's storing API when ``HRFLOW["PUSH"]`` is on."""

from __future__ import annotations

import json

import pytest
from pytest_httpserver import HTTPServer

from hrflow_matching.backends import get_backend
from hrflow_matching.backends.base import BackendMisconfigured
from tests.support.hrflow_standin import (
    API_KEY,
    BOARD_KEY,
    SOURCE_KEYS,
    USER_EMAIL,
    envelope,
    hrflow_settings,
    job,
    profile,
    requests_made,
)

NOT_FOUND_PROFILE = {"code": 400, "message": "Unable to find object: profile"}


def our_profile(reference: str) -> dict:
    """A document as our builders make it: a reference, no HrFlow key."""
    doc = profile(reference)
    del doc["key"]
    return doc


def test_push_off_sends_nothing(httpserver: HTTPServer) -> None:
    with hrflow_settings(httpserver, HRFLOW={"PUSH": False}):
        backend = get_backend()
        backend.index("profile", [our_profile("cand-1")])
        backend.archive("job", ["job-1"])
    assert requests_made(httpserver) == []


def test_index_creates_an_unknown_profile(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/v1/profile/indexing", method="GET").respond_with_json(
        NOT_FOUND_PROFILE, status=400
    )
    httpserver.expect_request("/v1/profile/indexing", method="POST").respond_with_data(
        envelope({"key": "9" * 40, "reference": "cand-1"}, code=201, message="Profile created"),
        status=201,
        content_type="application/json",
    )
    document = our_profile("cand-1")
    with hrflow_settings(httpserver, HRFLOW={"PUSH": True}):
        get_backend().index("profile", [document])

    lookup, create = requests_made(httpserver)
    assert (lookup.method, lookup.path) == ("GET", "/v1/profile/indexing")
    assert lookup.args.to_dict(flat=False) == {
        "source_key": [SOURCE_KEYS[0]],
        "reference": ["cand-1"],
    }
    assert (create.method, create.path) == ("POST", "/v1/profile/indexing")
    for request in (lookup, create):
        assert request.headers["X-API-KEY"] == API_KEY
        assert request.headers["X-USER-EMAIL"] == USER_EMAIL
    assert create.headers["Content-Type"] == "application/json"
    assert json.loads(create.get_data()) == {**document, "source_key": SOURCE_KEYS[0]}


def test_index_edits_a_known_profile_with_its_key(httpserver: HTTPServer) -> None:
    """PUT replaces the whole object: what only HrFlow.ai holds (a recruiter's label there, an
    attachment) goes back with it, and the CRM's fields win over the stored ones."""
    stored = profile("cand-1", "7")
    stored["text"] = "old text"
    stored["labels"] = [{"board_key": BOARD_KEY, "job_reference": "job-1", "stage": "yes"}]
    stored["attachments"] = [{"type": "resume", "public_url": "https://files.example/cv.pdf"}]
    httpserver.expect_request("/v1/profile/indexing", method="GET").respond_with_json(
        json.loads(envelope(stored, message="Profile details"))
    )
    httpserver.expect_request("/v1/profile/indexing", method="PUT").respond_with_json(
        json.loads(envelope(stored, message="Profile edited"))
    )
    document = our_profile("cand-1")
    document["text"] = "new text"
    with hrflow_settings(httpserver, HRFLOW={"PUSH": True}):
        get_backend().index("profile", [document])

    _lookup, edit = requests_made(httpserver)
    assert (edit.method, edit.path) == ("PUT", "/v1/profile/indexing")
    sent = json.loads(edit.get_data())
    assert sent == {**stored, **document, "source_key": SOURCE_KEYS[0], "key": stored["key"]}
    assert sent["text"] == "new text"
    assert sent["labels"] == stored["labels"] and sent["attachments"] == stored["attachments"]


def test_index_of_a_restored_profile_unarchives_it(httpserver: HTTPServer) -> None:
    """A row archived and then restored in the CRM: the edit alone would leave the stored
    profile archived in HrFlow.ai, so an ``is_archive=0`` follows it."""
    stored = profile("cand-1", "7")
    stored["archived_at"] = "2026-03-01T00:00:00+0000"
    httpserver.expect_request("/v1/profile/indexing", method="GET").respond_with_json(
        json.loads(envelope(stored, message="Profile details"))
    )
    httpserver.expect_request("/v1/profile/indexing", method="PUT").respond_with_json(
        json.loads(envelope(stored, message="Profile edited"))
    )
    httpserver.expect_request("/v1/profile/indexing/archive", method="PATCH").respond_with_json(
        json.loads(envelope({"key": stored["key"]}, message="Profile unarchived"))
    )
    document = our_profile("cand-1")
    document["archived_at"] = None
    with hrflow_settings(httpserver, HRFLOW={"PUSH": True}):
        get_backend().index("profile", [document])
    _lookup, edit, unarchive = requests_made(httpserver)
    assert (edit.method, unarchive.method) == ("PUT", "PATCH")
    assert json.loads(unarchive.get_data()) == {
        "source_key": SOURCE_KEYS[0],
        "reference": "cand-1",
        "is_archive": 0,
    }


def test_index_jobs_uses_the_board(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/v1/job/indexing", method="GET").respond_with_json(
        {"code": 400, "message": "Unable to find object: job"}, status=400
    )
    httpserver.expect_request("/v1/job/indexing", method="POST").respond_with_json(
        json.loads(envelope({"key": "8" * 40}, code=201)), status=201
    )
    document = job("job-3")
    with hrflow_settings(httpserver, HRFLOW={"PUSH": True}):
        get_backend().index("job", [document])
    lookup, create = requests_made(httpserver)
    assert lookup.args.to_dict() == {"board_key": BOARD_KEY, "reference": "job-3"}
    body = json.loads(create.get_data())
    assert body["board_key"] == BOARD_KEY
    assert "key" not in body  # the server makes the key on create
    assert body["reference"] == "job-3"


def test_archive_patches_each_reference(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/v1/job/indexing/archive", method="PATCH").respond_with_json(
        json.loads(envelope({"key": "8" * 40}, message="Job archived"))
    )
    with hrflow_settings(httpserver, HRFLOW={"PUSH": True}):
        get_backend().archive("job", ["job-1", "job-2"])
    calls = requests_made(httpserver)
    assert [(r.method, r.path) for r in calls] == [("PATCH", "/v1/job/indexing/archive")] * 2
    assert [json.loads(r.get_data()) for r in calls] == [
        {"board_key": BOARD_KEY, "reference": ref, "is_archive": 1} for ref in ("job-1", "job-2")
    ]
    assert all(r.headers["X-API-KEY"] == API_KEY for r in calls)


def test_archive_of_an_absent_profile_is_fine(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/v1/profile/indexing/archive", method="PATCH").respond_with_json(
        NOT_FOUND_PROFILE, status=400
    )
    with hrflow_settings(httpserver, HRFLOW={"PUSH": True}):
        get_backend().archive("profile", ["gone"])
    (request,) = requests_made(httpserver)
    assert json.loads(request.get_data()) == {
        "source_key": SOURCE_KEYS[0],
        "reference": "gone",
        "is_archive": 1,
    }


def test_archive_with_an_unknown_source_is_an_error(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/v1/profile/indexing/archive", method="PATCH").respond_with_json(
        {"code": 400, "message": "Invalid parameters. Unable to find object: source"}, status=400
    )
    with (
        hrflow_settings(httpserver, HRFLOW={"PUSH": True}),
        pytest.raises(BackendMisconfigured),
    ):
        get_backend().archive("profile", ["cand-1"])
