"""Building snapshot tables from index rows: scans of row ranges, assembled into one table.

The Python part of a snapshot build is :func:`scan`, one loop over the rows; everything after
it is numpy. Scans of consecutive id ranges can run in worker processes and be assembled into
the very table one scan of all the rows would give (``Engine.rebuild`` in ``engine.py``).
"""

from __future__ import annotations

import array
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .bm25 import index_base
from .snapshot import Table, split_pipe
from .taxonomy import get_taxonomy
from .text import normalise_label, term, words


class _Memo(dict):
    """A dict that computes a missing value once (``__missing__``), so a hit costs one lookup
    in C: the snapshot build looks up every word of every text (15 million at 100k rows)."""

    def __init__(self, compute: Any) -> None:
        super().__init__()
        self.compute = compute

    def __missing__(self, key: Any) -> Any:
        value = self[key] = self.compute(key)
        return value


def _epoch(value: Any) -> float:
    return value.timestamp() if value is not None else math.nan


def _f(value: Any) -> float:
    return math.nan if value is None else float(value)


@dataclass
class Scan:
    """One pass over index rows, with vocabularies of its own (titles, skills, languages and,
    for a base, terms), ids numbered in the order first seen.

    Why a separate step: :func:`assemble` merges scans of consecutive row ranges into the table
    one scan of all the rows would give, ids and all (first seen in range order is first seen
    overall), so ``hrflow_sync`` can scan ranges in worker processes (``scan_rows`` in
    ``engine.py``), one per core.
    """

    refs: list[str]
    #: per row: ids, lat, lng, remote, exp, exp_min, exp_max, updated
    columns: dict[str, np.ndarray]
    titles: list[str]
    title_idx: np.ndarray  # into ``titles``, -1 without a title
    title2_idx: np.ndarray
    skills: list[str]
    skill_indptr: np.ndarray  # CSR rows of indices into ``skills``
    skill_indices: np.ndarray
    langs: list[str]
    lang_indptr: np.ndarray  # CSR rows of indices into ``langs``
    lang_indices: np.ndarray
    #: terms first seen in this scan: all of a base scan's; for a delta scan, those its base's
    #: vocabulary lacks (ids from ``len(base vocabulary)`` on, see :func:`scan`)
    terms: list[str]
    #: every word of every text, in order, as a term id (-1 stop word)
    word_ids: np.ndarray
    word_counts: np.ndarray  # words per row

    def __len__(self) -> int:
        return len(self.refs)


def scan(rows: Iterable[Sequence[Any]], vocab: dict[str, int] | None = None) -> Scan:
    """Read ``FIELDS`` tuples (ordered by id) into a :class:`Scan`.

    ``vocab``: a base's term vocabulary (a delta scan); without it, terms get ids of the scan's
    own. A delta scan numbers the words its base never saw after the base's, so that rows
    written since the snapshot score for them too. This loop is the Python part of a snapshot
    build: one C-level lookup per word.
    """
    own = vocab is None
    terms: dict[str, int] = {} if own else vocab  # type: ignore[assignment]
    new: dict[str, int] = {}  # a delta scan's words unknown to the base
    first_new = 0 if own else len(terms)

    def word_id(word: str) -> int:
        t = term(word)
        if t is None:
            return -1
        if own:
            return terms.setdefault(t, len(terms))
        known = terms.get(t)
        return known if known is not None else new.setdefault(t, first_new + len(new))

    lookup = _Memo(word_id).__getitem__
    ids, refs, lat, lng, remote, exp, exp_min, exp_max, updated = ([] for _ in range(9))
    title_idx, title2_idx, titles, title_pos = [], [], [], {}
    skill_indptr, skill_indices, skill_pos = [0], [], {}
    lang_indptr, lang_indices, lang_pos = [0], [], {}
    word_ids, word_counts = array.array("i"), []

    def title_id(title: str) -> int:
        key = normalise_label(title)
        if not key:
            return -1
        if key not in title_pos:
            title_pos[key] = len(titles)
            titles.append(key)
        return title_pos[key]

    for row in rows:
        (id_, ref, title, others, skills, la, ln, rem, ex, emin, emax, langs, upd, text) = row
        ids.append(id_)
        refs.append(ref)
        lat.append(_f(la))
        lng.append(_f(ln))
        remote.append(bool(rem))
        exp.append(_f(ex))
        exp_min.append(_f(emin))
        exp_max.append(_f(emax))
        updated.append(_epoch(upd))
        title_idx.append(title_id(title))
        title2_idx.append(title_id(others.split("\n", 1)[0]) if others else -1)
        for key in split_pipe(skills):
            skill_indices.append(skill_pos.setdefault(key, len(skill_pos)))
        skill_indptr.append(len(skill_indices))
        for code in split_pipe(langs):
            lang_indices.append(lang_pos.setdefault(code, len(lang_pos)))
        lang_indptr.append(len(lang_indices))
        before = len(word_ids)
        word_ids.extend(map(lookup, words(text)))
        word_counts.append(len(word_ids) - before)

    return Scan(
        refs=refs,
        columns={
            "ids": np.asarray(ids, dtype=np.int64),
            "lat": np.asarray(lat, dtype=np.float64),
            "lng": np.asarray(lng, dtype=np.float64),
            "remote": np.asarray(remote, dtype=bool),
            "exp": np.asarray(exp, dtype=np.float32),
            "exp_min": np.asarray(exp_min, dtype=np.float32),
            "exp_max": np.asarray(exp_max, dtype=np.float32),
            "updated": np.asarray(updated, dtype=np.float64),
        },
        titles=titles,
        title_idx=np.asarray(title_idx, dtype=np.int32),
        title2_idx=np.asarray(title2_idx, dtype=np.int32),
        skills=list(skill_pos),
        skill_indptr=np.asarray(skill_indptr, dtype=np.int64),
        skill_indices=np.asarray(skill_indices, dtype=np.int32),
        langs=list(lang_pos),
        lang_indptr=np.asarray(lang_indptr, dtype=np.int64),
        lang_indices=np.asarray(lang_indices, dtype=np.int32),
        terms=list(terms) if own else list(new),
        word_ids=np.frombuffer(word_ids, dtype=np.int32) if word_ids else np.empty(0, np.int32),
        word_counts=np.asarray(word_counts, dtype=np.int64),
    )


