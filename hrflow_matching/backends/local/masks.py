"""Hard filters answered from the in-memory arrays, without a database round trip.

Why: a broad filter (2,000 km, one required skill) made SQL scan most rows with ``LIKE`` and
ship tens of thousands of ids back to be matched against the snapshot; the snapshot already
holds each row's coordinates, skill keys (CSR) and language bits, so the same filters are a
few vectorised operations. They reproduce :func:`filters.filtered` exactly: the same bounding
box (antimeridian included), then the same haversine formula; skills and languages by key, as
``|key|`` substrings of the pipe-separated columns. What the arrays do not hold (keywords,
tags, experience kept as float32, creation dates) stays in SQL.
"""

from __future__ import annotations

import math

import numpy as np

from ..base import Criteria
from .snapshot import Table
from .taxonomy import get_taxonomy, language_code

EARTH_KM = 6371.0088
#: Languages past this many distinct codes get no bit in ``lang_mask`` (see ``build_table``).
LANG_BITS = 64


def needs_sql(criteria: Criteria) -> bool:
    """Whether some filter of ``criteria`` can only be answered by the database."""
    return bool(
        criteria.text_keywords
        or criteria.tags_included
        or criteria.tags_excluded
        or criteria.experiences_duration_min is not None
        or criteria.experiences_duration_max is not None
        or criteria.created_at_min is not None
        or criteria.created_at_max is not None
    )


def answerable(table: Table | None, criteria: Criteria) -> bool:
    """False when a required language may have lost its bit (more than 64 codes)."""
    if table is None or len(table.lang_vocab) < LANG_BITS:
        return True
    codes = (language_code(lang) for lang in criteria.languages)
    return all(code in table.lang_bits for code in codes if code)


def row_mask(table: Table, criteria: Criteria, *, location: bool) -> np.ndarray:
    """Rows of ``table`` passing the skills and languages (and location) filters.

    The location comes last, on the rows left: trigonometry over fewer rows."""
    mask = np.ones(len(table), dtype=bool)
    taxonomy = get_taxonomy()
    for skill in criteria.skills:
        key = taxonomy.canonical(skill)
        if key:
            mask &= _has_skill(table, key)
    for lang in criteria.languages:
        code = language_code(lang)
        if code:
            bit = table.lang_bits.get(code)
            if bit is None:
                mask[:] = False
            else:
                mask &= (table.lang_mask & np.uint64(1 << bit)) != 0
    if location and criteria.has_location:
        rows = np.flatnonzero(mask)
        mask[:] = False
        mask[rows[_near(table, rows, criteria)]] = True
    return mask


def _has_skill(table: Table, key: str) -> np.ndarray:
    """Rows holding ``key``: its posting list when the table has one, else the CSR rows."""
    found = np.zeros(len(table), dtype=bool)
    k = table.skill_pos.get(key)
    if k is None:
        return found
    if "post_indptr" in table.arrays and len(table.post_indptr) > k + 1:
        found[table.post_rows[table.post_indptr[k] : table.post_indptr[k + 1]]] = True
        return found
    rows = np.repeat(np.arange(len(table)), np.diff(table.skill_indptr))
    found[rows[table.skill_indices == k]] = True
    return found


def _near(table: Table, rows: np.ndarray, criteria: Criteria) -> np.ndarray:
    """Which of ``rows`` pass the SQL bounding box then the haversine distance; rows without
    coordinates fail (NaN compares false, as NULL does in SQL)."""
    lat0, lng0, km = criteria.location_lat, criteria.location_lng, criteria.location_distance
    lat, lng = table.lat[rows], table.lng[rows]
    dlat = math.degrees(km / EARTH_KM)
    dlng = dlat / max(math.cos(math.radians(lat0)), 0.01)
    with np.errstate(invalid="ignore"):
        ok = (lat >= lat0 - dlat) & (lat <= lat0 + dlat)
        if dlng < 180:
            lo, hi = lng0 - dlng, lng0 + dlng
            if lo < -180 or hi > 180:
                ok &= (lng >= (lo + 540) % 360 - 180) | (lng <= (hi + 540) % 360 - 180)
            else:
                ok &= (lng >= lo) & (lng <= hi)
        inside = np.flatnonzero(ok)
        la, ln = lat[inside], lng[inside]
        h = (
            np.sin(np.radians(la - lat0) / 2) ** 2
            + math.cos(math.radians(lat0))
            * np.cos(np.radians(la))
            * np.sin(np.radians(ln - lng0) / 2) ** 2
        )
        dist = 2 * EARTH_KM * np.arcsin(np.sqrt(h))
    ok[:] = False
    ok[inside[dist <= km]] = True
    return ok
