"""Hard filters in SQL: what a criterion excludes never reaches the scorer.

Why SQL: the index columns carry B-tree indexes (tenant, archived, latitude, experience,
creation date), so selective filters return a few ids in milliseconds; must-have items are
filters, never weights (``reference/matching-engine.md`` §1). Location is a bounding box on the
indexed latitude/longitude, then the exact haversine distance, both in SQL (SQLite ≥ 3.35 and
PostgreSQL have the math functions). Queries now apply most filters as masks on the snapshot
(``masks.py``, same results); this module answers tags, and stays the reference the masks are
tested against. Keywords are not a filter: they rank (``keywords.py``), and their quoted
phrases are checked on the snapshot's candidates.
"""

from __future__ import annotations

from dataclasses import replace

from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL

from hrflow_matching.backends.local.rows import tag_token

from ...models import IndexEntry
from ..base import Criteria
from .geo import EARTH_KM, bounding_box
from .store import scope_q
from .taxonomy import get_taxonomy, language_code

_HAVERSINE = (
    "2 * %s * asin(sqrt("
    "power(sin(radians(lat - %s) / 2), 2) + "
    "cos(radians(%s)) * cos(radians(lat)) * power(sin(radians(lng - %s) / 2), 2)))"
)


def has_filters(criteria: Criteria) -> bool:
    """Whether anything beyond the tenant scope needs SQL."""
    return bool(
        criteria.has_location
        or criteria.tags_included
        or criteria.tags_excluded
        or criteria.skills
        or criteria.languages
        or criteria.experiences_duration_min is not None
        or criteria.experiences_duration_max is not None
        or criteria.created_at_min is not None
        or criteria.created_at_max is not None
    )


def _tag_q(name: str, value: str | None) -> Q:
    """``contains`` escapes LIKE wildcards itself; ``|name=`` matches any value of a tag."""
    if value is None:
        return Q(tags__contains="|" + tag_token(name, ""))
    return Q(tags__contains=f"|{tag_token(name, value)}|")


def filtered(
    kind: str, tenant: str | None, criteria: Criteria, *, skip_arrays: bool = False
) -> QuerySet:
    """Live rows of the scope that pass every filter of ``criteria``.

    ``skip_arrays``: leave out skills and languages, which the caller applies on the snapshot
    (``masks.row_mask``) instead of a ``LIKE`` over every row."""
    qs = IndexEntry.objects.filter(scope_q(kind, tenant))
    if criteria.has_location:
        lat, lng, km = criteria.location_lat, criteria.location_lng, criteria.location_distance
        box = bounding_box(lat, lng, km)
        qs = qs.filter(lat__gte=box.lat_min, lat__lte=box.lat_max)
        if box.lng_ranges is not None:
            within = Q()
            for lo, hi in box.lng_ranges:
                within |= Q(lng__gte=lo, lng__lte=hi)
            qs = qs.filter(within)
        qs = qs.filter(
            Q(RawSQL(f"({_HAVERSINE}) <= %s", [EARTH_KM, lat, lat, lng, km], output_field=_b()))
        )
    for name, value in criteria.tags_included:
        qs = qs.filter(_tag_q(name, value))
    for name, value in criteria.tags_excluded:
        qs = qs.exclude(_tag_q(name, value))
    if skip_arrays:
        criteria = replace(criteria, skills=(), languages=())
    taxonomy = get_taxonomy()
    for skill in criteria.skills:  # one that normalises to nothing matches nothing (masks.py)
        key = taxonomy.canonical(skill)
        qs = qs.filter(skills__contains=f"|{key}|") if key else qs.none()
    for lang in criteria.languages:
        code = language_code(lang)
        qs = qs.filter(languages__contains=f"|{code}|") if code else qs.none()
    years = "experience_years" if kind == "profile" else "experience_min"
    if criteria.experiences_duration_min is not None:
        qs = qs.filter(**{f"{years}__gte": criteria.experiences_duration_min})
    if criteria.experiences_duration_max is not None:
        qs = qs.filter(**{f"{years}__lte": criteria.experiences_duration_max})
    if criteria.created_at_min is not None:
        qs = qs.filter(created_at__gte=criteria.created_at_min)
    if criteria.created_at_max is not None:
        qs = qs.filter(created_at__lte=criteria.created_at_max)
    return qs


def _b():
    from django.db.models import BooleanField

    return BooleanField()
