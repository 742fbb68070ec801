"""Turn scored items, CRM rows and HrFlow documents into what a results row shows.

Everything here reads the HrFlow document (and the explanation), not CRM fields, so that any
CRM's models render the same way, and the HrFlow.ai backend (which explains less than the local
engine) still gets matched and missing skills and a distance.
"""

from __future__ import annotations

import datetime as dt
import html
import math
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Model
from django.urls import NoReverseMatch, reverse
from django.utils.dateparse import parse_datetime
from django.utils.safestring import SafeString, mark_safe

from hrflow_matching.backends.base import Criteria, CriterionScore, ScoredItem
from hrflow_matching.match.service import document_location, document_skills
from hrflow_matching.registry import BaseAdapter

CRITERION_LABELS = {
    "skills": "Skills",
    "title": "Job title",
    "text": "Text relevance",
    "experience": "Experience",
    "location": "Location",
    "languages": "Languages",
    "freshness": "Freshness",
    "semantic": "Similar wording",
}


@dataclass
class CriterionRow:
    name: str
    label: str
    score_pct: int
    weight_pct: int
    contribution_pct: int
    evidence: list[tuple[str, str]]


@dataclass
class SkillMatch:
    matched: list[str]
    related: list[str]  # "required ≈ found (credit %)"
    missing: list[str]


@dataclass
class ResultRow:
    rank: int
    reference: str
    score: float
    score_pct: int
    name: str
    admin_url: str | None
    title: str
    city: str
    distance_km: float | None
    matched_skills: list[str]
    related_skills: list[str]
    missing_skills: list[str]
    updated_at: dt.datetime | None
    explanation: list[CriterionRow] = field(default_factory=list)

    @property
    def explanation_html(self) -> SafeString:
        """The explanation table's rows, built here rather than in template loops: a page has
        up to a hundred results of seven criteria each, and template loops (and even Django's
        ``format_html``) cost several times more than plain escaping and joining."""
        return mark_safe(
            "\n".join(
                f'<tr><th scope="row">{_e(c.label)}</th><td class="hm-nowrap" data-label="Score">'
                f'<span class="hm-mini-bar" aria-hidden="true"><span style="width: '
                f'{c.score_pct}%"></span></span> {c.score_pct}%</td>'
                f'<td data-label="Weight">{c.weight_pct}%</td>'
                f'<td data-label="Adds">+{c.contribution_pct}</td>'
                f"<td>{evidence_html(c.evidence)}</td></tr>"
                for c in self.explanation
            )
        )


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def evidence_html(evidence: list[tuple[str, str]]) -> str:
    if not evidence:
        return "—"
    items = "".join(f"<div><dt>{_e(k)}</dt><dd>{_e(v)}</dd></div>" for k, v in evidence)
    return f'<dl class="hm-evidence">{items}</dl>'


def percent(value: float | None) -> int:
    return max(0, min(100, round((value or 0.0) * 100)))


def haversine_km(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    radius = 6371.0088
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * radius * math.asin(min(1.0, math.sqrt(a)))


def admin_change_url(obj: Model) -> str | None:
    opts = obj._meta
    try:
        return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
    except NoReverseMatch:
        return None


def display_title(document: dict[str, Any]) -> str:
    """A job's name, or a profile's current title (tag, else most recent experience)."""
    if document.get("name"):
        return str(document["name"])
    for tag in document.get("tags") or []:
        if tag.get("name") == "current_title" and tag.get("value"):
            return str(tag["value"])
    experiences = document.get("experiences") or []
    return str(experiences[0].get("title") or "") if experiences else ""


def display_city(document: dict[str, Any]) -> str:
    loc = document_location(document)
    fields = loc.get("fields") or {}
    return str(fields.get("city") or loc.get("text") or "")


def _evidence_text(value: Any) -> str:
    if isinstance(value, dict) and {"required", "found"} <= set(value):
        credit = value.get("credit")
        share = f" ({percent(credit)} %)" if isinstance(credit, int | float) else ""
        return f"{value['required']} ≈ {value['found']}{share}"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str) and len(value) >= 20 and value[4:5] == "-" and "T" in value:
        moment = parse_datetime(value)
        if moment is not None:
            return f"{moment:%-d %b %Y}"
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".")
    if isinstance(value, list | tuple):
        parts = [_evidence_text(v) for v in value]
        return ", ".join(parts) if parts else "none"
    if isinstance(value, dict):
        return ", ".join(f"{k} → {_evidence_text(v)}" for k, v in value.items()) or "none"
    if value is None:
        return "n/a"
    return str(value)