def build_table(rows: Iterable[Sequence[Any]], *, version: int, base: Table | None = None) -> Table:
    """Build a table from ``FIELDS`` tuples (ordered by id).

    Without ``base`` this is a base table: a vocabulary and a bm25s model are built. With
    ``base``, a delta table: terms use the base's vocabulary and IDF.
    """
    return assemble([scan(rows, None if base is None else base.vocab)], version=version, base=base)


def assemble(scans: Sequence[Scan], *, version: int, base: Table | None = None) -> Table:
    """The table of the rows of ``scans`` (consecutive ranges, in id order), identical to the
    table of one scan of all of them. The scans' words are released as they are used (a
    build's largest arrays: they are not kept twice)."""
    titles, title_maps = _union(s.titles for s in scans)
    skills, skill_maps = _union(s.skills for s in scans)
    langs, lang_maps = _union(s.langs for s in scans)
    n = sum(len(s) for s in scans)
    arrays = {name: _cat([s.columns[name] for s in scans], dtype) for name, dtype in _COLUMNS}
    by_title = list(zip(scans, title_maps, strict=True))
    arrays["title_idx"] = _cat([_remap(s.title_idx, m) for s, m in by_title], np.int32)
    arrays["title2_idx"] = _cat([_remap(s.title2_idx, m) for s, m in by_title], np.int32)
    skill_parts = [m[s.skill_indices] for s, m in zip(scans, skill_maps, strict=True)]
    skill_indices = _cat(skill_parts, np.int32)
    skill_indptr = _join_indptr([s.skill_indptr for s in scans])
    taxonomy = get_taxonomy()
    entry_rows = np.repeat(np.arange(n, dtype=np.int32), np.diff(skill_indptr))
    order = np.argsort(skill_indices, kind="stable")
    post_counts = np.bincount(skill_indices, minlength=len(skills))
    arrays.update(
        title_occ=np.asarray(
            [o if (o := taxonomy.occupation(t)) is not None else -1 for t in titles],
            dtype=np.int32,
        ),
        skill_indptr=skill_indptr,
        skill_indices=skill_indices,
        post_indptr=np.concatenate([[0], np.cumsum(post_counts)]).astype(np.int64),
        post_rows=entry_rows[order],
        lang_mask=_lang_masks(scans, lang_maps, n),
    )
    table = Table(
        version=version,
        refs=[ref for s in scans for ref in s.refs],
        titles=list(titles),
        skill_vocab=list(skills),
        lang_vocab=list(langs)[:64],
        arrays=arrays,
        vocab=base.vocab if base is not None else {},
    )
    if base is None:
        vocab, term_maps = _union(s.terms for s in scans)
        table.vocab = vocab
        docs: list[np.ndarray] = []
        for s, m in zip(scans, term_maps, strict=True):
            docs.extend(_docs(s, m))
            s.word_ids = np.empty(0, dtype=np.int32)
        index_base(table, docs)
    else:
        _index_delta(table, scans, base)
    return table


