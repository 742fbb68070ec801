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
    "text": "Words in common",
    "experience": "Experience",
    "location": "Location",
    "languages": "Languages",
    "freshness": "Last update",
    "semantic": "Similar wording",
    "hrflow": "HrFlow.ai score",
}

#: Employer legal forms: words of a company name, not of a skill or a job ("GmbH", "Ltd").
LEGAL_FORMS = frozenset({"ab", "ag", "aps", "as", "asa", "bv", "co", "corp", "cv", "eg", "ev", "gbr", "gmbh", "inc", "kft", "kg", "kgaa", "llc", "llp", "lp", "ltd", "nv", "oy", "oyj", "plc", "pte", "pty", "sa", "sarl", "sas", "sasu", "sca", "scs", "se", "sl", "slu", "snc", "spa", "sprl", "srl", "sro", "ug", "zoo"})  # fmt: skip

NOUNS = {"profile": ("candidate", "candidates"), "job": ("job", "jobs")}


@dataclass(frozen=True)
class Wording:
    """What the evidence of a page is about: its results, its subject, where distances start."""

    result_kind: str = "profile"
    subject_kind: str | None = None
    center_label: str = ""

    @property
    def result(self) -> str:
        return NOUNS[self.result_kind][0]


@dataclass
class CriterionRow:
    name: str
    label: str
    score_pct: int
    weight_pct: int
    contribution_pct: int
    evidence: list[str]  # plain sentences


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
    matching_url: str | None = None  # this row's own matching page
    matching_label: str = ""

    @property
    def explanation_html(self) -> SafeString:
        """The explanation table's rows, built here rather than in template loops: a page has
        up to a hundred results of seven criteria each, and template loops (and even Django's
        ``format_html``) cost several times more than plain escaping and joining."""
        return mark_safe(
            "\n".join(
                f'<tr><th scope="row">{_e(c.label)}</th><td class="hm-nowrap" data-label="Score">'
                f'<meter class="hm-mini-bar" min="0" max="100" value="{c.score_pct}" '
                f'aria-hidden="true"></meter> {c.score_pct}%</td>'
                f'<td data-label="Weight">{c.weight_pct}%</td>'
                f'<td data-label="Adds">+{c.contribution_pct}</td>'
                f'<td class="hm-evidence">{evidence_html(c.evidence)}</td></tr>'
                for c in self.explanation
            )
        )


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def evidence_html(evidence: list[str]) -> str:
    if not evidence:
        return "No details."
    return " ".join(_e(sentence) for sentence in evidence)


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
    """A value of evidence no sentence below knows, as plain text (another backend's)."""
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
        return ", ".join(f"{k} {_evidence_text(v)}" for k, v in value.items()) or "none"
    if value is None:
        return "unknown"
    return str(value)


def language_name(code_or_name: str) -> str:
    """ "fr" → "French"; a name or an unknown code as given."""
    from django.conf.locale import LANG_INFO

    info = LANG_INFO.get(str(code_or_name).strip().lower())
    return str(info["name"]) if info and "name" in info else str(code_or_name)


def listing(items: list[str]) -> str:
    """ "A", "A and B", "A, B and C"."""
    items = [str(i) for i in items if str(i)]
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"


def _number(value: Any) -> str:
    return f"{float(value):.1f}".rstrip("0").rstrip(".") if isinstance(value, int | float) else ""


def _years(value: Any) -> str:
    number = _number(value)
    return f"{number} year" if number == "1" else f"{number} years"


def related_text(value: dict[str, Any]) -> str:
    """A related skill: "Amazon DynamoDB (has Apache Hadoop, half credit)"."""
    credit = value.get("credit")
    share = f", {percent(credit)} % credit" if isinstance(credit, int | float) else ""
    return f"{value.get('required')} (has {value.get('found')}{share})"


def shown_terms(terms: list[Any]) -> list[str]:
    """Matched words a recruiter recognises: no employer legal form, no lone letter."""
    out = []
    for term in terms:
        word = str(term).strip()
        if len(word) < 2 or word.casefold().strip(".") in LEGAL_FORMS:
            continue
        out.append(word)
    return out