def criterion_row(criterion: CriterionScore) -> CriterionRow:
    return CriterionRow(
        name=criterion.name,
        label=CRITERION_LABELS.get(criterion.name, criterion.name.replace("_", " ").capitalize()),
        score_pct=percent(criterion.score),
        weight_pct=percent(criterion.weight),
        contribution_pct=percent(criterion.contribution),
        evidence=[
            (str(key).replace("_", " "), _evidence_text(value))
            for key, value in (criterion.evidence or {}).items()
        ],
    )


def _skills_from_explanation(item: ScoredItem) -> SkillMatch | None:
    for criterion in item.explanation:
        if criterion.name == "skills" and criterion.evidence:
            matched = criterion.evidence.get("matched")
            missing = criterion.evidence.get("missing")
            if matched is not None or missing is not None:
                related = [
                    _evidence_text(r) if isinstance(r, dict) else str(r)
                    for r in criterion.evidence.get("related") or []
                ]
                return SkillMatch(
                    [str(s) for s in matched or []], related, [str(s) for s in missing or []]
                )
    return None


def skill_match(item: ScoredItem, document: dict[str, Any], wanted: list[str]) -> SkillMatch:
    """Matched, related and missing skills: the backend's evidence, else a plain comparison."""
    explained = _skills_from_explanation(item)
    if explained is not None:
        return explained
    have = {s.casefold() for s in document_skills(document)}
    return SkillMatch(
        [s for s in wanted if s.casefold() in have],
        [],
        [s for s in wanted if s.casefold() not in have],
    )


def distance_km(item: ScoredItem, document: dict[str, Any], center: tuple[float, float] | None):
    for criterion in item.explanation:
        if criterion.name == "location":
            for key in ("distance_km", "distance"):
                value = (criterion.evidence or {}).get(key)
                if isinstance(value, int | float):
                    return float(value)
    loc = document_location(document)
    if center is None or loc.get("lat") is None or loc.get("lng") is None:
        return None
    return haversine_km(center[0], center[1], float(loc["lat"]), float(loc["lng"]))


def build_rows(
    rows: list[tuple[ScoredItem, Model, dict[str, Any]]],
    adapter: BaseAdapter,
    criteria: Criteria,
    wanted_skills: list[str],
    center: tuple[float, float] | None,
) -> list[ResultRow]:
    """Results rows, ranked from the page's offset."""
    offset = (criteria.page - 1) * criteria.limit
    out = []
    for index, (item, obj, document) in enumerate(rows, start=1):
        skills = skill_match(item, document, wanted_skills)
        updated = document.get("updated_at")
        out.append(
            ResultRow(
                rank=offset + index,
                reference=item.reference,
                score=item.score,
                score_pct=percent(item.score),
                name=str(obj),
                admin_url=admin_change_url(obj),
                title=display_title(document),
                city=display_city(document),
                distance_km=distance_km(item, document, center),
                matched_skills=skills.matched,
                related_skills=skills.related,
                missing_skills=skills.missing,
                updated_at=parse_datetime(updated)
                if isinstance(updated, str)
                else adapter.get_updated_at(obj),
                explanation=[criterion_row(c) for c in item.explanation],
            )
        )
    return out
