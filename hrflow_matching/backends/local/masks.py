"""Hard filters answered from the in-memory arrays, without a database round trip.

Why: a broad filter (2,000 km, one required skill) made SQL scan most rows with ``LIKE`` and
ship tens of thousands of ids back to be matched against the snapshot; the snapshot already
holds each row's coordinates, skill keys (CSR) and language bits, so the same filters are a
few vectorised operations. They reproduce :func:`filters.filtered` exactly: the same bounding
box (antimeridian included), then the same haversine formula; skills and languages by key, as
``|key|`` substrings of the pipe-separated columns. Experience (the snapshot keeps it as
float32, too coarse to compare exactly) and creation dates are read once per table from the
database as float64 / integer microseconds and cached on it (tables are immutable). Tags stay
in SQL; keywords rank rather than filter (``keywords.py``).
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np

from ...models import IndexEntry
from ..base import Criteria
from .geo import EARTH_KM, bounding_box
from .snapshot import Table
from .taxonomy import get_taxonomy, language_code

#: Languages past this many distinct codes get no bit in ``lang_mask`` (see ``build_table``).
LANG_BITS = 64


def needs_sql(criteria: Criteria) -> bool:
    """Whether some filter of ``criteria`` can only be answered by the database."""
    naive = any(
        d is not None and d.utcoffset() is None
        for d in (criteria.created_at_min, criteria.created_at_max)
    )
    return bool(criteria.tags_included or criteria.tags_excluded or naive)


def answerable(table: Table | None, criteria: Criteria) -> bool:
    """False when a required language may have lost its bit (more than 64 codes)."""
    if table is None or len(table.lang_vocab) < LANG_BITS:
        return True
    codes = (language_code(lang) for lang in criteria.languages)
    return all(code in table.lang_bits for code in codes if code)


def row_mask(table: Table, criteria: Criteria, kind: str, *, location: bool) -> np.ndarray:
    """Rows of ``table`` passing the skills and languages (and location) filters.

    The location comes last, on the rows left: trigonometry over fewer rows."""
    mask = np.ones(len(table), dtype=bool)
    taxonomy = get_taxonomy()
    # A required skill or language that normalises to nothing (its letters are all outside
    # the taxonomy's alphabet: "Пайтон") is one no row is known to have, not one to skip.
    for skill in criteria.skills:
        key = taxonomy.canonical(skill)
        if not key:
            mask[:] = False
        else:
            mask &= _has_skill(table, key)
    for lang in criteria.languages:
        code = language_code(lang)
        bit = table.lang_bits.get(code) if code else None
        if bit is None:
            mask[:] = False
        else:
            mask &= (table.lang_mask & np.uint64(1 << bit)) != 0
    lo, hi = criteria.experiences_duration_min, criteria.experiences_duration_max
    if lo is not None or hi is not None:
        years = _column(table, "experience_years" if kind == "profile" else "experience_min")
        with np.errstate(invalid="ignore"):
            if lo is not None:
                mask &= years >= float(lo)
            if hi is not None:
                mask &= years <= float(hi)
    lo, hi = criteria.created_at_min, criteria.created_at_max
    if (lo is not None or hi is not None) and not needs_sql(criteria):
        created = _column(table, "created_at")
        mask &= created != _NULL_TIME
        if lo is not None:
            mask &= created >= _micros(lo)
        if hi is not None:
            mask &= created <= _micros(hi)
    if location and criteria.has_location:
        rows = np.flatnonzero(mask)
        mask[:] = False
        mask[rows[_near(table, rows, criteria)]] = True
    return mask


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_NULL_TIME = np.iinfo(np.int64).min


def _micros(value: dt.datetime) -> int:
    """Exact integer microseconds since the epoch (floats would round)."""
    return (value - _EPOCH) // dt.timedelta(microseconds=1)


def _column(table: Table, name: str) -> np.ndarray:
    """One index column for the table's rows, read once from the database and cached.

    A row absent from the database now (deleted) gets NULL; one changed since the table was
    built is hidden from the view by the delta, which is a newer table with its own cache."""
    cache = table.__dict__.setdefault("_columns", {})
    if name in cache:
        return cache[name]
    ids = table.ids
    is_time = name == "created_at"
    out = np.full(len(ids), _NULL_TIME, dtype=np.int64) if is_time else np.full(len(ids), np.nan)
    if len(ids):
        qs = IndexEntry.objects.filter(id__gte=int(ids[0]), id__lte=int(ids[-1]))
        if len(ids) < 2000:
            qs = IndexEntry.objects.filter(id__in=ids.tolist())
        pairs = [(i, v) for i, v in qs.values_list("id", name).iterator(chunk_size=5000)]
        got = np.fromiter((i for i, _ in pairs), dtype=np.int64, count=len(pairs))
        if is_time:
            vals = [_NULL_TIME if v is None else _micros(v) for _, v in pairs]
            values = np.asarray(vals, dtype=np.int64)
        else:
            values = np.asarray([np.nan if v is None else v for _, v in pairs], dtype=np.float64)
        pos = np.searchsorted(ids, got)
        ok = (pos < len(ids)) & (ids[np.minimum(pos, len(ids) - 1)] == got)
        out[pos[ok]] = values[ok]
    cache[name] = out
    return out


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
    box = bounding_box(lat0, lng0, km)
    with np.errstate(invalid="ignore"):
        ok = (lat >= box.lat_min) & (lat <= box.lat_max)
        if box.lng_ranges is not None:
            within = np.zeros(len(rows), dtype=bool)
            for lo, hi in box.lng_ranges:
                within |= (lng >= lo) & (lng <= hi)
            ok &= within
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
