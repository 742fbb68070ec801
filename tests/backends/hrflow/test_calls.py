"""What the HrFlow.ai backend sends on each call, and how it reads the documented answers.

Every test runs as GET and as POST (the ``standin`` fixture); the stand-in refuses what
HrFlow.ai's documentation does not allow, so a passing test is a documented request."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import pytest
from werkzeug import Request, Response

from hrflow_matching.backends import get_backend
from hrflow_matching.backends.base import Criteria, CriteriaNotSupported, ResultPage
from tests.support.hrflow_standin import (
    ALGORITHM_KEY,
    API_KEY,
    BOARD_KEY,
    SOURCE_KEYS,
    USER_EMAIL,
    StandIn,
    envelope,
    job,
    profile,
    scoring_body,
    searching_body,
)

FULL = Criteria(
    location_lat=48.8566,
    location_lng=2.3522,
    location_distance=25.5,
    text_keywords=("python", "django"),
    tags_included=(("contract", "permanent"),),
    tags_excluded=(("blacklisted", None),),
    skills=("Python", "PostgreSQL"),
    languages=("en", "Français", "anglais"),  # a code, a name, a French name: two languages
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
    "tags_included": [[{"name": "contract", "value": "permanent"}]],
    "tags_excluded": [[{"name": "blacklisted", "value": None}]],
    "skills": [{"name": "Python", "value": None}, {"name": "PostgreSQL", "value": None}],
    "languages": [{"name": "english", "value": None}, {"name": "french", "value": None}],
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


SCORING = {"algorithm_key": ALGORITHM_KEY, "use_algorithm": "1", "use_agent": "1"}


def assert_headers(request) -> None:
    assert request.headers["X-API-KEY"] == API_KEY
    assert request.headers["X-USER-EMAIL"] == USER_EMAIL


def test_score_profiles_sends_documented_parameters(standin: StandIn) -> None:
    docs = [profile("cand-1", "d"), profile("cand-2", "f")]
    standin.serve(
        "/v1/profiles/scoring",
        scoring_body("profiles", docs, [0.91, 0.47], page=2, maxPage=3, total=25, count=2),
    )
    page = get_backend().score_profiles("job-42", FULL)

    (request,) = standin.requests()
    assert request.method == standin.method
    assert request.path == "/v1/profiles/scoring"
    assert_headers(request)
    assert standin.params() == [
        {
            **SCORING,
            "source_keys": SOURCE_KEYS,
            "board_key": BOARD_KEY,
            "job_reference": "job-42",
            "sort_by": "scoring",
            "order_by": "desc",
            "score_threshold": "0.4",
            **FILTERS,
        }
    ]
    assert isinstance(page, ResultPage)
    assert (page.page, page.last_page, page.total, page.limit) == (2, 3, 25, 10)
    assert [item.reference for item in page.items] == ["cand-1", "cand-2"]
    assert [item.score for item in page.items] == [0.91, 0.47]
    first = page.items[0]
    assert first.document == docs[0]
    assert [(c.name, c.score, c.weight) for c in first.explanation] == [("hrflow", 0.91, 1.0)]


def test_score_profiles_without_criteria_sends_only_keys_and_paging(standin: StandIn) -> None:
    standin.serve("/v1/profiles/scoring", scoring_body("profiles", [], []))
    page = get_backend().score_profiles("job-1", Criteria())
    assert standin.params() == [
        {
            **SCORING,
            "source_keys": SOURCE_KEYS,
            "board_key": BOARD_KEY,
            "job_reference": "job-1",
            "sort_by": "scoring",
            "order_by": "desc",
            "page": "1",
            "limit": "30",
        }
    ]
    assert page.items == () and page.total == 0


def test_score_jobs_sends_board_keys_and_first_source(standin: StandIn) -> None:
    docs = [job("job-7")]
    standin.serve("/v1/jobs/scoring", scoring_body("jobs", docs, [0.9688], maxPage=73, total=73))
    page = get_backend().score_jobs("cand-9", JOB_CRITERIA)
    (request,) = standin.requests()
    assert (request.method, request.path) == (standin.method, "/v1/jobs/scoring")
    assert_headers(request)
    assert standin.params() == [
        {
            **SCORING,
            "board_keys": [BOARD_KEY],
            "source_key": SOURCE_KEYS[0],
            "profile_reference": "cand-9",
            "sort_by": "scoring",
            "order_by": "desc",
            "score_threshold": "0.4",
            **JOB_FILTERS,
        }
    ]
    assert page.items[0].reference == "job-7"
    assert page.items[0].score == 0.9688
    assert (page.last_page, page.total) == (73, 73)


def test_score_jobs_asks_each_source_until_one_holds_the_profile(standin: StandIn) -> None:
    """jobs/scoring names one source: a profile of the second source is found there, not
    reported as "not indexed yet" by the first."""

    def answer(request: Request, params: dict) -> Response:
        if params["source_key"] == SOURCE_KEYS[0]:
            body = {"code": 400, "message": "Unable to find object: profile"}
            return Response(json.dumps(body), status=400, content_type="application/json")
        body = scoring_body("jobs", [job("job-7")], [0.9], maxPage=1, total=1)
        return Response(body, content_type="application/json")

    standin.serve("/v1/jobs/scoring", handler=answer)
    page = get_backend().score_jobs("cand-9", Criteria())
    assert [i.reference for i in page.items] == ["job-7"]
    assert [p["source_key"] for p in standin.params()] == SOURCE_KEYS


def test_score_jobs_of_a_profile_in_no_source_is_not_indexed(standin: StandIn) -> None:
    from hrflow_matching.backends.base import ObjectNotIndexed

    standin.serve(
        "/v1/jobs/scoring", {"code": 400, "message": "Unable to find object: profile"}, status=400
    )
    with pytest.raises(ObjectNotIndexed):
        get_backend().score_jobs("cand-9", Criteria())
    assert len(standin.requests()) == len(SOURCE_KEYS)


@pytest.mark.parametrize("bounds", [(2, None), (None, 7.5), (2, 7.5)])
def test_an_experience_filter_on_jobs_is_refused_not_ignored(standin: StandIn, bounds) -> None:
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
    assert standin.requests() == []


def test_search_profiles_has_no_threshold_and_ranks_into_scores(standin: StandIn) -> None:
    docs = [profile("p-1"), profile("p-2"), profile("p-3")]
    standin.serve(
        "/v1/profiles/searching",
        searching_body("profiles", docs, page=2, maxPage=4, total=40, count=3),
    )
    page = get_backend().search_profiles(FULL)
    (request,) = standin.requests()
    assert (request.method, request.path) == (standin.method, "/v1/profiles/searching")
    assert_headers(request)
    assert standin.params() == [
        {"source_keys": SOURCE_KEYS, "sort_by": "searching", "order_by": "desc", **FILTERS}
    ]
    # Page 2 of 10 per page: ranks 10, 11, 12 of 40.
    assert [item.score for item in page.items] == [1 - 10 / 40, 1 - 11 / 40, 1 - 12 / 40]
    assert page.items[0].explanation[0].evidence["rank"] == 11
    assert all(0.0 <= item.score <= 1.0 for item in page.items)


def test_search_jobs_sends_every_job_filter(standin: StandIn) -> None:
    standin.serve("/v1/jobs/searching", searching_body("jobs", [job("j-1")]))
    get_backend().search_jobs(JOB_CRITERIA)
    assert standin.params() == [
        {"board_keys": [BOARD_KEY], "sort_by": "searching", "order_by": "desc", **JOB_FILTERS}
    ]


def test_search_jobs_without_keywords_sorts_newest_first(standin: StandIn) -> None:
    standin.serve("/v1/jobs/searching", searching_body("jobs", [job("j-1")]))
    page = get_backend().search_jobs(Criteria(limit=5))
    (request,) = standin.requests()
    assert (request.method, request.path) == (standin.method, "/v1/jobs/searching")
    assert_headers(request)
    assert standin.params() == [
        {
            "board_keys": [BOARD_KEY],
            "sort_by": "created_at",
            "order_by": "desc",
            "page": "1",
            "limit": "5",
        }
    ]
    assert [item.reference for item in page.items] == ["j-1"]
    assert page.items[0].score == 1.0


def test_several_tags_are_one_inner_list_each(standin: StandIn) -> None:
    """HrFlow.ai's list of lists: one tag per inner list, so every tag applies."""
    standin.serve("/v1/profiles/searching", searching_body("profiles", []))
    criteria = Criteria(
        tags_included=(("contract", "permanent"), ("remote", "true")),
        tags_excluded=(("blacklisted", None), ("status", "hired")),
    )
    get_backend().search_profiles(criteria)
    (params,) = standin.params()
    assert params["tags_included"] == [
        [{"name": "contract", "value": "permanent"}],
        [{"name": "remote", "value": "true"}],
    ]
    assert params["tags_excluded"] == [
        [{"name": "blacklisted", "value": None}],
        [{"name": "status", "value": "hired"}],
    ]


