"""HrFlow.ai's wire format: criteria to parameters, answers to :class:`ResultPage`.

Kept apart from the backend so that the encodings (the part most likely to change when
HrFlow.ai changes) read in one place, next to the README's verification table:

- :data:`PARAMETER_NAMES` is the name of every parameter on each of the four endpoints: a
  correction (HrFlow.ai renaming a filter) is one cell of it;
- parameters are built with their JSON types (:func:`criteria_params`); :func:`query_params`
  turns them into a GET query (lists and objects as compact JSON strings, as the SDK
  ``json.dumps`` every list), and a POST sends them as they are, as a JSON body;
- ``location_geopoint`` is ``{"lat": .., "lng": ..}``; ``location_distance`` is whole
  kilometres (rounded up, so a candidate on the edge of the radius is not dropped);
- ``tags_included``/``tags_excluded`` are lists of lists of ``{"name", "value"}``, one tag per
  inner list ("all of these"), as every job example of the API reference and HrFlow.ai's own
  scoring calls nest them;
- skills and languages are lists of ``{"name", "value"}``, value null; a language goes by
  the name HrFlow.ai holds (``en`` -> ``english``, :func:`~hrflow_matching.languages.language_name`);
- dates are ISO-8601 in UTC, as in HrFlow.ai's examples (``2020-07-09T13:35:11+0000``).
"""

from __future__ import annotations

import datetime as dt
import json
import math
from typing import Any

from hrflow_matching.backends.base import (
    Criteria,
    CriteriaNotSupported,
    CriterionScore,
    ResultPage,
    ScoredItem,
    UnexpectedResponse,
)
from hrflow_matching.languages import language_name

PROFILES_SCORING = "profiles/scoring"
JOBS_SCORING = "jobs/scoring"
PROFILES_SEARCHING = "profiles/searching"
JOBS_SEARCHING = "jobs/searching"
ENDPOINTS = (PROFILES_SCORING, JOBS_SCORING, PROFILES_SEARCHING, JOBS_SEARCHING)

# fmt: off
#: What we send, by endpoint: our name of a parameter -> HrFlow.ai's name on each endpoint, in
#: the order of :data:`ENDPOINTS` (None: the endpoint has no such parameter). Sources are in
#: the README's "What is verified" table. The 2021 reference names the job endpoints' date
#: filters ``date_range_min/_max``; the current SDK's job calls (``jobs/matching``, the storing
#: list) and every profile endpoint say ``created_at_min/_max``, which we keep.
PARAMETER_NAMES: dict[str, tuple[str | None, str | None, str | None, str | None]] = {
    #                          profiles/scoring            jobs/scoring                profiles/searching          jobs/searching
    "algorithm_key":          ("algorithm_key",            "algorithm_key",            None,                       None),
    "use_algorithm":          ("use_algorithm",            "use_algorithm",            None,                       None),
    "use_agent":              ("use_agent",                "use_agent",                None,                       None),
    "source_keys":            ("source_keys",              None,                       "source_keys",              None),
    "source_key":             (None,                       "source_key",               None,                       None),
    "board_key":              ("board_key",                None,                       None,                       None),
    "board_keys":             (None,                       "board_keys",               None,                       "board_keys"),
    "job_reference":          ("job_reference",            None,                       None,                       None),
    "profile_reference":      (None,                       "profile_reference",        None,                       None),
    "sort_by":                ("sort_by",                  "sort_by",                  "sort_by",                  "sort_by"),
    "order_by":               ("order_by",                 "order_by",                 "order_by",                 "order_by"),
    "page":                   ("page",                     "page",                     "page",                     "page"),
    "limit":                  ("limit",                    "limit",                    "limit",                    "limit"),
    "location_geopoint":      ("location_geopoint",        "location_geopoint",        "location_geopoint",        "location_geopoint"),
    "location_distance":      ("location_distance",        "location_distance",        "location_distance",        "location_distance"),
    "text_keywords":          ("text_keywords",            "text_keywords",            "text_keywords",            "text_keywords"),
    "tags_included":          ("tags_included",            "tags_included",            "tags_included",            "tags_included"),
    "tags_excluded":          ("tags_excluded",            "tags_excluded",            "tags_excluded",            "tags_excluded"),
    "skills":                 ("skills",                   "skills",                   "skills",                   "skills"),
    "languages":              ("languages",                "languages",                "languages",                "languages"),
    "experiences_duration_min": ("experiences_duration_min", None,                     "experiences_duration_min", None),
    "experiences_duration_max": ("experiences_duration_max", None,                     "experiences_duration_max", None),
    "created_at_min":         ("created_at_min",           "created_at_min",           "created_at_min",           "created_at_min"),
    "created_at_max":         ("created_at_max",           "created_at_max",           "created_at_max",           "created_at_max"),
    "score_threshold":        ("score_threshold",          "score_threshold",          None,                       None),
}
# fmt: on


