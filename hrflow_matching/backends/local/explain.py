"""Explanations: one :class:`CriterionScore` per criterion with data, with its evidence.

Why separate from scoring: evidence (which skills matched, which are missing, how far, how many
years) is computed only for the rows of the page, in plain Python, from the same arrays the
vectorised scorer used, so the explanation always agrees with the score.
"""

from __future__ import annotations

import datetime as dt
import math
from functools import lru_cache

from ..base import CriterionScore
from .keywords import shown
from .scoring import CRITERIA, Query, Scored
from .snapshot import Table
from .taxonomy import get_taxonomy


@lru_cache(maxsize=4096)
def _credits(key: str) -> dict[str, float]:
    return get_taxonomy().credits(key)


def _row_skills(table: Table, row: int) -> list[str]:
    lo, hi = int(table.skill_indptr[row]), int(table.skill_indptr[row + 1])
    return [table.skill_vocab[i] for i in table.skill_indices[lo:hi].tolist()]


def _coverage(
    required: list[str], offered: list[str], names: dict[str, str], *, from_offered: bool = False
) -> dict:
    """Each required skill: matched, related (with the credit) or missing.

    The credit is the one the score used. The taxonomy's related-skill links are one-way for a
    quarter of the pairs, so the direction matters: a job's requirement credits the profile's
    skills (``credits(required)``), a profile's skills credit a job's requirements
    (``credits(offered)``, ``from_offered``).
    """
    taxonomy = get_taxonomy()
    matched, partial, missing = [], [], []
    for need in required:
        if from_offered:
            credits = {k: _credits(k).get(need, 0.0) for k in offered}
        else:
            credits = _credits(need)
        best = max(offered, key=lambda k: credits.get(k, 0.0), default=None)
        credit = credits.get(best, 0.0) if best is not None else 0.0
        label = names.get(need) or taxonomy.display(need)
        if credit >= 1.0:
            matched.append(label)
        elif credit > 0:
            partial.append({"required": label, "found": taxonomy.display(best), "credit": credit})
        else:
            missing.append(label)
    return {"matched": matched, "related": partial, "missing": missing}


def evidence(
    name: str, table: Table, row: int, j: int, scored: Scored, query: Query, base: Table, memo: dict
) -> dict:
    if name == "skills":
        own = _row_skills(table, row)
        if query.mode == "query_requires":
            return _coverage(query.skills, own, query.skill_names)
        return _coverage(own, query.skills, {}, from_offered=True)
    if name == "title":
        t1, t2 = int(table.title_idx[row]), int(table.title2_idx[row])
        return {
            "title": table.titles[t1] if t1 >= 0 else None,
            "previous_title": table.titles[t2] if t2 >= 0 else None,
            "compared_with": [t for t, _ in query.titles],
        }
    if name == "text":
        idf = memo["idf"]
        found = sorted(memo["terms"][id(table)].get(row, []), key=lambda t: -idf[t])
        inverse = memo["inverse"]
        out = {
            "matched_terms": [inverse[t] for t in found[:10]],
            "bm25": round(float(scored.bm25[j]), 3),
        }
        if query.keywords:  # a keyword search: also the phrases and the related words
            related = memo["expanded"][id(table)].get(row, [])
            out["phrases"] = list(query.phrases)
            out["expanded_terms"] = [memo["expanded_names"][t] for t in related[:10]]
            if scored.coverage is not None:
                out["coverage"] = round(float(scored.coverage[j]), 3)
        return out
    if name == "experience":
        if query.mode == "query_requires":
            years, lo, hi = float(table.exp[row]), query.years_min, query.years_max
        else:
            years, lo, hi = query.years, float(table.exp_min[row]), float(table.exp_max[row])
        clean = lambda v: None if v is None or math.isnan(v) else round(v, 1)  # noqa: E731
        return {"years": clean(years), "required_min": clean(lo), "required_max": clean(hi)}
    if name == "location":
        d = float(scored.distance[j])
        remote = bool(table.remote[row]) if query.mode == "row_requires" else query.remote
        return {"distance_km": None if math.isnan(d) else round(d, 1), "remote": remote}
    if name == "languages":
        own = {
            code for code, bit in table.lang_bits.items() if int(table.lang_mask[row]) >> bit & 1
        }
        need = query.languages if query.mode == "query_requires" else sorted(own)
        have = own if query.mode == "query_requires" else set(query.languages)
        return {
            "matched": [c for c in need if c in have],
            "missing": [c for c in need if c not in have],
        }
    if name == "freshness":
        ts = float(table.updated[row])
        return {
            "updated_at": dt.datetime.fromtimestamp(ts, dt.UTC).isoformat().replace("+00:00", "Z")
        }
    return {}


def page_memo(query: Query, base: Table, rows_by_table: list[tuple[Table, list[int]]]) -> dict:
    """What every row of a page shares: the query's terms found in each row, computed at once."""
    terms = {id(t): t.query_terms(query.tokens, base) for t, _ in rows_by_table}
    vocab = dict(base.vocab)
    idf: dict[int, float] = {}
    for t, _ in rows_by_table:
        vocab.update(t.extra_vocab)  # a delta's new terms, numbered after the base's
        table_idf = t.idf_of(base)
        idf.update({i: float(table_idf[i]) for i in terms[id(t)]})
    expanded = {
        id(t): t.query_terms(sorted(query.expansion, key=lambda x: -query.expansion[x]), base)
        for t, _ in rows_by_table
    }
    return {
        "expanded": {id(t): t.matched_terms(rows, expanded[id(t)]) for t, rows in rows_by_table},
        "expanded_names": {vocab[t]: shown(t) for t in query.expansion if t in vocab},
        "terms": {id(t): t.matched_terms(rows, terms[id(t)]) for t, rows in rows_by_table},
        "inverse": {vocab[t]: query.shown.get(t, t) for t in query.tokens if t in vocab},
        "idf": idf,
    }


def explain(
    table: Table,
    row: int,
    j: int,
    scored: Scored,
    query: Query,
    base: Table,
    weights: dict,
    memo: dict,
) -> tuple[float, tuple[CriterionScore, ...]]:
    """(score, explanation) of column ``j`` of ``scored`` (row ``row`` of ``table``)."""
    has = [c for i, c in enumerate(CRITERIA) if scored.h[i, j] and weights.get(c, 0) > 0]
    total = sum(float(weights[c]) for c in has)
    out = []
    for c in has:
        i = CRITERIA.index(c)
        out.append(
            CriterionScore(
                name=c,
                score=min(1.0, max(0.0, float(scored.s[i, j]))),
                weight=float(weights[c]) / total,
                evidence=evidence(c, table, row, j, scored, query, base, memo),
            )
        )
    return sum(x.contribution for x in out), tuple(out)
