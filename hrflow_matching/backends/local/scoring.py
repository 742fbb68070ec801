"""The seven criteria, each a score in [0, 1] per row, vectorised in numpy, with evidence.

Why this shape: like Textkernel and RChilli, every criterion is scored separately and the
final score is ``Σ w·s / Σ w`` over the criteria that have data for that row, so the
explanation shown to a recruiter adds up exactly to the score. Two directions exist:

- ``query_requires`` (a job scores profiles; a search): the query's skills, languages and
  experience range are requirements that each row covers or not;
- ``row_requires`` (a profile scores jobs): each job's own requirements are covered, or not, by
  the profile that asks.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from rapidfuzz import fuzz, process

from .snapshot import Table
from .taxonomy import get_taxonomy
from .text import normalise_label

CRITERIA = ("skills", "title", "text", "experience", "location", "languages", "freshness")
LOCATION_OFFSET_KM, LOCATION_HALF_KM = 10.0, 25.0
OCCUPATION_CREDIT = 0.8
OLDER_TITLE = 0.7


@dataclass
class Query:
    """What a job, a profile or a search asks for."""

    mode: str  # "query_requires" | "row_requires"
    tokens: list[str] = field(default_factory=list)
    #: the word of the query each token came from, for explanations (a stem reads badly)
    shown: dict[str, str] = field(default_factory=dict)
    skills: list[str] = field(default_factory=list)
    skill_names: dict[str, str] = field(default_factory=dict)
    titles: list[tuple[str, float]] = field(default_factory=list)
    lat: float | None = None
    lng: float | None = None
    remote: bool = False
    years: float | None = None
    years_min: float | None = None
    years_max: float | None = None
    languages: list[str] = field(default_factory=list)
    #: a keyword search (``keywords.py``): rows must match something, coverage counts
    keywords: bool = False
    #: terms of the occupations the keywords name, with their weight (below 1, a typed word's)
    expansion: dict[str, float] = field(default_factory=dict)
    #: quoted phrases: every row shown holds them (a filter, listed in the evidence)
    phrases: list[str] = field(default_factory=list)
    #: keywords of a job's or a profile's matching criteria: rows must hold one of these terms
    #: (typed or related); None when the criteria have no keywords
    required_any: list[str] | None = None


#: A keyword search's text relevance: BM25 (typed words, plus expansion terms at their weight)
#: over the best, times ``COVERAGE_FLOOR + (1 - COVERAGE_FLOOR) × coverage``, where coverage is
#: the IDF-weighted share of the typed words a row holds: a row with all of them ranks above
#: one with a few, whatever their counts.
COVERAGE_FLOOR = 0.8
#: The skills score from which a keyword search counts a row as found by its skills alone.
MATCHED_SKILL = 0.8


@dataclass
class Scored:
    """Criterion scores (rows × criteria), has-data flags, and side values for evidence."""

    s: np.ndarray
    h: np.ndarray
    distance: np.ndarray
    bm25: np.ndarray
    #: keyword searches: IDF-weighted share of the typed words each row holds (else None)
    coverage: np.ndarray | None = None


def haversine(lat: float, lng: float, lats: np.ndarray, lngs: np.ndarray) -> np.ndarray:
    p1, p2 = math.radians(lat), np.radians(lats)
    dphi, dl = p2 - p1, np.radians(lngs - lng)
    a = np.sin(dphi / 2) ** 2 + math.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * 6371.0088 * np.arcsin(np.sqrt(np.clip(a, 0, 1)))


def _distances(table: Table, lat: float, lng: float) -> np.ndarray:
    """Haversine km from (lat, lng) to every row, in float32 with the rows' radians and
    cosines cached per table (a query then costs two sines, a square root and an arcsine)."""
    geo = table.__dict__.get("_geo")
    if geo is None:
        phi = np.radians(table.lat).astype(np.float32)
        geo = table.__dict__["_geo"] = (
            phi,
            np.radians(table.lng).astype(np.float32),
            np.cos(phi).astype(np.float32),
        )
    phi, lam, cos_phi = geo
    p1 = np.float32(math.radians(lat))
    a = np.sin((phi - p1) * np.float32(0.5)) ** 2 + np.float32(math.cos(p1)) * cos_phi * (
        np.sin((lam - np.float32(math.radians(lng))) * np.float32(0.5)) ** 2
    )
    return np.float32(2 * 6371.0088) * np.arcsin(np.sqrt(np.clip(a, 0, 1)))


def experience_score(years: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """1 inside the range; −0.25 per missing year; −0.05 per extra year, never below 0.5."""
    lo = np.nan_to_num(lo, nan=0.0)
    short = np.clip(1 - 0.25 * (lo - years), 0, 1)
    over = np.where(np.isnan(hi), 1.0, np.maximum(0.5, 1 - 0.05 * np.maximum(years - hi, 0)))
    return np.where(years < lo, short, over)


def title_similarity(query_titles: Sequence[tuple[str, float]], table: Table) -> np.ndarray:
    """Best similarity of each dictionary title to the query titles (rapidfuzz, not per row)."""
    out = np.zeros(len(table.titles), dtype=np.float32)
    if not table.titles:
        return out
    for raw, weight in query_titles:
        title = normalise_label(raw)
        if title:
            out = np.maximum(out, weight * _title_row(table, title))
    return out


def _title_row(table: Table, title: str) -> np.ndarray:
    """Similarity of one title to a table's title dictionary, cached per table: a recruiter
    pages and filters the same job's results again and again."""
    cache = table.__dict__.setdefault("_title_cache", {})
    if title not in cache:
        if len(cache) > 512:
            cache.clear()
        a = process.cdist([title], table.titles, scorer=fuzz.token_set_ratio)[0]
        b = process.cdist([title], table.titles, scorer=fuzz.token_sort_ratio)[0]
        sim = ((a + b) / 200.0).astype(np.float32)
        occ = get_taxonomy().occupation(title)
        if occ is not None:
            sim = np.where(table.title_occ == occ, np.maximum(sim, OCCUPATION_CREDIT), sim)
        cache[title] = sim
    return cache[title]


