"""A local stand-in for HrFlow.ai, built from its public documentation (README, "What is verified").

The tests serve the documented envelopes (``{"code", "message", "meta", "data"}``) from
pytest-httpserver. On the four matching endpoints the stand-in first checks each request as
HrFlow.ai documents it and refuses, with HrFlow.ai's 400 envelope, what a real account would
silently ignore or reject: a flat tag list, a language code instead of a name, a parameter the
endpoint does not take, a list that is not JSON, a POST that is not a JSON object. Every
matching test runs twice, once as GET and once as POST (``HRFLOW["METHOD"]``), through the
``standin`` fixture; :func:`sent` reads both the same way.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from hrflow_matching.backends import reset_backends
from hrflow_matching.testing import override_hrflow_settings

API_KEY = "askw_" + "a1" * 16
USER_EMAIL = "integration@crm.example"
SOURCE_KEYS = ["1" * 40, "2" * 40]
BOARD_KEY = "b" * 40
ALGORITHM_KEY = "c" * 40


def account(httpserver: HTTPServer, **overrides: Any) -> dict[str, Any]:
    """The ``HRFLOW`` settings of a test account pointed at the stand-in."""
    return {
        "API_URL": httpserver.url_for("/v1/"),
        "API_KEY": API_KEY,
        "USER_EMAIL": USER_EMAIL,
        "SOURCE_KEYS": list(SOURCE_KEYS),
        "BOARD_KEY": BOARD_KEY,
        "ALGORITHM_KEY": ALGORITHM_KEY,
        "CONNECT_TIMEOUT": 2.0,
        "READ_TIMEOUT": 5.0,
        "MAX_RETRIES": 2,
        **overrides,
    }


@contextlib.contextmanager
def hrflow_settings(httpserver: HTTPServer, **changes: Any) -> Iterator[None]:
    hrflow = account(httpserver, **changes.pop("HRFLOW", {}))
    with override_hrflow_settings(BACKEND="hrflow", HRFLOW=hrflow, **changes):
        reset_backends()
        yield
    reset_backends()


def envelope(data: Any, *, code: int = 200, message: str = "ok", meta: Any = None) -> str:
    body: dict[str, Any] = {"code": code, "message": message, "data": data}
    if meta is not None:
        body["meta"] = meta
    return json.dumps(body)


def profile(reference: str, key_digit: str = "d") -> dict[str, Any]:
    return {
        "key": key_digit * 40,
        "reference": reference,
        "text_language": "en",
        "text": f"{reference} Python developer",
        "info": {"full_name": f"Candidate {reference}", "email": f"{reference}@example.org"},
        "skills": [{"name": "python", "type": "hard", "value": None}],
        "languages": [{"name": "english", "value": None}],
    }


def job(reference: str, key_digit: str = "e") -> dict[str, Any]:
    return {
        "key": key_digit * 40,
        "reference": reference,
        "name": f"Job {reference}",
        "location": {"text": "Paris", "lat": 48.85, "lng": 2.35},
        "sections": [],
    }


def scoring_body(kind: str, docs: list[dict[str, Any]], scores: list[float], **meta: Any) -> str:
    page_meta = {"page": 1, "maxPage": 1, "count": len(docs), "total": len(docs), **meta}
    predictions = [[round(1 - s, 4), s] for s in scores]
    return envelope(
        {kind: docs, "predictions": predictions}, message="scoring results", meta=page_meta
    )


def searching_body(kind: str, docs: list[dict[str, Any]], **meta: Any) -> str:
    page_meta = {"page": 1, "maxPage": 1, "count": len(docs), "total": len(docs), **meta}
    return envelope({kind: docs}, message="searching results", meta=page_meta)


def decoded_args(request: Request, json_params: set[str]) -> dict[str, Any]:
    """Every query parameter once (fails on a repeated one), JSON-decoded where expected."""
    args: dict[str, Any] = {}
    for key, values in request.args.lists():
        assert len(values) == 1, f"{key} sent {len(values)} times"
        args[key] = json.loads(values[0]) if key in json_params else values[0]
    return args


def requests_made(httpserver: HTTPServer) -> list[Request]:
    return [request for request, _response in httpserver.log]


# -- what HrFlow.ai documents ------------------------------------------------------------

#: Parameters whose value is JSON: a JSON string in a GET query, the value itself in a POST body.
JSON_PARAMS = frozenset(
    {
        "source_keys",
        "board_keys",
        "location_geopoint",
        "text_keywords",
        "summary_keywords",
        "experience_keywords",
        "education_keywords",
        "tags_included",
        "tags_excluded",
        "skills",
        "languages",
        "interests",
        "names",
        "ranges_float",
        "ranges_date",
        "raw_filter",
        "raw_filters",
    }
)
_COMMON = {
    "page", "limit", "sort_by", "order_by", "name", "location_geopoint", "location_distance",
    "text_keywords", "summary_keywords", "skills", "languages", "tags_included",
    "tags_excluded", "created_at_min", "created_at_max",
}  # fmt: skip
_PROFILES = {
    "source_keys", "stage", "email", "experience_keywords", "education_keywords",
    "experience_location_geopoint", "experience_location_distance",
    "education_location_geopoint", "education_location_distance",
    "experiences_duration_min", "experiences_duration_max", "educations_duration_min",
    "educations_duration_max", "interests",
}  # fmt: skip
_JOBS = {"board_keys", "names", "ranges_float", "ranges_date", "date_range_min", "date_range_max"}
_SCORING = {"algorithm_key", "use_algorithm", "use_agent", "agent_key", "score_threshold",
            "raw_filters"}  # fmt: skip
#: Every name the public sources give each endpoint (2021 reference, SDK, changelog).
ACCEPTED = {
    "profiles/scoring": _COMMON | _PROFILES | _SCORING | {"board_key", "job_key", "job_reference"},
    "jobs/scoring": _COMMON | _JOBS | _SCORING | {"source_key", "profile_key", "profile_reference"},
    "profiles/searching": _COMMON | _PROFILES | {"raw_filter"},
    "jobs/searching": _COMMON | _JOBS | {"raw_filter"},
}
#: At least one name of each group is required.
REQUIRED = {
    "profiles/scoring": [
        ("algorithm_key",),
        ("source_keys",),
        ("board_key",),
        ("job_key", "job_reference"),
    ],
    "jobs/scoring": [
        ("algorithm_key",),
        ("board_keys",),
        ("source_key",),
        ("profile_key", "profile_reference"),
    ],
    "profiles/searching": [("source_keys",)],
    "jobs/searching": [("board_keys",)],
}
SORT_BY = {
    "created_at",
    "updated_at",
    "location",
    "location_experience",
    "location_education",
    "searching",
    "scoring",
}
_LANGUAGE_CODE = re.compile(r"[a-z]{2,3}([-_][a-z0-9]{2,8})*", re.IGNORECASE)


class Refused(Exception):
    """A request HrFlow.ai's documentation does not allow: the stand-in answers 400."""


