"""``LocalBackend``: the embedded matching engine behind the common backend interface.

A backend instance is bound to ``self.tenant``: rows are written with that tenant, filters and
snapshots are scoped to it, and a reference of another tenant is "not indexed". ``None`` is a
single-tenant CRM: everything, unscoped.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from concurrent.futures import Executor
from typing import Any

import numpy as np
from django.db import DatabaseError

from ...conf import get_settings
from ...models import IndexEntry
from ...registry import Kind
from ..base import (
    BackendUnavailable,
    Criteria,
    Health,
    MatchingBackend,
    ObjectNotIndexed,
    ResultPage,
    ScoredItem,
)
from . import filters, masks, store
from .engine import View, get_engine, pending_changes, rebuilds_allowed
from .explain import explain, page_memo
from .keywords import any_term_mask, expansion, phrase_mask
from .keywords import parse as parse_keywords
from .scoring import Query, Scored, combine, matched, normalise_text, now, score_rows
from .snapshot import split_pipe
from .taxonomy import get_taxonomy
from .text import tokenize_shown


def query_from_entry(entry: IndexEntry, mode: str) -> Query:
    """The query a job (or a profile) asks with its own data."""
    titles = [(entry.title, 1.0)] if entry.title else []
    if entry.other_titles:
        titles.append((entry.other_titles.split("\n", 1)[0], 0.7))
    # Skills read from a free-text query document are too noisy to score with (on the labelled
    # resumes they cost 0.25 nDCG@10): the text criterion covers them. Structured skills score.
    tokens, shown = tokenize_shown(entry.text)
    return Query(
        mode=mode,
        tokens=tokens,
        shown=shown,
        skills=[] if entry.text_skills else split_pipe(entry.skills),
        skill_names=dict((entry.extra or {}).get("skill_names") or {}),
        titles=titles,
        lat=entry.lat,
        lng=entry.lng,
        remote=entry.remote,
        years=entry.experience_years,
        years_min=entry.experience_min,
        years_max=entry.experience_max,
        languages=split_pipe(entry.languages),
    )


#: How many times a matching criterion's typed words count in the document's query: a few
#: keywords among a whole job's words would otherwise weigh nothing.
KEYWORD_REPEAT = 3


def query_from_criteria(criteria: Criteria) -> Query:
    """A search asks with its keywords (``keywords.py``): every typed word ranks, quoted
    phrases must appear, the skills and titles they name score, and the occupations they name
    bring related words in."""
    parsed = parse_keywords(criteria.text_keywords)
    keywords = list(parsed.typed)
    taxonomy = get_taxonomy()
    skills: dict[str, None] = {}
    for k in keywords:  # a keyword that names a skill ("Hadoop", "JS") is that skill
        named = taxonomy.named_skill(k)
        if named:
            skills[named] = None
    tokens, shown = tokenize_shown(parsed.text)
    return Query(
        mode="query_requires",
        tokens=tokens,
        shown=shown,
        skills=list(skills),
        titles=[(k, 1.0) for k in keywords],
        lat=criteria.location_lat if criteria.has_location else None,
        lng=criteria.location_lng if criteria.has_location else None,
        keywords=bool(keywords),
        expansion=expansion(parsed, tokens) if keywords else {},
        phrases=list(parsed.phrases),
    )


class LocalBackend(MatchingBackend):
    """Filters in SQL, ranks in process; see the package docstring and the README."""

    # -- scoring and search ----------------------------------------------------------------
    def score_profiles(self, job_reference: str, criteria: Criteria) -> ResultPage:
        return self._score("job", job_reference, "profile", "query_requires", criteria)

    def score_jobs(self, profile_reference: str, criteria: Criteria) -> ResultPage:
        return self._score("profile", profile_reference, "job", "row_requires", criteria)

    def search_profiles(self, criteria: Criteria) -> ResultPage:
        return self._rank("profile", query_from_criteria(criteria), criteria)

    def search_jobs(self, criteria: Criteria) -> ResultPage:
        return self._rank("job", query_from_criteria(criteria), criteria)

    # -- index -----------------------------------------------------------------------------
    def index(self, kind: Kind, documents: Sequence[dict[str, Any]]) -> None:
        store.upsert(kind, self.tenant, documents)
        self._maybe_rebuild(kind)

    def archive(self, kind: Kind, references: Sequence[str]) -> None:
        store.archive(kind, self.tenant, references)
        self._maybe_rebuild(kind)

    def rebuild(self, kind: Kind, executor: Executor | None = None, parts: int = 1) -> int:
        """Rebuild this tenant's snapshot of ``kind`` now (``hrflow_sync`` calls it, with its
        worker processes as ``executor``: see :meth:`Engine.rebuild`)."""
        return len(get_engine(kind, self.tenant).rebuild(executor, parts))

    def health(self) -> Health:
        try:
            counts = {
                kind: IndexEntry.objects.filter(store.scope_q(kind, self.tenant)).count()
                for kind in ("profile", "job")
            }
        except DatabaseError as exc:
            return Health(False, f"The local index table cannot be read: {exc}")
        return Health(
            True, f"Local engine: {counts['profile']} profiles, {counts['job']} jobs indexed."
        )

    # -- internals -------------------------------------------------------------------------
    def _maybe_rebuild(self, kind: Kind) -> None:
        """Rebuild in the writing process (a worker) once the delta grows, so web processes
        load a fresh snapshot from disk instead of scoring a large delta brute force."""
        limit = int(get_settings()["LOCAL"].get("REBUILD_AFTER", 1000) or 0)
        engine = get_engine(kind, self.tenant)
        if (
            engine.dir is not None
            and limit
            and rebuilds_allowed()
            and pending_changes(kind, self.tenant) > limit
        ):
            engine.rebuild()

    def _score(
        self, kind: str, reference: str, target: str, mode: str, criteria: Criteria
    ) -> ResultPage:
        try:
            entry = store.get_entry(kind, self.tenant, reference)
        except DatabaseError as exc:  # e.g. migrations not applied yet
            raise BackendUnavailable(
                "The local matching index cannot be read. Ask an administrator to run "
                "`manage.py migrate` and `manage.py hrflow_sync`.",
                detail=str(exc),
            ) from exc
        if entry is None:
            raise ObjectNotIndexed(
                f"The {kind} “{reference}” is not in the local index yet. It is indexed "
                "after it is saved; `manage.py hrflow_sync` indexes everything."
            )
        query = query_from_entry(entry, mode)
        if criteria.text_keywords:
            # Keywords narrow a match to rows holding some typed (or related) word, quoted
            # phrases to rows holding them; the typed words also rank, beside the document's.
            asked = query_from_criteria(criteria)
            query = dataclasses.replace(
                query,
                tokens=query.tokens + asked.tokens * KEYWORD_REPEAT,
                shown={**asked.shown, **query.shown},
                phrases=asked.phrases,
                required_any=asked.tokens + list(asked.expansion),
            )
        if criteria.has_location:  # a centre the recruiter typed: location scores from there too
            query = dataclasses.replace(query, lat=criteria.location_lat, lng=criteria.location_lng)
        return self._rank(target, query, criteria)

    def _rank(self, kind: str, query: Query, criteria: Criteria) -> ResultPage:
        try:
            view = get_engine(kind, self.tenant).view()
            base_pos, delta_pos = self._allowed(kind, view, criteria)
        except DatabaseError as exc:
            raise BackendUnavailable(detail=str(exc)) from exc
        if query.required_any is not None:
            base_pos = base_pos[any_term_mask(view.base, base_pos, query.required_any, view.base)]
            if view.delta is not None and len(delta_pos):
                delta_pos = delta_pos[
                    any_term_mask(view.delta, delta_pos, query.required_any, view.base)
                ]
        if query.phrases:  # quoted phrases: must appear (after the cheaper filters)
            base_pos = base_pos[phrase_mask(view.base, base_pos, query.phrases, view.base)]
            if view.delta is not None and len(delta_pos):
                delta_pos = delta_pos[phrase_mask(view.delta, delta_pos, query.phrases, view.base)]
        t = now()
        parts = [(view.base, base_pos, score_rows(view.base, base_pos, query, view.base, t))]
        if view.delta is not None and len(delta_pos):
            parts.append(
                (view.delta, delta_pos, score_rows(view.delta, delta_pos, query, view.base, t))
            )
        scored = Scored(
            s=np.concatenate([p[2].s for p in parts], axis=1),
            h=np.concatenate([p[2].h for p in parts], axis=1),
            distance=np.concatenate([p[2].distance for p in parts]),
            bm25=np.concatenate([p[2].bm25 for p in parts]),
            coverage=(
                np.concatenate([p[2].coverage for p in parts])
                if parts[0][2].coverage is not None
                else None
            ),
        )
        normalise_text(scored)
        weights = dict(get_settings()["LOCAL"]["WEIGHTS"])
        total = combine(scored, weights)
        ok = total >= (criteria.score_threshold or 0.0) - 1e-9
        if query.keywords and not query.phrases:  # a row shown matched something typed
            ok &= matched(scored)
        keep = np.flatnonzero(ok)
        limit, page = max(1, criteria.limit), max(1, criteria.page)
        count = len(keep)
        last_page = math.ceil(count / limit) if count else 0
        start = (page - 1) * limit
        if start >= count:
            return ResultPage(items=(), page=page, last_page=last_page, total=count, limit=limit)
        top = min(count, start + limit)
        if top >= count:
            cand = keep
        else:
            # Every row at least as good as the top-th, ties at the edge included: choosing
            # among tied rows arbitrarily would show some twice across pages and others never.
            kth = np.partition(-total[keep], top - 1)[top - 1]
            cand = keep[-total[keep] <= kth]
        nb = len(parts[0][1])

        def locate(j: int) -> tuple[Any, int]:
            if j < nb:
                return view.base, int(base_pos[j])
            return view.delta, int(delta_pos[j - nb])

        refs = [locate(int(j))[0].refs[locate(int(j))[1]] for j in cand]
        order = sorted(range(len(cand)), key=lambda i: (-float(total[cand[i]]), refs[i]))
        chosen = [(int(cand[i]), *locate(int(cand[i])), refs[i]) for i in order[start:top]]
        memo = page_memo(
            query,
            view.base,
            [(t, [r for _, tt, r, _ in chosen if tt is t]) for t in (view.base, view.delta) if t],
        )
        items = []
        for j, table, row, ref in chosen:
            score, explanation = explain(table, row, j, scored, query, view.base, weights, memo)
            items.append(ScoredItem(reference=ref, score=score, explanation=explanation))
        return ResultPage(
            items=tuple(items), page=page, last_page=last_page, total=count, limit=limit
        )

    def _allowed(self, kind: str, view: View, criteria: Criteria) -> tuple[np.ndarray, np.ndarray]:
        """Positions of the rows that pass the filters, in the base and in the delta.

        Location, skills and languages are masks on the snapshot arrays (``masks``); SQL only
        answers what the arrays cannot (keywords, tags), and then also takes the location,
        whose indexed bounding box keeps its id list short."""
        delta_n = len(view.delta) if view.delta is not None else 0
        if not filters.has_filters(criteria):
            return np.flatnonzero(view.alive), np.arange(delta_n)
        if not (masks.answerable(view.base, criteria) and masks.answerable(view.delta, criteria)):
            return self._sql_allowed(kind, view, criteria, skip_arrays=False)
        sql = masks.needs_sql(criteria)
        base_ok = view.alive & masks.row_mask(view.base, criteria, kind, location=not sql)
        delta_ok = (
            masks.row_mask(view.delta, criteria, kind, location=not sql)
            if view.delta is not None
            else np.zeros(0, dtype=bool)
        )
        if not sql:
            return np.flatnonzero(base_ok), np.flatnonzero(delta_ok)
        base_pos, delta_pos = self._sql_allowed(kind, view, criteria, skip_arrays=True)
        return base_pos[base_ok[base_pos]], delta_pos[delta_ok[delta_pos]]

    def _sql_allowed(
        self, kind: str, view: View, criteria: Criteria, *, skip_arrays: bool
    ) -> tuple[np.ndarray, np.ndarray]:
        ids = np.fromiter(
            filters.filtered(kind, self.tenant, criteria, skip_arrays=skip_arrays).values_list(
                "id", flat=True
            ),
            dtype=np.int64,
        )
        base_ids = view.base.ids
        pos = np.searchsorted(base_ids, ids)
        pos = pos[pos < len(base_ids)]
        ok = pos[np.isin(base_ids[pos], ids)]
        base_pos = np.unique(ok[view.alive[ok]])
        delta_pos = np.asarray(
            sorted(view.delta_pos[i] for i in ids.tolist() if i in view.delta_pos), dtype=np.int64
        )
        return base_pos, delta_pos