def _skills(table: Table, pos: np.ndarray | slice, query: Query) -> tuple[np.ndarray, np.ndarray]:
    taxonomy = get_taxonomy()
    indptr, counts = table.skill_indptr, np.diff(table.skill_indptr)
    if query.mode == "query_requires":
        if not query.skills:
            return np.zeros(_count(table, pos)), np.zeros(_count(table, pos), bool)
        total = np.zeros(len(table), dtype=np.float32)
        skill_pos, post_indptr, post_rows = table.skill_pos, table.post_indptr, table.post_rows
        for q in query.skills:
            m = np.zeros(len(table), dtype=np.float32)
            for key, credit in sorted(taxonomy.credits(q).items(), key=lambda kv: kv[1]):
                p = skill_pos.get(key)
                if p is not None:
                    m[post_rows[post_indptr[p] : post_indptr[p + 1]]] = credit
            total += m
        return total[pos] / len(query.skills), np.ones(_count(table, pos), bool)
    credit = np.zeros(len(table.skill_vocab) + 1, dtype=np.float32)
    skill_pos = table.skill_pos
    for q in query.skills:
        for key, c in taxonomy.credits(q).items():
            p = skill_pos.get(key)
            if p is not None and c > credit[p]:
                credit[p] = c
    vals = credit[table.skill_indices]
    sums = np.add.reduceat(np.append(vals, 0), indptr[:-1]) if len(indptr) > 1 else np.zeros(0)
    sums = np.where(counts > 0, sums, 0)
    n = counts[pos]
    return np.where(n > 0, sums[pos] / np.maximum(n, 1), 0), n > 0


def _languages(
    table: Table, pos: np.ndarray | slice, query: Query
) -> tuple[np.ndarray, np.ndarray]:
    bits = table.lang_bits
    qmask = 0
    for code in query.languages:
        if code in bits:
            qmask |= 1 << bits[code]
    masks = table.lang_mask[pos]
    common = np.bitwise_count(masks & np.uint64(qmask)).astype(np.float32)
    if query.mode == "query_requires":
        n = len(query.languages)
        return (common / n if n else np.zeros(_count(table, pos))), np.full(
            _count(table, pos), n > 0
        )
    need = np.bitwise_count(masks).astype(np.float32)
    return np.where(need > 0, common / np.maximum(need, 1), 0), need > 0


def _count(table: Table, pos: np.ndarray | slice) -> int:
    return len(table) if isinstance(pos, slice) else len(pos)


