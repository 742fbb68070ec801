"""The README's recorded requests are what the backend sends today, GET and POST.

The README shows one recorded request per endpoint and method; this test sends the same
criteria to the stand-in and compares, parameter by parameter and in order, so the record
cannot drift from the code.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from hrflow_matching.backends import get_backend
from hrflow_matching.backends.base import Criteria
from tests.support.hrflow_standin import JSON_PARAMS, StandIn, hrflow_settings, scoring_body

README = Path(__file__).resolve().parents[3] / "README.md"
ACCOUNT = {
    "SOURCE_KEYS": ["1" * 40],
    "BOARD_KEY": "b" * 40,
    "ALGORITHM_KEY": "a" * 40,
}
CRITERIA = Criteria(
    location_lat=48.8566,
    location_lng=2.3522,
    location_distance=30,
    text_keywords=("développeur",),
    tags_included=(("contract", "permanent"),),
    skills=("Python",),
    languages=("en",),
    created_at_min=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
    score_threshold=0.5,
    limit=10,
)
ENDPOINTS = ("profiles/scoring", "jobs/scoring", "profiles/searching", "jobs/searching")


def recorded(method: str) -> dict[str, list[tuple[str, Any]]]:
    """The README's recorded requests of ``method``: path -> ordered (name, value) pairs."""
    text = README.read_text(encoding="utf-8")
    section = text[text.index("#### Recorded requests") :]
    out: dict[str, list[tuple[str, Any]]] = {}
    for block in re.findall(r"```http\n(.*?)```", section, re.DOTALL):
        first, *rest = block.strip().splitlines()
        verb, path = first.split()[:2]
        if verb != method:
            continue
        if verb == "GET":
            pairs = [line.strip()[1:].split("=", 1) for line in rest]
            out[path] = [(k, json.loads(v) if k in JSON_PARAMS else v) for k, v in pairs]
        else:
            body = json.loads("\n".join(rest))
            out[path] = [(k, v if k in JSON_PARAMS else str(v)) for k, v in body.items()]
    return out


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_the_readme_records_what_each_endpoint_is_sent(httpserver: HTTPServer, method: str):
    setting = "POST" if method == "POST" else "AUTO"
    with hrflow_settings(httpserver, HRFLOW={**ACCOUNT, "METHOD": setting}):
        standin = StandIn(httpserver, method)
        for endpoint in ENDPOINTS:
            kind = endpoint.split("/")[0]
            standin.serve(f"/v1/{endpoint}", scoring_body(kind, [], []))
        backend = get_backend()
        backend.score_profiles("job-42", CRITERIA)
        backend.score_jobs("cand-7", CRITERIA)
        backend.search_profiles(CRITERIA)
        backend.search_jobs(CRITERIA)
    sent = {
        request.path: list(params.items())
        for request, params in zip(standin.requests(), standin.params(), strict=True)
    }
    assert [request.method for request in standin.requests()] == [method] * 4
    assert sent == recorded(method)
    assert set(sent) == {f"/v1/{endpoint}" for endpoint in ENDPOINTS}
