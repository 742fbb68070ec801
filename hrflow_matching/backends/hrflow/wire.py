"""HrFlow.ai's wire format: criteria to query parameters, answers to :class:`ResultPage`.

Kept apart from the backend so that the encodings (the part most likely to change when
HrFlow.ai changes) read in one place, next to ``reference/hrflow-api.md``:

- list-valued parameters are JSON strings (the SDK ``json.dumps`` every list);
- ``location_geopoint`` is a JSON object string ``{"lat": .., "lng": ..}``, which the SDK does
  not encode for us; ``location_distance`` is whole kilometres (rounded up, so a candidate on
  the edge of the radius is not dropped);
- tags, skills and languages are lists of ``{"name", "value"}``; a skill or language criterion
  is a name only, so its value is null;
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


def dumps(value: Any) -> str:
    """Compact JSON, as the SDK's ``json.dumps`` but without spaces (shorter URLs)."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def iso(value: dt.datetime) -> str:
    if value.tzinfo is None:  # a naive datetime is taken as UTC
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


def number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else float(value)


def criteria_params(criteria: Criteria, *, scoring: bool, kind: str = "profile") -> dict[str, Any]:
    """Query parameters for the filters of ``criteria`` (paging and keys are added by callers).

    ``score_threshold`` exists only on the scoring endpoints: a search has no score to cut.
    ``experiences_duration_min/_max`` exist only on the profile endpoints (``kind``): the job
    endpoints have no experience filter (their ``ranges_float`` format is undocumented), so
    asking for one is a :class:`CriteriaNotSupported`, not a filter HrFlow.ai would ignore.
    """
    experience = (criteria.experiences_duration_min, criteria.experiences_duration_max)
    if kind == "job" and experience != (None, None):
        raise CriteriaNotSupported(
            "HrFlow.ai cannot filter jobs by years of experience: leave "
            "“Experience from” and “Experience to” empty.",
            detail="experiences_duration_* on a job endpoint",
        )
    params: dict[str, Any] = {}
    if criteria.has_location:
        params["location_geopoint"] = dumps(
            {"lat": float(criteria.location_lat), "lng": float(criteria.location_lng)}  # type: ignore[arg-type]
        )
        params["location_distance"] = max(1, math.ceil(criteria.location_distance))  # type: ignore[arg-type]
    if criteria.text_keywords:
        params["text_keywords"] = dumps(list(criteria.text_keywords))
    if criteria.tags_included:
        params["tags_included"] = dumps(
            [{"name": n, "value": v} for n, v in criteria.tags_included]
        )
    if criteria.tags_excluded:
        params["tags_excluded"] = dumps(
            [{"name": n, "value": v} for n, v in criteria.tags_excluded]
        )
    if criteria.skills:
        params["skills"] = dumps([{"name": s, "value": None} for s in criteria.skills])
    if criteria.languages:
        params["languages"] = dumps([{"name": lang, "value": None} for lang in criteria.languages])
    if criteria.experiences_duration_min is not None:
        params["experiences_duration_min"] = number(criteria.experiences_duration_min)
    if criteria.experiences_duration_max is not None:
        params["experiences_duration_max"] = number(criteria.experiences_duration_max)
    if criteria.created_at_min is not None:
        params["created_at_min"] = iso(criteria.created_at_min)
    if criteria.created_at_max is not None:
        params["created_at_max"] = iso(criteria.created_at_max)
    if scoring and criteria.score_threshold is not None:
        params["score_threshold"] = float(criteria.score_threshold)
    params["page"] = criteria.page
    params["limit"] = criteria.limit
    return params


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