def score_rows(table: Table, pos: np.ndarray, query: Query, base: Table, now: float) -> Scored:
    """Scores of rows ``pos`` of ``table`` (before text normalisation across tables)."""
    k = len(pos)
    if k == len(table):  # every row (no filter): views instead of copies
        pos = slice(None)  # type: ignore[assignment]
    s = np.zeros((len(CRITERIA), k), dtype=np.float32)
    h = np.zeros((len(CRITERIA), k), dtype=bool)
    s[0], h[0] = _skills(table, pos, query)
    if query.titles:
        # A trailing 0 so that "no title" (-1) reads 0, even when the dictionary is empty.
        sims = np.append(title_similarity(query.titles, table), np.float32(0))
        t1, t2 = table.title_idx[pos], table.title2_idx[pos]
        first, second = sims[t1], OLDER_TITLE * sims[t2]
        s[1], h[1] = np.maximum(first, second), t1 >= 0
    bm25 = (
        table.bm25_scores(table.query_terms(query.tokens, base), base)[pos]
        if query.tokens
        else None
    )
    coverage = None
    if query.keywords and (query.tokens or query.expansion):
        bm25, coverage = _keyword_text(table, pos, query, base, bm25, k)
    if bm25 is not None:
        h[2] = True
    if query.mode == "query_requires":
        years, lo, hi = table.exp[pos], query.years_min, query.years_max
        if lo is not None or hi is not None:
            lo_a = np.full(k, np.nan if lo is None else lo, dtype=np.float32)
            hi_a = np.full(k, np.nan if hi is None else hi, dtype=np.float32)
            s[3], h[3] = experience_score(years, lo_a, hi_a), ~np.isnan(years)
    elif query.years is not None:
        lo_a, hi_a = table.exp_min[pos], table.exp_max[pos]
        s[3] = experience_score(np.full(k, query.years, dtype=np.float32), lo_a, hi_a)
        h[3] = ~(np.isnan(lo_a) & np.isnan(hi_a))
    distance = np.full(k, np.nan)
    if query.lat is not None and query.lng is not None:
        distance = _distances(table, query.lat, query.lng)[pos]
        decay = np.exp(
            -math.log(2) * np.maximum(distance - LOCATION_OFFSET_KM, 0) / LOCATION_HALF_KM
        )
        remote = table.remote[pos] if query.mode == "row_requires" else np.full(k, query.remote)
        s[4] = np.where(remote, 1.0, np.nan_to_num(decay))
        h[4] = remote | ~np.isnan(distance)
    s[5], h[5] = _languages(table, pos, query)
    fresh = _freshness(table, now)
    s[6], h[6] = fresh[pos], fresh[pos] >= 0
    return Scored(
        s=s,
        h=h,
        distance=distance,
        bm25=bm25 if bm25 is not None else np.zeros(k),
        coverage=coverage,
    )


def _keyword_text(
    table: Table,
    pos: np.ndarray | slice,
    query: Query,
    base: Table,
    typed: np.ndarray | None,
    k: int,
) -> tuple[np.ndarray, np.ndarray]:
    """A keyword search's BM25 (typed words plus weighted expansion terms) and coverage."""
    total = typed.astype(np.float32) if typed is not None else np.zeros(k, dtype=np.float32)
    for t, w in query.expansion.items():
        ids = table.query_terms([t], base)
        if ids:
            total += np.float32(w) * table.bm25_scores(ids, base)[pos]
    idf = table.idf_of(base)
    covered = np.zeros(k, dtype=np.float32)
    weight = 0.0
    for tid in dict.fromkeys(table.query_terms(query.tokens, base)):
        weight += float(idf[tid])
        covered += np.float32(idf[tid]) * (table.bm25_scores([tid], base)[pos] > 0)
    coverage = covered / np.float32(weight) if weight > 0 else covered
    return total, coverage


def _freshness(table: Table, now: float) -> np.ndarray:
    """Freshness of every row (−1: no date), cached per table for an hour: it does not
    depend on the query."""
    cached = table.__dict__.get("_freshness")
    if cached is None or now - cached[0] > 3600:
        updated = table.updated
        days = np.maximum(now - np.nan_to_num(updated, nan=now), 0) / 86400
        fresh = np.where(np.isnan(updated), -1.0, np.exp(-days / 365)).astype(np.float32)
        cached = table.__dict__["_freshness"] = (now, fresh)
    return cached[1]


def combine(scored: Scored, weights: dict[str, float]) -> np.ndarray:
    """``Σ w·s / Σ w`` over the criteria with data, per row (0 when none has data)."""
    k = scored.s.shape[1]
    num, den = np.zeros(k, dtype=np.float32), np.zeros(k, dtype=np.float32)
    for i, name in enumerate(CRITERIA):
        w = np.float32(weights.get(name, 0.0))
        if w <= 0 or not scored.h[i].any():
            continue
        num += w * np.where(scored.h[i], np.nan_to_num(scored.s[i]), np.float32(0))
        den += w * scored.h[i]
    return np.where(den > 0, num / np.where(den > 0, den, 1), 0.0)


def normalise_text(scored: Scored) -> None:
    """Text relevance is BM25 over the best BM25 among the rows considered (for a keyword
    search, weighted by coverage: see ``COVERAGE_FLOOR``)."""
    top = float(scored.bm25.max()) if scored.bm25.size else 0.0
    scored.s[2] = scored.bm25 / top if top > 0 else 0.0
    if scored.coverage is not None:
        scored.s[2] *= COVERAGE_FLOOR + (1 - COVERAGE_FLOOR) * scored.coverage


def matched(scored: Scored) -> np.ndarray:
    """Rows a keyword search found: a typed or related word in the text, or the skill a
    keyword names (or a close variant: not merely a related skill, C++ for C#)."""
    return (scored.bm25 > 0) | (scored.h[0] & (np.nan_to_num(scored.s[0]) >= MATCHED_SKILL))


def now() -> float:
    return time.time()
