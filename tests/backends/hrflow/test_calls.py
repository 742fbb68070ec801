"""What the HrFlow.ai backend sends on each call, and how it reads the documented answers."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Iterator

import pytest
from pytest_httpserver import HTTPServer

from hrflow_matching.backends import get_backend
from hrflow_matching.backends.base import Criteria, CriteriaNotSupported, ResultPage
from tests.support.hrflow_standin import (
    ALGORITHM_KEY,
    API_KEY,
    BOARD_KEY,
    SOURCE_KEYS,
    USER_EMAIL,
    decoded_args,
    envelope,
    hrflow_settings,
    job,
    profile,
    requests_made,
    scoring_body,
    searching_body,
)

JSON_PARAMS = {
    "source_keys",
    "board_keys",
    "location_geopoint",
    "text_keywords",
    "tags_included",
    "tags_excluded",
    "skills",
    "languages",
}

FULL = Criteria(
    location_lat=48.8566,
    location_lng=2.3522,
    location_distance=25.5,
    text_keywords=("python", "django"),
    tags_included=(("contract", "permanent"),),
    tags_excluded=(("blacklisted", None),),
    skills=("Python", "PostgreSQL"),
    languages=("en", "fr"),
    experiences_duration_min=2,
    experiences_duration_max=7.5,
    created_at_min=dt.datetime(2025, 1, 2, 3, 4, 5, tzinfo=dt.UTC),
    created_at_max=dt.datetime(2026, 2, 3, 4, 5, 6, tzinfo=dt.timezone(dt.timedelta(hours=2))),
    score_threshold=0.4,
    page=2,
    limit=10,
)

FILTERS = {
    "location_geopoint": {"lat": 48.8566, "lng": 2.3522},
    "location_distance": "26",  # whole km, rounded up
    "text_keywords": ["python", "django"],
    "tags_included": [{"name": "contract", "value": "permanent"}],
    "tags_excluded": [{"name": "blacklisted", "value": None}],
    "skills": [{"name": "Python", "value": None}, {"name": "PostgreSQL", "value": None}],
    "languages": [{"name": "en", "value": None}, {"name": "fr", "value": None}],
    "experiences_duration_min": "2",
    "experiences_duration_max": "7.5",
    "created_at_min": "2025-01-02T03:04:05+0000",
    "created_at_max": "2026-02-03T02:05:06+0000",
    "page": "2",
    "limit": "10",
}
#: The job endpoints have no experience filter: everything else of FULL.
JOB_CRITERIA = dataclasses.replace(
    FULL, experiences_duration_min=None, experiences_duration_max=None
)
JOB_FILTERS = {k: v for k, v in FILTERS.items() if not k.startswith("experiences_duration")}


@pytest.fixture
def standin(httpserver: HTTPServer) -> Iterator[HTTPServer]:
    with hrflow_settings(httpserver):
        yield httpserver


def assert_headers(request) -> None:
    assert request.headers["X-API-KEY"] == API_KEY
    assert request.headers["X-USER-EMAIL"] == USER_EMAIL


def test_score_profiles_sends_documented_parameters(standin: HTTPServer) -> None:
    docs = [profile("cand-1", "d"), profile("cand-2", "f")]
    standin.expect_request("/v1/profiles/scoring", method="GET").respond_with_data(
        scoring_body("profiles", docs, [0.91, 0.47], page=2, maxPage=3, total=25, count=2),
        content_type="application/json",
    )
    page = get_backend().score_profiles("job-42", FULL)

    (request,) = requests_made(standin)
    assert request.method == "GET"
    assert request.path == "/v1/profiles/scoring"
    assert_headers(request)
    assert decoded_args(request, JSON_PARAMS) == {
        "algorithm_key": ALGORITHM_KEY,
        "source_keys": SOURCE_KEYS,
        "board_key": BOARD_KEY,
        "job_reference": "job-42",
        "use_agent": "1",
        "sort_by": "scoring",
        "order_by": "desc",
        "score_threshold": "0.4",
        **FILTERS,
    }
    assert isinstance(page, ResultPage)
    assert (page.page, page.last_page, page.total, page.limit) == (2, 3, 25, 10)
    assert [item.reference for item in page.items] == ["cand-1", "cand-2"]
    assert [item.score for item in page.items] == [0.91, 0.47]
    first = page.items[0]
    assert first.document == docs[0]
    assert [(c.name, c.score, c.weight) for c in first.explanation] == [("hrflow", 0.91, 1.0)]


def test_score_profiles_without_criteria_sends_only_keys_and_paging(standin: HTTPServer) -> None:
    standin.expect_request("/v1/profiles/scoring").respond_with_json(
        json.loads(scoring_body("profiles", [], []))
    )
    page = get_backend().score_profiles("job-1", Criteria())
    (request,) = requests_made(standin)
    assert decoded_args(request, JSON_PARAMS) == {
        "algorithm_key": ALGORITHM_KEY,
        "source_keys": SOURCE_KEYS,
        "board_key": BOARD_KEY,
        "job_reference": "job-1",
        "use_agent": "1",
        "sort_by": "scoring",
        "order_by": "desc",
        "page": "1",
        "limit": "30",
    }
    assert page.items == () and page.total == 0


def test_score_jobs_sends_board_keys_and_first_source(standin: HTTPServer) -> None:
    docs = [job("job-7")]
    standin.expect_request("/v1/jobs/scoring", method="GET").respond_with_json(
        json.loads(scoring_body("jobs", docs, [0.9688], maxPage=73, total=73))
    )
    page = get_backend().score_jobs("cand-9", JOB_CRITERIA)
    (request,) = requests_made(standin)
    assert request.path == "/v1/jobs/scoring"
    assert_headers(request)
    assert decoded_args(request, JSON_PARAMS) == {
        "algorithm_key": ALGORITHM_KEY,
        "board_keys": [BOARD_KEY],
        "source_key": SOURCE_KEYS[0],
        "profile_reference": "cand-9",
        "use_agent": "1",
        "sort_by": "scoring",
        "order_by": "desc",
        "score_threshold": "0.4",
        **JOB_FILTERS,
    }
    assert page.items[0].reference == "job-7"
    assert page.items[0].score == 0.9688
    assert (page.last_page, page.total) == (73, 73)


def test_score_jobs_asks_each_source_until_one_holds_the_profile(standin: HTTPServer) -> None:
    """jobs/scoring names one source: a profile of the second source is found there, not
    reported as "not indexed yet" by the first."""
    from werkzeug import Request, Response

    def answer(request: Request) -> Response:
        if request.args["source_key"] == SOURCE_KEYS[0]:
            body = {"code": 400, "message": "Unable to find object: profile"}
            return Response(json.dumps(body), status=400, content_type="application/json")
        body = scoring_body("jobs", [job("job-7")], [0.9], maxPage=1, total=1)
        return Response(body, content_type="application/json")

    standin.expect_request("/v1/jobs/scoring", method="GET").respond_with_handler(answer)
    page = get_backend().score_jobs("cand-9", Criteria())
    assert [i.reference for i in page.items] == ["job-7"]
    asked = [r.args["source_key"] for r in requests_made(standin)]
    assert asked == SOURCE_KEYS


def test_score_jobs_of_a_profile_in_no_source_is_not_indexed(standin: HTTPServer) -> None:
    from hrflow_matching.backends.base import ObjectNotIndexed

    standin.expect_request("/v1/jobs/scoring", method="GET").respond_with_json(
        {"code": 400, "message": "Unable to find object: profile"}, status=400
    )
    with pytest.raises(ObjectNotIndexed):
        get_backend().score_jobs("cand-9", Criteria())
    assert len(requests_made(standin)) == len(SOURCE_KEYS)


@pytest.mark.parametrize("bounds", [(2, None), (None, 7.5), (2, 7.5)])
def test_an_experience_filter_on_jobs_is_refused_not_ignored(standin: HTTPServer, bounds) -> None:
    """HrFlow.ai's job endpoints have no experience filter: say so instead of sending a
    parameter they would ignore, and ask nothing of HrFlow.ai."""
    low, high = bounds
    criteria = dataclasses.replace(
        JOB_CRITERIA, experiences_duration_min=low, experiences_duration_max=high
    )
    backend = get_backend()
    for call in (
        lambda: backend.score_jobs("cand-9", criteria),
        lambda: backend.search_jobs(criteria),
    ):
        with pytest.raises(CriteriaNotSupported, match="cannot filter jobs by years of experience"):
            call()
    assert requests_made(standin) == []


def test_search_profiles_has_no_threshold_and_ranks_into_scores(standin: HTTPServer) -> None:
    docs = [profile("p-1"), profile("p-2"), profile("p-3")]
    standin.expect_request("/v1/profiles/searching", method="GET").respond_with_json(
        json.loads(searching_body("profiles", docs, page=2, maxPage=4, total=40, count=3))
    )
    page = get_backend().search_profiles(FULL)
    (request,) = requests_made(standin)
    assert request.path == "/v1/profiles/searching"
    assert_headers(request)
    assert decoded_args(request, JSON_PARAMS) == {
        "source_keys": SOURCE_KEYS,
        "sort_by": "searching",
        "order_by": "desc",
        **FILTERS,
    }
    # Page 2 of 10 per page: ranks 10, 11, 12 of 40.
    assert [item.score for item in page.items] == [1 - 10 / 40, 1 - 11 / 40, 1 - 12 / 40]
    assert page.items[0].explanation[0].evidence["rank"] == 11
    assert all(0.0 <= item.score <= 1.0 for item in page.items)


def test_search_jobs_without_keywords_sorts_newest_first(standin: HTTPServer) -> None:
    standin.expect_request("/v1/jobs/searching", method="GET").respond_with_json(
        json.loads(searching_body("jobs", [job("j-1")]))
    )
    page = get_backend().search_jobs(Criteria(limit=5))
    (request,) = requests_made(standin)
    assert request.path == "/v1/jobs/searching"
    assert_headers(request)
    assert decoded_args(request, JSON_PARAMS) == {
        "board_keys": [BOARD_KEY],
        "sort_by": "created_at",
        "order_by": "desc",
        "page": "1",
        "limit": "5",
    }
    assert [item.reference for item in page.items] == ["j-1"]
    assert page.items[0].score == 1.0


def test_item_without_reference_falls_back_to_key(standin: HTTPServer) -> None:
    doc = profile("x")
    del doc["reference"]
    standin.expect_request("/v1/profiles/scoring").respond_with_json(
        json.loads(scoring_body("profiles", [doc], [0.5]))
    )
    page = get_backend().score_profiles("job-1", Criteria())
    assert page.items[0].reference == doc["key"]


def test_health_calls_auth(standin: HTTPServer) -> None:
    standin.expect_request("/v1/auth", method="GET").respond_with_data(
        envelope(
            {
                "team_name": "Acme",
                "team_subdomain": "acme",
                "request_origin": "api",
                "api_key_permission": "write",
            }
        ),
        content_type="application/json",
    )
    health = get_backend().health()
    (request,) = requests_made(standin)
    assert_headers(request)
    assert health.ok and "Acme" in health.detail and "write" in health.detail


def test_health_reports_a_refused_key(standin: HTTPServer) -> None:
    standin.expect_request("/v1/auth").respond_with_json(
        {"code": 401, "message": "Unauthorized. Invalid secret key"}, status=401
    )
    health = get_backend().health()
    assert not health.ok
    assert "API key" in health.detail


def test_missing_meta_falls_back_to_the_items(standin: HTTPServer) -> None:
    body = json.loads(scoring_body("profiles", [profile("a"), profile("b", "f")], [0.9, 0.8]))
    del body["meta"]
    standin.expect_request("/v1/profiles/scoring").respond_with_json(body)
    page = get_backend().score_profiles("job-1", Criteria(page=1, limit=30))
    assert (page.page, page.last_page, page.total) == (1, 1, 2)


def test_numeric_strings_in_meta_are_read(standin: HTTPServer) -> None:
    body = json.loads(scoring_body("profiles", [profile("a")], [0.9]))
    body["meta"] = {"page": "1", "maxPage": "4", "count": "1", "total": "97"}
    standin.expect_request("/v1/profiles/scoring").respond_with_json(body)
    page = get_backend().score_profiles("job-1", Criteria())
    assert (page.page, page.last_page, page.total) == (1, 4, 97)