def names(endpoint: str) -> dict[str, str]:
    """Our name -> HrFlow.ai's name of every parameter ``endpoint`` takes."""
    column = ENDPOINTS.index(endpoint)
    return {ours: row[column] for ours, row in PARAMETER_NAMES.items() if row[column]}


def build(endpoint: str, values: dict[str, Any]) -> dict[str, Any]:
    """``values`` (by our names) under ``endpoint``'s names; ``None`` values are left out.

    A name the endpoint does not take is a programming error (a KeyError), never a parameter
    sent under a name HrFlow.ai would ignore.
    """
    table = names(endpoint)
    return {table[ours]: value for ours, value in values.items() if value is not None}


def dumps(value: Any) -> str:
    """Compact JSON, as the SDK's ``json.dumps`` but without spaces (shorter URLs)."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def query_params(params: dict[str, Any]) -> dict[str, Any]:
    """``params`` as a GET query: lists and objects become JSON strings, as the SDK sends them."""
    return {k: dumps(v) if isinstance(v, list | dict) else v for k, v in params.items()}


def iso(value: dt.datetime) -> str:
    if value.tzinfo is None:  # a naive datetime is taken as UTC
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


def number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else float(value)


def tag_groups(tags: tuple[tuple[str, str | None], ...]) -> list[list[dict[str, Any]]]:
    """Tags as HrFlow.ai's list of lists, one tag per inner list (every one of them applies)."""
    return [[{"name": name, "value": value}] for name, value in tags]


def criteria_params(criteria: Criteria, endpoint: str) -> dict[str, Any]:
    """The filters and paging of ``criteria`` under ``endpoint``'s names, with JSON types.

    ``score_threshold`` exists only on the scoring endpoints: a search has no score to cut.
    ``experiences_duration_min/_max`` exist only on the profile endpoints: the job endpoints
    have no experience filter (their ``ranges_float`` format is undocumented), so asking for
    one is a :class:`CriteriaNotSupported`, not a filter HrFlow.ai would ignore.
    """
    table = names(endpoint)
    experience = (criteria.experiences_duration_min, criteria.experiences_duration_max)
    if experience != (None, None) and "experiences_duration_min" not in table:
        raise CriteriaNotSupported(
            "HrFlow.ai cannot filter jobs by years of experience: leave "
            "“Experience from” and “Experience to” empty.",
            detail=f"experiences_duration_* on {endpoint}",
        )
    values: dict[str, Any] = {}
    if criteria.has_location:
        values["location_geopoint"] = {
            "lat": float(criteria.location_lat),  # type: ignore[arg-type]
            "lng": float(criteria.location_lng),  # type: ignore[arg-type]
        }
        values["location_distance"] = max(1, math.ceil(criteria.location_distance))  # type: ignore[arg-type]
    if criteria.text_keywords:
        values["text_keywords"] = list(criteria.text_keywords)
    if criteria.tags_included:
        values["tags_included"] = tag_groups(criteria.tags_included)
    if criteria.tags_excluded:
        values["tags_excluded"] = tag_groups(criteria.tags_excluded)
    if criteria.skills:
        values["skills"] = [{"name": s, "value": None} for s in criteria.skills]
    if criteria.languages:
        wanted = dict.fromkeys(language_name(lang) for lang in criteria.languages)
        values["languages"] = [{"name": name, "value": None} for name in wanted if name]
    for bound in ("experiences_duration_min", "experiences_duration_max"):
        if getattr(criteria, bound) is not None:
            values[bound] = number(getattr(criteria, bound))
    for bound in ("created_at_min", "created_at_max"):
        if getattr(criteria, bound) is not None:
            values[bound] = iso(getattr(criteria, bound))
    if criteria.score_threshold is not None and "score_threshold" in table:
        values["score_threshold"] = float(criteria.score_threshold)
    values["page"] = criteria.page
    values["limit"] = criteria.limit
    return build(endpoint, values)