def sent(request: Request) -> dict[str, Any]:
    """The parameters of a matching call, read alike from a GET query and a POST body.

    JSON values come back as Python lists and dicts, every other value as the string a query
    would carry (``page=2`` and ``"page": 2`` both read ``"2"``), so one assertion holds for
    both methods.
    """
    if request.method == "GET":
        if request.get_data():
            raise Refused("a GET has no body")
        params: dict[str, Any] = {}
        for key, values in request.args.lists():
            if len(values) != 1:
                raise Refused(f"{key} sent {len(values)} times")
            params[key] = _json(key, values[0]) if key in JSON_PARAMS else values[0]
        return params
    if request.method != "POST":
        raise Refused(f"{request.method} is not a method of this endpoint")
    if request.args:
        raise Refused("a POST carries its parameters in its JSON body, not in the URL")
    if request.mimetype != "application/json":
        raise Refused(f"a POST body must be application/json, not {request.mimetype!r}")
    try:
        body = json.loads(request.get_data())
    except ValueError as exc:
        raise Refused("the POST body is not JSON") from exc
    if not isinstance(body, dict):
        raise Refused("the POST body must be a JSON object")
    for key, value in body.items():
        if key in JSON_PARAMS and isinstance(value, str):
            raise Refused(f"{key} must be JSON itself in a POST body, not a JSON string")
    return {k: v if k in JSON_PARAMS else _scalar(k, v) for k, v in body.items()}


