"""HrFlow Profile/Job documents -> local index rows.

Why from documents and not from CRM models: adapters already turn any CRM's rows into HrFlow
JSON, so the engine works for every CRM, and for profiles that are nothing but free text (their
skills are read from the text through the taxonomy).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable
from typing import Any

from django.utils.dateparse import parse_date, parse_datetime

from hrflow_matching.backends.local.taxonomy import get_taxonomy, language_code
from hrflow_matching.documents import is_remote

_YEARS = re.compile(r"(\d{1,2}(?:\.\d)?)\s*\+?\s*(?:years?|yrs?)\b", re.IGNORECASE)
_TITLE_TAGS = ("title", "current_title", "job_title", "position")


def pipe(values: Iterable[str]) -> str:
    """``|a|b|`` for SQL ``LIKE '%|a|%'`` filters (empty string for no values)."""
    clean = [v.replace("|", " ").strip() for v in values if v and v.strip()]
    return f"|{'|'.join(dict.fromkeys(clean))}|" if clean else ""


def tag_token(name: str, value: Any) -> str:
    return f"{str(name).strip().lower()}={'' if value is None else str(value).strip().lower()}"


def parse_when(value: Any) -> dt.datetime | None:
    """A document's date, or None when it has none or an impossible one (2025-02-30): one
    bad date must not fail the batch it is indexed with."""
    if not value:
        return None
    if isinstance(value, dt.datetime):
        when = value
    else:
        try:
            when = parse_datetime(str(value))
            if when is None:
                day = parse_date(str(value)[:10])
                when = dt.datetime(day.year, day.month, day.day) if day else None
        except ValueError:
            return None
    if when is not None and when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return when


def number(value: Any) -> float | None:
    """A finite number from a document, or None ("5 years", NaN, infinity): an adapter's odd
    value must neither fail the batch it is indexed with nor reach a JSON answer."""
    try:
        result = float(value)
    except (TypeError, ValueError):
        return None
    return result if math.isfinite(result) else None


def _names(items: Any) -> list[str]:
    return [str(i.get("name")) for i in items or () if isinstance(i, dict) and i.get("name")]


def _location(doc: dict[str, Any], kind: str) -> tuple[float | None, float | None]:
    loc = (doc.get("info") or {}).get("location") if kind == "profile" else doc.get("location")
    loc = loc or {}
    lat, lng = number(loc.get("lat")), number(loc.get("lng"))
    if lat is None or lng is None or not (-90 <= lat <= 90 and -180 <= lng <= 180):
        return None, None
    return lat, lng


def _tag_pairs(doc: dict[str, Any]) -> list[tuple[str, str]]:
    """Every tag as a (name, value) pair, repeated names kept (a ``dict`` of them keeps the
    last value of each name, enough to read a title or a flag)."""
    return [
        (str(t["name"]).strip().lower(), "" if t.get("value") is None else str(t["value"]).lower())
        for t in doc.get("tags") or ()
        if isinstance(t, dict) and t.get("name")
    ]


def _text(*parts: Any) -> str:
    return "\n".join(str(p) for p in parts if p)


def _profile_fields(doc: dict[str, Any], tags: dict[str, str]) -> dict[str, Any]:
    experiences = [e for e in doc.get("experiences") or () if isinstance(e, dict)]
    experiences.sort(key=lambda e: str(e.get("date_start") or ""), reverse=True)
    titles = [str(e["title"]).strip() for e in experiences if e.get("title")]
    tagged = next((tags[t] for t in _TITLE_TAGS if tags.get(t)), "")
    if tagged and (not titles or titles[0].lower() != tagged):
        titles.insert(0, tagged)
    info = doc.get("info") or {}
    composed = _text(
        info.get("summary"),
        *(_text(e.get("title"), e.get("company"), e.get("description")) for e in experiences),
        *(
            _text(e.get("title"), e.get("school"), e.get("description"))
            for e in doc.get("educations") or ()
            if isinstance(e, dict)
        ),
    )
    text = doc.get("text") or composed
    skills = _names(doc.get("skills"))
    for e in experiences:
        skills += _names(e.get("skills"))
    years = doc.get("experiences_duration")
    if years is None and not experiences:
        found = [float(m) for m in _YEARS.findall(text or "") if float(m) <= 45]
        years = max(found) if found else None
    return {
        "title": titles[0] if titles else "",
        "other_titles": titles[1:6],
        "skill_names": skills,
        "text": text,
        "experience_years": number(years),
        "experience_min": None,
        "experience_max": None,
    }


def _job_fields(doc: dict[str, Any]) -> dict[str, Any]:
    sections = [s for s in doc.get("sections") or () if isinstance(s, dict)]
    skills = _names(doc.get("skills"))
    text = _text(
        doc.get("name"),
        doc.get("summary"),
        *(_text(s.get("title"), s.get("description")) for s in sections),
        ("Skills: " + ", ".join(skills)) if skills else "",
    )
    low = high = None
    for r in doc.get("ranges_float") or ():
        if isinstance(r, dict) and r.get("name") == "experience_years":
            low, high = r.get("value_min"), r.get("value_max")
    return {
        "title": str(doc.get("name") or "").strip(),
        "other_titles": [],
        "skill_names": skills,
        "text": text,
        "experience_years": None,
        "experience_min": number(low),
        "experience_max": number(high),
    }


def document_to_row(kind: str, doc: dict[str, Any]) -> dict[str, Any]:
    """The :class:`~hrflow_matching.models.IndexEntry` field values of one document."""
    taxonomy = get_taxonomy()
    tag_pairs = _tag_pairs(doc)
    tags = dict(tag_pairs)
    fields = _profile_fields(doc, tags) if kind == "profile" else _job_fields(doc)
    skill_names = fields.pop("skill_names")
    keys = {k: n for n in skill_names if (k := taxonomy.canonical(n))}
    from_text = not keys
    if from_text:
        keys = {k: taxonomy.display(k) for k in taxonomy.extract(fields["text"])}
    lat, lng = _location(doc, kind)
    languages = [language_code(n) for n in _names(doc.get("languages"))]
    remote = is_remote(doc)
    return {
        **fields,
        "title": fields["title"][:255],
        "other_titles": "\n".join(fields["other_titles"]),
        "skills": pipe(keys),
        "text_skills": pipe(keys) if from_text else "",
        "lat": lat,
        "lng": lng,
        "remote": remote,
        "languages": pipe(languages)[:500],
        # Every (name, value) pair: a tag name may repeat (certification=AWS, certification=CKA).
        "tags": pipe(tag_token(k, v) for k, v in tag_pairs),
        "created_at": parse_when(doc.get("created_at")),
        "updated_at": parse_when(doc.get("updated_at")),
        "extra": {"skill_names": keys, "skills_from_text": from_text and bool(keys)},
    }