def evidence_sentences(name: str, evidence: dict[str, Any], wording: Wording) -> list[str]:
    """A criterion's evidence as sentences a recruiter reads: "Lives 12 km from Vienna."."""
    ev = evidence or {}
    result = wording.result
    if name == "skills":
        out = []
        if ev.get("matched"):
            out.append(f"Has {listing(ev['matched'])}.")
        if ev.get("related"):
            related = [related_text(r) if isinstance(r, dict) else str(r) for r in ev["related"]]
            out.append(f"Related: {listing(related)}.")
        if ev.get("missing"):
            out.append(f"Lacks {listing(ev['missing'])}.")
        return out or ["No skills to compare."]
    if name == "title":
        title, before = ev.get("title"), ev.get("previous_title")
        compared = ev.get("compared_with") or []
        if wording.result_kind == "profile":
            out = [f"Current title: {title}." if title else "No current title."]
            if before:
                out.append(f"Before: {before}.")
        else:
            out = [f"Job title: {title}." if title else "No job title."]
        if compared:
            out.append(f"Compared with {listing([str(c) for c in compared])}.")
        return out
    if name == "text":
        terms = shown_terms(ev.get("matched_terms") or [])
        if not terms:
            return ["No keyword in common."]
        return [f"Words in common: {', '.join(terms)}."]
    if name == "experience":
        years, low, high = ev.get("years"), ev.get("required_min"), ev.get("required_max")
        who = "The candidate has" if wording.subject_kind != "profile" else "This candidate has"
        has = f"{who} {_years(years)}." if years is not None else "Experience unknown."
        if low is not None and high is not None:
            asks = f"The job asks {_number(low)}–{_years(high)}."
        elif low is not None:
            asks = f"The job asks at least {_years(low)}."
        elif high is not None:
            asks = f"The job asks at most {_years(high)}."
        else:
            asks = ""
        return [s for s in (has, asks) if s]
    if name == "location":
        distance, remote = ev.get("distance_km"), ev.get("remote")
        if remote:
            return ["A remote job: the distance does not count."]
        if not isinstance(distance, int | float):
            return ["Location unknown."]
        where = f" from {wording.center_label}" if wording.center_label else " away"
        verb = "Lives" if result == "candidate" else "The job is"
        return [f"{verb} {distance:.0f} km{where}."]
    if name == "languages":
        out = []
        if ev.get("matched"):
            out.append(f"Speaks {listing([language_name(c) for c in ev['matched']])}.")
        if ev.get("missing"):
            out.append(f"Does not speak {listing([language_name(c) for c in ev['missing']])}.")
        return out or ["No languages to compare."]
    if name == "freshness":
        moment = ev.get("updated_at")
        when = _evidence_text(moment) if moment else "an unknown date"
        whose = "Profile" if result == "candidate" else "Job"
        return [f"{whose} updated {when}; newer scores higher."]
    if name == "hrflow":
        return ["HrFlow.ai's own score; it gives no breakdown."]
    return [
        f"{str(k).replace('_', ' ').capitalize()}: {_evidence_text(v)}."
        for k, v in ev.items()
        if k not in {"bm25"}
    ]


def criterion_rows(
    criteria: tuple[CriterionScore, ...] | list[CriterionScore], total_pct: int, wording: Wording
) -> list[CriterionRow]:
    """The "Why" table's rows; the "Adds" column is rounded so that it sums to the score
    shown (largest remainders), not to a number one point off."""
    exact = [c.contribution * 100 for c in criteria]
    adds = [math.floor(x) for x in exact]
    missing = total_pct - sum(adds)
    order = sorted(range(len(exact)), key=lambda i: exact[i] - adds[i], reverse=True)
    for i in order[: max(0, missing)]:
        adds[i] += 1
    return [
        CriterionRow(
            name=c.name,
            label=CRITERION_LABELS.get(c.name, c.name.replace("_", " ").capitalize()),
            score_pct=percent(c.score),
            weight_pct=percent(c.weight),
            contribution_pct=adds[i],
            evidence=evidence_sentences(c.name, dict(c.evidence or {}), wording),
        )
        for i, c in enumerate(criteria)
    ]


def weights_line(weights: dict[str, float]) -> str:
    """ "Skills 35 %, Job title 20 %, …": the configured weights, as the page states them."""
    positive = {k: float(v) for k, v in weights.items() if float(v) > 0}
    total = sum(positive.values()) or 1.0
    return ", ".join(
        f"{CRITERION_LABELS.get(k, k)} {round(v / total * 100)} %"
        for k, v in sorted(positive.items(), key=lambda kv: -kv[1])
    )


def matching_page_url(kind: str, reference: str) -> str | None:
    """The matching page of a job or candidate, or None where no route can take its
    reference (or it has a ``.``/``..`` segment a browser would resolve to another page)."""
    if not reference or {".", ".."} & set(reference.split("/")):
        return None
    name = (
        "hrflow_matching:matching_profiles_for_job"
        if kind == "job"
        else "hrflow_matching:matching_jobs_for_profile"
    )
    try:
        return reverse(name, args=[reference])
    except NoReverseMatch:
        return None


def _skills_from_explanation(item: ScoredItem) -> SkillMatch | None:
    for criterion in item.explanation:
        if criterion.name == "skills" and criterion.evidence:
            matched = criterion.evidence.get("matched")
            missing = criterion.evidence.get("missing")
            if matched is not None or missing is not None:
                related = [
                    related_text(r) if isinstance(r, dict) else str(r)
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
    wording: Wording | None = None,
) -> list[ResultRow]:
    """Results rows, ranked from the page's offset."""
    wording = wording or Wording(result_kind=adapter.kind)
    other = "candidates" if adapter.kind == "job" else "jobs"
    offset = (criteria.page - 1) * criteria.limit
    out = []
    for index, (item, obj, document) in enumerate(rows, start=1):
        skills = skill_match(item, document, wanted_skills)
        updated = document.get("updated_at")
        score_pct = percent(item.score)
        out.append(
            ResultRow(
                rank=offset + index,
                reference=item.reference,
                score=item.score,
                score_pct=score_pct,
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
                explanation=criterion_rows(item.explanation, score_pct, wording),
                matching_url=matching_page_url(adapter.kind, item.reference),
                matching_label=f"Matching {other}",
            )
        )
    return out