def _json(key: str, text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError as exc:
        raise Refused(f"{key} is not JSON: {text[:40]!r}") from exc


def _scalar(key: str, value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise Refused(f"{key} must be a string or a number, not {value!r}")
    return str(value)


def check(endpoint: str, params: dict[str, Any]) -> None:
    """Raise :class:`Refused` for anything the documented forms do not allow."""
    unknown = sorted(set(params) - ACCEPTED[endpoint])
    if unknown:
        raise Refused(f"{endpoint} takes no parameter {', '.join(unknown)}")
    for group in REQUIRED[endpoint]:
        if not any(params.get(name) for name in group):
            raise Refused(f"{' or '.join(group)} is required")
    for key in ("source_keys", "board_keys", "text_keywords", "summary_keywords"):
        value = params.get(key)
        if value is not None and not (
            isinstance(value, list) and all(isinstance(v, str) and v for v in value)
        ):
            raise Refused(f"{key} must be a JSON list of strings")
    for key in ("skills", "languages", "interests"):
        if key in params:
            _entities(key, params[key])
    for lang in params.get("languages") or ():
        if _LANGUAGE_CODE.fullmatch(lang["name"]):
            raise Refused(
                f"languages are named as HrFlow.ai holds them (english), not coded "
                f"({lang['name']!r})"
            )
    for key in ("tags_included", "tags_excluded"):
        if key in params:
            groups = params[key]
            if not isinstance(groups, list) or not all(isinstance(g, list) and g for g in groups):
                raise Refused(f"{key} must be a list of lists of tags: [[{{name, value}}], …]")
            for group in groups:
                _entities(key, group)
    point = params.get("location_geopoint")
    if point is not None and not (
        isinstance(point, dict)
        and set(point) == {"lat", "lng"}
        and all(isinstance(point[k], int | float) for k in ("lat", "lng"))
    ):
        raise Refused('location_geopoint must be {"lat": number, "lng": number}')
    for key in ("page", "limit", "location_distance"):
        if key in params and not str(params[key]).isdigit():
            raise Refused(f"{key} must be a whole number")
    for key in ("use_agent", "use_algorithm"):
        if key in params and params[key] not in ("0", "1"):
            raise Refused(f"{key} is 0 or 1")
    if params.get("sort_by", "created_at") not in SORT_BY:
        raise Refused(f"sort_by {params['sort_by']!r} is not one of {sorted(SORT_BY)}")
    if params.get("order_by", "desc") not in ("asc", "desc"):
        raise Refused("order_by is asc or desc")


def _entities(key: str, value: Any) -> None:
    if not isinstance(value, list) or not all(
        isinstance(item, dict) and isinstance(item.get("name"), str) and item["name"]
        for item in value
    ):
        raise Refused(f"{key} must be a list of {{name, value}} objects")


def refusal(reason: str) -> Response:
    body = {"code": 400, "message": f"Invalid parameters. {reason}"}
    return Response(json.dumps(body), status=400, content_type="application/json")


Handler = Callable[[Request, dict[str, Any]], Response]


class StandIn:
    """The matching endpoints of HrFlow.ai on a local server, for one method (GET or POST).

    ``serve(path, body)`` answers ``body`` to each documented request of ``path`` (every
    request, once, with ``oneshot=True``); a request in another method than the test's, or
    one the documentation does not allow, gets HrFlow.ai's 400 instead, which the backend
    turns into an error the test sees.
    """

    def __init__(self, server: HTTPServer, method: str) -> None:
        self.server = server
        self.method = method

    def serve(
        self,
        path: str,
        body: str | dict[str, Any] | None = None,
        *,
        status: int = 200,
        headers: dict[str, str] | None = None,
        content_type: str = "application/json",
        oneshot: bool = False,
        handler: Handler | None = None,
    ) -> None:
        endpoint = path.removeprefix("/v1/")
        text = json.dumps(body) if isinstance(body, dict) else (body or "")

        def answer(request: Request) -> Response:
            if request.method != self.method:
                return refusal(f"this test expects {self.method}, the client sent {request.method}")
            try:
                params = sent(request)
                check(endpoint, params)
            except Refused as exc:
                return refusal(str(exc))
            if handler is not None:
                return handler(request, params)
            return Response(text, status=status, headers=headers, content_type=content_type)

        expect = self.server.expect_oneshot_request if oneshot else self.server.expect_request
        expect(path).respond_with_handler(answer)

    def requests(self) -> list[Request]:
        return requests_made(self.server)

    def params(self) -> list[dict[str, Any]]:
        """What each request made so far sent (GET or POST alike)."""
        return [sent(request) for request in self.requests()]


def method_setting(method: str) -> dict[str, str]:
    """``HRFLOW`` settings that make the backend send ``method`` (short requests go as GET)."""
    return {"METHOD": "POST" if method == "POST" else "AUTO"}


# Fixtures (``tests/conftest.py`` lists this module in ``pytest_plugins``).


@pytest.fixture(params=["GET", "POST"])
def hrflow_method(request: pytest.FixtureRequest) -> str:
    """Each HrFlow.ai backend test that asks for it runs once as GET and once as POST."""
    return request.param


@pytest.fixture
def standin(httpserver: HTTPServer, hrflow_method: str) -> Iterator[StandIn]:
    """The stand-in and the settings of an account pointed at it, for each method."""
    with hrflow_settings(httpserver, HRFLOW=method_setting(hrflow_method)):
        yield StandIn(httpserver, hrflow_method)