def test_item_without_reference_falls_back_to_key(standin: StandIn) -> None:
    doc = profile("x")
    del doc["reference"]
    standin.serve("/v1/profiles/scoring", scoring_body("profiles", [doc], [0.5]))
    page = get_backend().score_profiles("job-1", Criteria())
    assert page.items[0].reference == doc["key"]


def test_health_calls_auth(standin: StandIn) -> None:
    standin.server.expect_request("/v1/auth", method="GET").respond_with_data(
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
    (request,) = standin.requests()
    assert request.method == "GET"  # a key check, not a query: never posted
    assert_headers(request)
    assert health.ok and "Acme" in health.detail and "write" in health.detail


def test_health_reports_a_refused_key(standin: StandIn) -> None:
    standin.server.expect_request("/v1/auth").respond_with_json(
        {"code": 401, "message": "Unauthorized. Invalid secret key"}, status=401
    )
    health = get_backend().health()
    assert not health.ok
    assert "API key" in health.detail


def test_missing_meta_falls_back_to_the_items(standin: StandIn) -> None:
    body = json.loads(scoring_body("profiles", [profile("a"), profile("b", "f")], [0.9, 0.8]))
    del body["meta"]
    standin.serve("/v1/profiles/scoring", body)
    page = get_backend().score_profiles("job-1", Criteria(page=1, limit=30))
    assert (page.page, page.last_page, page.total) == (1, 1, 2)


def test_numeric_strings_in_meta_are_read(standin: StandIn) -> None:
    body = json.loads(scoring_body("profiles", [profile("a")], [0.9]))
    body["meta"] = {"page": "1", "maxPage": "4", "count": "1", "total": "97"}
    standin.serve("/v1/profiles/scoring", body)
    page = get_backend().score_profiles("job-1", Criteria())
    assert (page.page, page.last_page, page.total) == (1, 4, 97)
