"""GET while the URL is short, POST with a JSON body beyond; the stand-in's documented forms.

HrFlow.ai's changelog ("Scoring and Searching API: add new method POST") recommends a POST JSON
body for long or complex parameters. These tests pin where the switch happens, that both
carry the same parameters, and that the stand-in the other backend tests run against really
refuses what the documentation does not allow.
"""

from __future__ import annotations

import json

import pytest
import requests
from pytest_httpserver import HTTPServer

from hrflow_matching.backends import get_backend
from hrflow_matching.backends.base import Criteria, UnexpectedResponse
from hrflow_matching.backends.hrflow import HrFlowBackend
from hrflow_matching.backends.hrflow.client import get_url
from hrflow_matching.backends.hrflow.wire import criteria_params, query_params
from tests.support.hrflow_standin import (
    ALGORITHM_KEY,
    API_KEY,
    BOARD_KEY,
    SOURCE_KEYS,
    USER_EMAIL,
    StandIn,
    hrflow_settings,
    profile,
    scoring_body,
    searching_body,
)

#: 50 skills and 50 keywords with accents (French, German, Spanish, Polish, Turkish letters).
SKILLS = tuple(f"Compétence n°{i} (ingénierie)" for i in range(50))
KEYWORDS = tuple(
    f"{w}-{i}" for i, w in enumerate(["gestión", "Übersetzung", "żółw", "çalışma", "élève"] * 10)
)
BIG = Criteria(skills=SKILLS, text_keywords=KEYWORDS, languages=("fr", "de"))


def test_a_short_request_is_a_get(httpserver: HTTPServer) -> None:
    with hrflow_settings(httpserver):
        standin = StandIn(httpserver, "GET")
        standin.serve("/v1/profiles/searching", searching_body("profiles", []))
        get_backend().search_profiles(Criteria(skills=("Python",)))
    (request,) = standin.requests()
    assert request.method == "GET" and request.get_data() == b""


def test_50_skills_and_50_accented_keywords_go_as_post_with_every_parameter(
    httpserver: HTTPServer,
) -> None:
    with hrflow_settings(httpserver):
        standin = StandIn(httpserver, "POST")
        standin.serve("/v1/profiles/scoring", scoring_body("profiles", [profile("cand-1")], [0.7]))
        page = get_backend().score_profiles("job-1", BIG)
    (request,) = standin.requests()
    assert request.method == "POST"
    assert request.query_string == b""
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["X-API-KEY"] == API_KEY
    assert request.headers["X-USER-EMAIL"] == USER_EMAIL
    raw = request.get_data()
    assert "Übersetzung-1".encode() in raw and b", " not in raw  # compact UTF-8 JSON
    body = json.loads(raw)
    assert body["skills"] == [{"name": s, "value": None} for s in SKILLS]
    assert body["text_keywords"] == list(KEYWORDS)
    assert body["languages"] == [
        {"name": "french", "value": None},
        {"name": "german", "value": None},
    ]
    # Native JSON in the body, not the JSON strings of a query.
    assert body["source_keys"] == SOURCE_KEYS and body["page"] == 1 and body["use_algorithm"] == 1
    assert (body["algorithm_key"], body["board_key"]) == (ALGORITHM_KEY, BOARD_KEY)
    assert [item.reference for item in page.items] == ["cand-1"]


def test_the_same_request_under_a_higher_limit_is_a_get_with_the_same_parameters(
    httpserver: HTTPServer,
) -> None:
    """GET and POST carry the same parameters: the 50 + 50 request, once posted and once as
    a 9,000-character URL (accents percent-encoded as UTF-8), reads the same."""
    with hrflow_settings(httpserver):
        standin = StandIn(httpserver, "POST")
        standin.serve("/v1/profiles/scoring", scoring_body("profiles", [], []))
        get_backend().score_profiles("job-1", BIG)
    posted = standin.params()
    httpserver.clear()
    with hrflow_settings(httpserver, HRFLOW={"MAX_URL_LENGTH": 100_000}):
        standin = StandIn(httpserver, "GET")
        standin.serve("/v1/profiles/scoring", scoring_body("profiles", [], []))
        get_backend().score_profiles("job-1", BIG)
    (request,) = standin.requests()
    assert len(request.query_string) > 4000  # percent-encoded, as sent
    assert standin.params() == posted


def test_the_switch_is_at_max_url_length_exactly(httpserver: HTTPServer) -> None:
    """A URL of exactly ``MAX_URL_LENGTH`` characters is a GET; one character more, a POST."""
    criteria = Criteria(text_keywords=("x" * 50,))
    with hrflow_settings(httpserver):
        backend = HrFlowBackend(tenant=None)
        transport = backend.transport(backend.config())
        fixed_params = {
            "source_keys": SOURCE_KEYS,
            "sort_by": "searching",
            "order_by": "desc",
            **criteria_params(criteria, "profiles/searching"),
        }
        length = len(get_url(transport, "profiles/searching", query_params(fixed_params)))
    methods = []
    for limit in (length, length - 1):
        httpserver.clear()
        with hrflow_settings(httpserver, HRFLOW={"MAX_URL_LENGTH": limit}):
            standin = StandIn(httpserver, "GET" if limit == length else "POST")
            standin.serve("/v1/profiles/searching", searching_body("profiles", []))
            get_backend().search_profiles(criteria)
            (request,) = standin.requests()
            methods.append(request.method)
            assert standin.params()[0] == {
                k: v if isinstance(v, list | dict) else str(v) for k, v in fixed_params.items()
            }
    assert methods == ["GET", "POST"]


