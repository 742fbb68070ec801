"""A local stand-in for HrFlow.ai, built from ``reference/hrflow-api.md``.

The tests serve the documented envelopes (``{"code", "message", "meta", "data"}``) from
pytest-httpserver and read back what our client sent: method, path, headers and every query
parameter, JSON-decoded where HrFlow.ai expects a JSON string.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from typing import Any

from pytest_httpserver import HTTPServer
from werkzeug import Request

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
