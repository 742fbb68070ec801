"""A small deterministic matching backend for the recruiter-page and matching-API tests.

It reads the CRM through the registry (tenant-scoped, archived rows excluded), applies every
criterion as a filter, and scores with a fixed formula, so tests can predict which rows come
back and in which order without the local engine. ``FailingBackend`` raises the error class
named in its options, to test the error pages.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from django.utils.dateparse import parse_datetime

from hrflow_matching.backends import base
from hrflow_matching.backends.base import Criteria, CriterionScore, ResultPage, ScoredItem
from hrflow_matching.languages import language_code
from hrflow_matching.match.presenters import haversine_km
from hrflow_matching.match.service import (
    document_location,
    document_skills,
    experience_range,
    scoped_queryset,
)
from hrflow_matching.registry import get_kind_adapter


def _skills(doc: dict[str, Any]) -> set[str]:
    return {s.casefold() for s in document_skills(doc)}


class SimpleBackend(base.MatchingBackend):
    """Scores = 0.7 × share of the subject's skills + 0.3 × closeness (1 − d / 1000 km)."""

    def _docs(self, kind: str) -> list[dict[str, Any]]:
        adapter = get_kind_adapter(kind)  # type: ignore[arg-type]
        return adapter.to_documents(list(scoped_queryset(adapter, self.tenant)))

    def _subject(self, kind: str, reference: str) -> dict[str, Any]:
        for doc in self._docs(kind):
            if doc["reference"] == reference:
                return doc
        raise base.ObjectNotIndexed()

    def _passes(self, doc: dict[str, Any], criteria: Criteria, kind: str) -> bool:
        have = _skills(doc)
        if any(s.casefold() not in have for s in criteria.skills):
            return False
        if criteria.has_location:
            loc = document_location(doc)
            if loc.get("lat") is None:
                return False
            d = haversine_km(criteria.location_lat, criteria.location_lng, loc["lat"], loc["lng"])
            if d > criteria.location_distance:
                return False
        years = doc.get("experiences_duration")
        if kind == "job":
            low, _high = experience_range(doc)
            years = low
        if criteria.experiences_duration_min is not None and (
            years is None or years < criteria.experiences_duration_min
        ):
            return False
        if criteria.experiences_duration_max is not None and (
            years is None or years > criteria.experiences_duration_max
        ):
            return False
        sections = [sec.get("description") for sec in doc.get("sections") or []]
        text = " ".join(
            str(x) for x in (doc.get("text"), doc.get("name"), doc.get("summary"), *sections) if x
        ).casefold()
        if any(k.casefold() not in text for k in criteria.text_keywords):
            return False
        tags = {(t["name"], t["value"]) for t in doc.get("tags") or []}
        names = {n for n, _ in tags}

        def has(tag: tuple[str, str | None]) -> bool:
            return tag[0] in names if tag[1] is None else tag in tags

        if not all(has(t) for t in criteria.tags_included):
            return False
        if any(has(t) for t in criteria.tags_excluded):
            return False
        langs = {language_code(lang["name"]) for lang in doc.get("languages") or []}
        if any(language_code(lang) not in langs for lang in criteria.languages):
            return False
        created = parse_datetime(doc.get("created_at") or "")
        if criteria.created_at_min and (created is None or created < criteria.created_at_min):
            return False
        return not (
            criteria.created_at_max and (created is None or created > criteria.created_at_max)
        )

    def _rank(self, kind: str, criteria: Criteria, subject: dict[str, Any] | None) -> ResultPage:
        wanted = _skills(subject) if subject else {s.casefold() for s in criteria.skills}
        center = None
        if subject:
            loc = document_location(subject)
            if loc.get("lat") is not None:
                center = (loc["lat"], loc["lng"])
        scored = []
        for doc in self._docs(kind):
            if not self._passes(doc, criteria, kind):
                continue
            have = _skills(doc)
            share = len(wanted & have) / len(wanted) if wanted else 0.0
            loc = document_location(doc)
            closeness, distance = 0.0, None
            if center and loc.get("lat") is not None:
                distance = haversine_km(center[0], center[1], loc["lat"], loc["lng"])
                closeness = max(0.0, 1 - distance / 1000)
            score = round(0.7 * share + 0.3 * closeness, 6)
            if criteria.score_threshold is not None and score < criteria.score_threshold:
                continue
            explanation = (
                CriterionScore(
                    "skills",
                    share,
                    0.7,
                    {
                        "matched": sorted(s for s in wanted if s in have),
                        "missing": sorted(s for s in wanted if s not in have),
                    },
                ),
                CriterionScore("location", closeness, 0.3, {"distance_km": distance}),
            )
            scored.append(ScoredItem(doc["reference"], score, explanation))
        scored.sort(key=lambda item: (-item.score, item.reference))
        start = (criteria.page - 1) * criteria.limit
        return ResultPage(
            items=tuple(scored[start : start + criteria.limit]),
            page=criteria.page,
            last_page=math.ceil(len(scored) / criteria.limit),
            total=len(scored),
            limit=criteria.limit,
        )

    def score_profiles(self, job_reference: str, criteria: Criteria) -> ResultPage:
        return self._rank("profile", criteria, self._subject("job", job_reference))

    def score_jobs(self, profile_reference: str, criteria: Criteria) -> ResultPage:
        return self._rank("job", criteria, self._subject("profile", profile_reference))

    def search_profiles(self, criteria: Criteria) -> ResultPage:
        return self._rank("profile", criteria, None)

    def search_jobs(self, criteria: Criteria) -> ResultPage:
        return self._rank("job", criteria, None)

    def index(self, kind: Any, documents: Sequence[dict[str, Any]]) -> None:
        return None

    def archive(self, kind: Any, references: Sequence[str]) -> None:
        return None

    def health(self) -> base.Health:
        return base.Health(True, "in-memory test backend")


class FailingBackend(SimpleBackend):
    """Raises the ``BackendError`` subclass named by the class attribute ``error``."""

    error: type[base.BackendError] = base.BackendUnavailable

    def _rank(self, kind: str, criteria: Criteria, subject: dict[str, Any] | None) -> ResultPage:
        raise self.error(detail="raised by the test backend")


class UnavailableBackend(FailingBackend):
    error = base.BackendUnavailable


class BrokenBackend(FailingBackend):
    error = base.UnexpectedResponse
