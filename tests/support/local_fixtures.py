"""Small HrFlow documents for the local engine's tests (no CRM needed: any adapter makes these)."""

from __future__ import annotations

from typing import Any

PARIS = (48.8566, 2.3522)
VERSAILLES = (48.8049, 2.1204)  # about 18 km from Paris
MARSEILLE = (43.2965, 5.3698)  # about 660 km from Paris
LYON = (45.764, 4.8357)


def profile(
    reference: str,
    *,
    title: str = "",
    skills: tuple[str, ...] = (),
    where: tuple[float, float] | None = None,
    years: float | None = None,
    languages: tuple[str, ...] = (),
    tags: dict[str, str] | None = None,
    text: str = "",
    created_at: str = "2026-01-10T10:00:00Z",
    updated_at: str = "2026-11-01T10:00:00Z",
    archived_at: str | None = None,
) -> dict[str, Any]:
    return {
        "reference": reference,
        "text": text or " ".join([title, *skills]),
        "info": {
            "full_name": reference,
            "summary": None,
            "location": {
                "text": None,
                "lat": where[0] if where else None,
                "lng": where[1] if where else None,
            },
        },
        "experiences_duration": years,
        "experiences": (
            [{"title": title, "date_start": "2020-01-01", "date_end": None}] if title else []
        ),
        "educations": [],
        "skills": [{"name": s, "type": "hard", "value": None} for s in skills],
        "languages": [{"name": code, "value": None} for code in languages],
        "tags": [{"name": k, "value": v} for k, v in (tags or {}).items()],
        "created_at": created_at,
        "updated_at": updated_at,
        "archived_at": archived_at,
    }


def job(
    reference: str,
    *,
    name: str = "",
    skills: tuple[str, ...] = (),
    where: tuple[float, float] | None = None,
    years: tuple[float | None, float | None] | None = None,
    languages: tuple[str, ...] = (),
    tags: dict[str, str] | None = None,
    summary: str = "",
    created_at: str = "2026-06-01T10:00:00Z",
    updated_at: str = "2026-11-01T10:00:00Z",
) -> dict[str, Any]:
    ranges = []
    if years is not None:
        ranges.append(
            {
                "name": "experience_years",
                "value_min": years[0],
                "value_max": years[1],
                "unit": "years",
            }
        )
    return {
        "reference": reference,
        "name": name,
        "summary": summary or None,
        "location": {
            "text": None,
            "lat": where[0] if where else None,
            "lng": where[1] if where else None,
        },
        "sections": [],
        "skills": [{"name": s, "type": "hard", "value": None} for s in skills],
        "languages": [{"name": code, "value": None} for code in languages],
        "tags": [{"name": k, "value": v} for k, v in (tags or {}).items()],
        "ranges_float": ranges,
        "created_at": created_at,
        "updated_at": updated_at,
        "archived_at": None,
    }


BACKEND_JOB = dict(
    name="Python Developer",
    skills=("Python", "Django", "PostgreSQL"),
    where=PARIS,
    years=(3, 8),
    languages=("en",),
)