def _int(meta: dict[str, Any], key: str, default: int) -> int:
    value = meta.get(key, default)
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise UnexpectedResponse(detail=f"meta.{key} is not a number: {value!r}")
    return int(value)


def parse_page(
    body: dict[str, Any], items_key: str, criteria: Criteria, *, scored: bool
) -> ResultPage:
    """A :class:`ResultPage` from a scoring or searching answer.

    Scoring: the score of ``data[items_key][i]`` is ``data.predictions[i][1]`` (the pair is
    ``[1 - score, score]``). Searching returns no score, only an order, so the score is the
    rank turned into (0, 1]: ``1 - rank / total`` with rank 0 for the first item of page 1.
    It keeps the "higher is better, in [0, 1]" contract without pretending to be a match score.

    HrFlow.ai gives no breakdown, so the explanation is one criterion, ``hrflow``, weight 1,
    carrying the score (and, for a search, the rank) as evidence.
    """
    data = body.get("data")
    if not isinstance(data, dict) or not isinstance(data.get(items_key), list):
        raise UnexpectedResponse(detail=f"data.{items_key} is missing or not a list")
    documents: list[Any] = data[items_key]
    meta = body.get("meta") or {}
    if not isinstance(meta, dict):
        raise UnexpectedResponse(detail="meta is not an object")
    page = _int(meta, "page", criteria.page)
    last_page = _int(meta, "maxPage", page if documents else 0)
    total = _int(meta, "total", len(documents))
    predictions: list[Any] = []
    if scored:
        predictions = data.get("predictions")  # type: ignore[assignment]
        if not isinstance(predictions, list) or len(predictions) != len(documents):
            raise UnexpectedResponse(detail="data.predictions does not pair with the items")
    offset = (page - 1) * criteria.limit
    items = []
    for i, document in enumerate(documents):
        if not isinstance(document, dict):
            raise UnexpectedResponse(detail=f"data.{items_key}[{i}] is not an object")
        reference = document.get("reference") or document.get("key")
        if not reference:
            raise UnexpectedResponse(detail=f"data.{items_key}[{i}] has no reference nor key")
        rank = offset + i
        if scored:
            score = _prediction(predictions[i], i)
            evidence: dict[str, Any] = {"source": "HrFlow.ai scoring", "prediction": score}
        else:
            score = 1.0 - rank / max(total, rank + 1)
            evidence = {"source": "HrFlow.ai searching", "rank": rank + 1}
        score = min(1.0, max(0.0, score))
        items.append(
            ScoredItem(
                reference=str(reference),
                score=score,
                explanation=(CriterionScore("hrflow", score, 1.0, evidence),),
                document=document,
            )
        )
    return ResultPage(
        items=tuple(items), page=page, last_page=last_page, total=total, limit=criteria.limit
    )


def _prediction(pair: Any, i: int) -> float:
    if (
        not isinstance(pair, list | tuple)
        or len(pair) < 2
        or isinstance(pair[1], bool)
        or not isinstance(pair[1], int | float)
    ):
        raise UnexpectedResponse(detail=f"data.predictions[{i}] is not a [1 - score, score] pair")
    return float(pair[1])