def test_method_post_posts_even_a_short_request(httpserver: HTTPServer) -> None:
    with hrflow_settings(httpserver, HRFLOW={"METHOD": "POST"}):
        standin = StandIn(httpserver, "POST")
        standin.serve("/v1/jobs/searching", searching_body("jobs", []))
        get_backend().search_jobs(Criteria())
    (request,) = standin.requests()
    assert json.loads(request.get_data()) == {
        "board_keys": [BOARD_KEY],
        "sort_by": "created_at",
        "order_by": "desc",
        "page": 1,
        "limit": 30,
    }


def test_a_posted_query_is_retried_like_a_get(httpserver: HTTPServer) -> None:
    """A searching POST reads, it creates nothing: a 500 is retried as for a GET."""
    sleeps: list[float] = []
    with hrflow_settings(httpserver, HRFLOW={"METHOD": "POST"}):
        standin = StandIn(httpserver, "POST")
        standin.serve("/v1/profiles/searching", "boom", status=500, oneshot=True)
        standin.serve("/v1/profiles/searching", searching_body("profiles", [profile("p-1")]))
        page = HrFlowBackend(tenant=None, sleep=sleeps.append).search_profiles(Criteria())
    assert [r.method for r in standin.requests()] == ["POST", "POST"]
    assert sleeps == [0.5]
    assert [item.reference for item in page.items] == ["p-1"]


# -- the stand-in refuses what the documentation does not allow ---------------------------

FORMS = {
    "source_keys": json.dumps(SOURCE_KEYS),
    "sort_by": "searching",
    "order_by": "desc",
    "page": "1",
    "limit": "30",
}


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        ({"tags_included": '[{"name":"active","value":"true"}]'}, "list of lists"),
        ({"tags_excluded": '[{"name":"active","value":"true"}]'}, "list of lists"),
        ({"languages": '[{"name":"en","value":null}]'}, "not coded"),
        ({"languages": '[{"name":"en-GB","value":null}]'}, "not coded"),
        ({"skills": '["python"]'}, "{name, value}"),
        ({"source_keys": '"one-key"'}, "source_keys"),
        ({"text_keywords": "python,django"}, "text_keywords"),
        ({"location_geopoint": '{"lat":48.8,"lon":2.3}'}, '"lng"'),
        ({"date_range_min": "2026-01-01"}, "takes no parameter date_range_min"),
        ({"sort_by": "relevance"}, "sort_by"),
    ],
)
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_the_standin_refuses_undocumented_forms(
    httpserver: HTTPServer, extra: dict[str, str], words: str, method: str
) -> None:
    standin = StandIn(httpserver, method)
    standin.serve("/v1/profiles/searching", searching_body("profiles", []))
    params = {**FORMS, **extra}
    url = httpserver.url_for("/v1/profiles/searching")
    if method == "GET":
        answer = requests.get(url, params=params, timeout=5)
    else:
        body = {}
        for key, value in params.items():
            try:
                body[key] = json.loads(value) if key not in ("sort_by", "order_by") else value
            except ValueError:
                body[key] = value
        answer = requests.post(url, json=body, timeout=5)
    assert answer.status_code == 400, answer.text
    assert words in answer.json()["message"]


def test_the_standin_accepts_the_documented_example(httpserver: HTTPServer) -> None:
    """The job-searching example of HrFlow.ai's reference (``tags_included=[[{…}]]``), as a
    query: the stand-in is not so strict that the documentation itself fails it."""
    standin = StandIn(httpserver, "GET")
    standin.serve("/v1/jobs/searching", searching_body("jobs", []))
    params = {
        "board_keys": json.dumps(["board_key1", "board_key2"]),
        "name": "data scientist",
        "page": 1,
        "limit": 10,
        "order_by": "asc",
        "sort_by": "created_at",
        "text_keywords": json.dumps(["engineer", "python"]),
        "tags_included": json.dumps([[{"name": "active", "value": True}]]),
        "location_distance": 30,
        "location_geopoint": json.dumps({"lat": 33.59662, "lng": -7.61889}),
    }
    answer = requests.get(httpserver.url_for("/v1/jobs/searching"), params=params, timeout=5)
    assert answer.status_code == 200, answer.text


def test_a_refusal_reaches_the_recruiter_as_hrflows_message(httpserver: HTTPServer) -> None:
    """What the stand-in refuses is an error with HrFlow.ai's words, never a silent filter:
    here a client that sends the method the test does not expect."""
    with hrflow_settings(httpserver):
        standin = StandIn(httpserver, "POST")
        standin.serve("/v1/profiles/searching", searching_body("profiles", []))
        with pytest.raises(UnexpectedResponse, match="expects POST"):
            get_backend().search_profiles(Criteria())
