"""Read HrFlow Profile and Job JSON objects into the example CRM's fields, strictly.

The reverse of ``example_crm/hrflow.py``: what the adapters write, this reads back, so that a
document exported, imported and exported again is the same document. Every problem raises
:class:`Invalid` with the JSON path of the bad value, so that the import can say
``line 12: info.location.lat: must be a number between -90 and 90``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.dateparse import parse_date, parse_datetime
from django.utils.text import slugify

from ..models import JobOffer

# Tags the adapters derive from model fields; everything else is a free tag of the row.
PROFILE_FIELD_TAGS = ("current_title", "open_to_remote", "organisation")
JOB_FIELD_TAGS = ("company", "contract_type", "remote", "organisation")


class Invalid(ValueError):
    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"{path}: {problem}" if path else problem)


def obj(value: Any, path: str, required: bool = True) -> dict[str, Any] | None:
    if value is None and not required:
        return None
    if not isinstance(value, dict):
        raise Invalid(path, "must be an object" + ("" if required else " or null"))
    return value


def text(value: Any, path: str, *, required: bool = False, max_length: int | None = None) -> str:
    if value is None:
        if required:
            raise Invalid(path, "is required")
        return ""
    if not isinstance(value, str):
        raise Invalid(path, "must be a string" + ("" if required else " or null"))
    if required and not value.strip():
        raise Invalid(path, "must not be empty")
    if max_length is not None and len(value) > max_length:
        raise Invalid(path, f"is longer than {max_length} characters")
    return value


def number(value: Any, path: str, low: float | None = None, high: float | None = None):
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Invalid(path, "must be a number or null")
    if (low is not None and value < low) or (high is not None and value > high):
        bounds = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise Invalid(path, f"must be a number {bounds}")
    return value


def items(value: Any, path: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise Invalid(path, "must be a list")
    return value


def date(value: Any, path: str, required: bool = False) -> dt.date | None:
    raw = text(value, path, required=required)
    if not raw:
        return None
    try:
        parsed = parse_date(raw[:10]) if len(raw) >= 10 else None
    except ValueError:  # well-formed but not in the calendar: 2020-13-01
        parsed = None
    if parsed is None:
        raise Invalid(path, f"{raw!r} is not an ISO-8601 date")
    return parsed


def moment(value: Any, path: str) -> dt.datetime | None:
    raw = text(value, path)
    if not raw:
        return None
    try:
        parsed = parse_datetime(raw)
    except ValueError:
        parsed = None
    if parsed is None:
        raise Invalid(path, f"{raw!r} is not an ISO-8601 date and time")
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def entity_names(value: Any, path: str) -> list[str]:
    out = []
    for i, item in enumerate(items(value, path)):
        out.append(text(obj(item, f"{path}[{i}]").get("name"), f"{path}[{i}].name", required=True))
    return list(dict.fromkeys(out))


def tags(value: Any, path: str) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for i, item in enumerate(items(value, path)):
        entry = obj(item, f"{path}[{i}]")
        name = text(entry.get("name"), f"{path}[{i}].name", required=True)
        raw = entry.get("value")
        if raw is not None and not isinstance(raw, str):
            raise Invalid(f"{path}[{i}].value", "must be a string or null (HrFlow tag values)")
        out[name] = raw
    return out


def boolean_tag(value: str | None, path: str) -> bool:
    if value not in ("true", "false"):
        raise Invalid(path, f'must be "true" or "false", not {value!r}')
    return value == "true"


def organisation_tag(value: str | None, path: str) -> str | None:
    if value is None:
        return None
    if slugify(value) != value:
        raise Invalid(path, f"{value!r} is not an organisation slug")
    return value


def location(value: Any, path: str) -> dict[str, Any]:
    loc = obj(value, path, required=False) or {}
    fields = obj(loc.get("fields"), f"{path}.fields", required=False) or {}
    city = text(fields.get("city"), f"{path}.fields.city", max_length=120)
    country = text(fields.get("country"), f"{path}.fields.country", max_length=120)
    if not city and not country:
        city = text(loc.get("text"), f"{path}.text")[:120]
    return {
        "city": city,
        "country": country,
        "latitude": number(loc.get("lat"), f"{path}.lat", -90, 90),
        "longitude": number(loc.get("lng"), f"{path}.lng", -180, 180),
    }


def timestamps(doc: dict[str, Any]) -> dict[str, Any]:
    archived_at = moment(doc.get("archived_at"), "archived_at")
    return {
        "created_at": moment(doc.get("created_at"), "created_at"),
        "updated_at": moment(doc.get("updated_at"), "updated_at"),
        "archived": archived_at is not None,
        "archived_at": archived_at,
    }


def profile(doc: Any) -> dict[str, Any]:
    """Fields, skills and child rows of a Candidate from a HrFlow Profile object."""
    doc = obj(doc, "", required=True)
    info = obj(doc.get("info"), "info")
    first = text(info.get("first_name"), "info.first_name", max_length=120)
    last = text(info.get("last_name"), "info.last_name", max_length=120)
    if not first and not last:
        full = text(info.get("full_name"), "info.full_name").strip()
        if not full:
            raise Invalid("info", "a first_name, last_name or full_name is required")
        first, _, last = full.partition(" ")
    email = text(info.get("email"), "info.email", max_length=254)
    if email and ("@" not in email or " " in email):
        raise Invalid("info.email", f"{email!r} is not an email address")
    free = tags(doc.get("tags"), "tags")
    remote = free.pop("open_to_remote", None)
    experiences = []
    for i, item in enumerate(items(doc.get("experiences"), "experiences")):
        p = f"experiences[{i}]"
        e = obj(item, p)
        experiences.append(
            {
                "title": text(e.get("title"), f"{p}.title", max_length=255),
                "company": text(e.get("company"), f"{p}.company", max_length=255),
                "description": text(e.get("description"), f"{p}.description"),
                "start_date": date(e.get("date_start"), f"{p}.date_start", required=True),
                "end_date": date(e.get("date_end"), f"{p}.date_end"),
            }
        )
    educations = []
    for i, item in enumerate(items(doc.get("educations"), "educations")):
        p = f"educations[{i}]"
        e = obj(item, p)
        school = text(e.get("school"), f"{p}.school", max_length=255)
        degree = text(e.get("title"), f"{p}.title", max_length=255)
        if not school and not degree:
            raise Invalid(p, "a school or a title is required")
        educations.append(
            {
                "school": school,
                "degree": degree,
                "start_date": date(e.get("date_start"), f"{p}.date_start"),
                "end_date": date(e.get("date_end"), f"{p}.date_end"),
            }
        )
    fields = {
        "reference": text(doc.get("reference"), "reference", required=True, max_length=255),
        "first_name": first,
        "last_name": last,
        "email": email,
        "phone": text(info.get("phone"), "info.phone", max_length=40),
        "summary": text(info.get("summary"), "info.summary"),
        "resume_text": text(doc.get("text"), "text", required=True),
        **location(info.get("location"), "info.location"),
        "current_title": (free.pop("current_title", None) or "")[:255],
        "open_to_remote": boolean_tag(remote, "tags.open_to_remote") if remote else False,
        "languages": entity_names(doc.get("languages"), "languages"),
        **timestamps(doc),
    }
    org = organisation_tag(free.pop("organisation", None), "tags.organisation")
    return {
        "fields": {**fields, "tags": free},
        "organisation": org,
        "skills": entity_names(doc.get("skills"), "skills"),
        "experiences": experiences,
        "educations": educations,
    }


def _ranges(doc: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for i, item in enumerate(items(doc.get("ranges_float"), "ranges_float")):
        p = f"ranges_float[{i}]"
        r = obj(item, p)
        low = number(r.get("value_min"), f"{p}.value_min", 0)
        high = number(r.get("value_max"), f"{p}.value_max", 0)
        if low is not None and high is not None and low > high:
            raise Invalid(p, "value_min is greater than value_max")
        name = r.get("name")
        if name == "salary":
            unit = text(r.get("unit"), f"{p}.unit") or "EUR"
            if len(unit) != 3 or not unit.isalpha():
                raise Invalid(f"{p}.unit", f"{unit!r} is not a three-letter currency code")
            out.update(salary_min=low, salary_max=high, salary_currency=unit.upper())
        elif name == "experience_years":
            out.update(min_years_experience=low, max_years_experience=high)
    for key in ("salary_min", "salary_max", "min_years_experience", "max_years_experience"):
        if out.get(key) is not None:
            out[key] = round(out[key])
    for i, item in enumerate(items(doc.get("ranges_date"), "ranges_date")):
        r = obj(item, f"ranges_date[{i}]")
        if r.get("name") == "availability":
            out["start_date"] = date(r.get("value_min"), f"ranges_date[{i}].value_min")
    return out


def job(doc: Any) -> dict[str, Any]:
    """Fields and skills of a JobOffer from a HrFlow Job object."""
    doc = obj(doc, "", required=True)
    sections: dict[str, str] = {}
    for i, item in enumerate(items(doc.get("sections"), "sections")):
        s = obj(item, f"sections[{i}]")
        name = text(s.get("name"), f"sections[{i}].name") or "description"
        body = text(s.get("description"), f"sections[{i}].description")
        key = "requirements" if name == "requirements" else "description"
        sections[key] = "\n\n".join(p for p in (sections.get(key, ""), body) if p)
    free = tags(doc.get("tags"), "tags")
    contract = free.pop("contract_type", None) or JobOffer.ContractType.PERMANENT
    if contract not in JobOffer.ContractType.values:
        raise Invalid(
            "tags.contract_type",
            f"{contract!r} is not one of {', '.join(JobOffer.ContractType.values)}",
        )
    remote = free.pop("remote", None)
    org = organisation_tag(free.pop("organisation", None), "tags.organisation")
    fields = {
        "reference": text(doc.get("reference"), "reference", required=True, max_length=255),
        "title": text(doc.get("name"), "name", required=True, max_length=255),
        "summary": text(doc.get("summary"), "summary"),
        "description": sections.get("description", ""),
        "requirements": sections.get("requirements")
        or text(doc.get("requirements"), "requirements"),
        **location(doc.get("location"), "location"),
        "company": (free.pop("company", None) or "")[:255],
        "contract_type": contract,
        "remote": boolean_tag(remote, "tags.remote") if remote else False,
        "languages": entity_names(doc.get("languages"), "languages"),
        **_ranges(doc),
        **timestamps(doc),
    }
    return {
        "fields": {**fields, "tags": free},
        "organisation": org,
        "skills": entity_names(doc.get("skills"), "skills"),
    }