_COLUMNS = (
    ("ids", np.int64), ("lat", np.float64), ("lng", np.float64), ("remote", bool),
    ("exp", np.float32), ("exp_min", np.float32), ("exp_max", np.float32),
    ("updated", np.float64),
)  # fmt: skip


def _union(parts: Iterable[list[str]]) -> tuple[dict[str, int], list[np.ndarray]]:
    """Merge vocabularies in order: the merged one (key -> id) and each part's id map."""
    merged: dict[str, int] = {}
    maps = [
        np.fromiter((merged.setdefault(k, len(merged)) for k in part), np.int32, count=len(part))
        for part in parts
    ]
    return merged, maps


def _remap(idx: np.ndarray, id_map: np.ndarray) -> np.ndarray:
    """``idx`` through ``id_map``, keeping -1 (none)."""
    out = np.full(len(idx), -1, dtype=np.int32)
    some = idx >= 0
    out[some] = id_map[idx[some]]
    return out


def _join_indptr(parts: Sequence[np.ndarray]) -> np.ndarray:
    """One CSR ``indptr`` from those of consecutive row ranges."""
    out, offset = [np.zeros(1, dtype=np.int64)], 0
    for indptr in parts:
        out.append(indptr[1:] + offset)
        offset += int(indptr[-1])
    return np.concatenate(out)


def _docs(scan: Scan, term_map: np.ndarray) -> list[np.ndarray]:
    """Each row's term ids (stop words left out), in the merged vocabulary."""
    if not len(scan):
        return []
    known = scan.word_ids >= 0
    ends = np.cumsum(_per_row(known, scan.word_counts))
    return np.split(term_map[scan.word_ids[known]], ends[:-1])


def _per_row(flags: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """How many ``flags`` are set in each row's run of ``counts`` entries.

    ``reduceat`` needs no temporary the size of ``flags`` (a running total would take 120 MB
    at 100,000 resumes); it gives an empty run the next entry, hence the zeroing, and the
    padding lets trailing empty runs start past the end."""
    if not len(counts):
        return np.zeros(0, dtype=np.int64)
    starts = np.cumsum(counts) - counts
    out = np.add.reduceat(np.append(flags, False), starts, dtype=np.int64)
    out[counts == 0] = 0
    return out


def _lang_masks(scans: Sequence[Scan], lang_maps: list[np.ndarray], n: int) -> np.ndarray:
    """Each row's languages as bits (the first 64 languages seen get one)."""
    masks = np.zeros(n, dtype=np.uint64)
    offset = 0
    for s, m in zip(scans, lang_maps, strict=True):
        rows = np.repeat(np.arange(offset, offset + len(s)), np.diff(s.lang_indptr))
        bits = m[s.lang_indices]
        has_bit = bits < 64
        np.bitwise_or.at(
            masks, rows[has_bit], np.left_shift(np.uint64(1), bits[has_bit].astype(np.uint64))
        )
        offset += len(s)
    return masks


def _cat(parts: list[np.ndarray], dtype: Any) -> np.ndarray:
    return np.concatenate(parts) if parts else np.empty(0, dtype)


def _index_delta(table: Table, scans: Sequence[Scan], base: Table) -> None:
    """(row, term id, tf) triples of a delta, by row then term, each row's length, and the
    terms the base lacks: ids after the base's, with an IDF from the base's and the delta's
    rows (the base's IDF has no entry for them)."""
    n_vocab = len(base.vocab)
    extra, extra_maps = _union(s.terms for s in scans)
    parts = []
    for s, m in zip(scans, extra_maps, strict=True):
        ids = s.word_ids.copy()
        fresh = ids >= n_vocab
        ids[fresh] = n_vocab + m[ids[fresh] - n_vocab]
        parts.append(ids)
    ids = _cat(parts, np.int32)
    counts = _cat([s.word_counts for s in scans], np.int64)
    owner = np.repeat(np.arange(len(counts), dtype=np.int64), counts)
    known = ids >= 0
    width = max(n_vocab + len(extra), 1)
    keys, tfs = np.unique(owner[known] * width + ids[known], return_counts=True)
    rows, terms = (keys // width).astype(np.int32), (keys % width).astype(np.int32)
    table.delta_terms = (rows, terms, tfs.astype(np.float32))
    table.arrays["doc_len"] = _per_row(ids != -1, counts).astype(np.float32)
    table.arrays["idf"] = np.empty(0, dtype=np.float32)
    table.extra_vocab = {t: n_vocab + i for t, i in extra.items()}
    df = np.bincount(terms[terms >= n_vocab] - n_vocab, minlength=len(extra))
    n = len(base) + len(counts)
    table.extra_idf = np.log(1 + (n - df + 0.5) / (df + 0.5)).astype(np.float32)
