"""In-process arrays of index rows: the structure every query scores in numpy.

Why arrays and not SQL for ranking: scoring 100k profiles on seven criteria is a few vectorised
numpy operations (milliseconds), while ranking broad text queries in SQL takes hundreds of
milliseconds (see ``reference/matching-engine.md`` §3). A :class:`Table` holds one set of rows:
the *base* (built from every row at some stamp version, with a bm25s model, saved to disk and
memory-mapped by every process) or the *delta* (rows changed since, scored brute force with the
base's IDF so that both give comparable BM25 scores).
"""

from __future__ import annotations

import array
import functools
import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .taxonomy import get_taxonomy
from .text import normalise_label, term, words

#: BM25 parameters and the weight of a term the query repeats (``tf ** QUERY_TF_POWER``),
#: chosen on half of the labelled resumes (``bench/quality.py``): a whole job or resume used as
#: a query says what matters by repeating it.
K1, B, QUERY_TF_POWER = 3.0, 1.0, 1.5
#: Long queries keep their most telling terms (IDF × weight): bounded work per query.
MAX_QUERY_TERMS = 24
#: Columns read from ``IndexEntry`` to build a table, in this order.
FIELDS = (
    "id", "reference", "title", "other_titles", "skills", "lat", "lng", "remote",
    "experience_years", "experience_min", "experience_max", "languages", "updated_at", "text",
)  # fmt: skip
_ARRAYS = (
    "ids", "lat", "lng", "remote", "exp", "exp_min", "exp_max", "updated", "title_idx",
    "title2_idx", "title_occ", "skill_indptr", "skill_indices", "post_indptr", "post_rows",
    "lang_mask", "idf", "doc_len",
)  # fmt: skip


class _Memo(dict):
    """A dict that computes a missing value once (``__missing__``), so a hit costs one lookup
    in C: the snapshot build looks up every word of every text (15 million at 100k rows)."""

    def __init__(self, compute: Any) -> None:
        super().__init__()
        self.compute = compute

    def __missing__(self, key: Any) -> Any:
        value = self[key] = self.compute(key)
        return value


def split_pipe(value: str) -> list[str]:
    return [v for v in value.split("|") if v] if value else []


@dataclass
class Table:
    version: int = 0
    refs: list[str] = field(default_factory=list)
    titles: list[str] = field(default_factory=list)
    skill_vocab: list[str] = field(default_factory=list)
    lang_vocab: list[str] = field(default_factory=list)
    avgdl: float = 1.0
    arrays: dict[str, np.ndarray] = field(default_factory=dict)
    #: base only: the bm25s model and its vocabulary (term -> id)
    bm25: Any = None
    vocab: dict[str, int] = field(default_factory=dict)
    #: delta only: flattened (row, term id, tf) triples
    delta_terms: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None

    def __getattr__(self, name: str) -> np.ndarray:
        arrays = self.__dict__.get("arrays")
        if arrays is not None and name in arrays:
            return arrays[name]
        raise AttributeError(name)

    def __len__(self) -> int:
        return len(self.refs)

    @property
    def skill_pos(self) -> dict[str, int]:
        pos = self.__dict__.get("_skill_pos")
        if pos is None:
            pos = self.__dict__["_skill_pos"] = {k: i for i, k in enumerate(self.skill_vocab)}
        return pos

    @property
    def lang_bits(self) -> dict[str, int]:
        bits = self.__dict__.get("_lang_bits")
        if bits is None:
            bits = self.__dict__["_lang_bits"] = {c: i for i, c in enumerate(self.lang_vocab)}
        return bits

    # -- text ------------------------------------------------------------------------------
    def term_ids(self, tokens: Iterable[str]) -> list[int]:
        """Vocabulary ids of the query's terms, repeated as often as the query repeats them:
        a long query (a whole job or resume) weighs its recurring words more, as bm25s does."""
        return [self.vocab[t] for t in tokens if t in self.vocab]

    def bm25_scores(self, term_ids: Sequence[int], base: Table) -> np.ndarray:
        """BM25 (Lucene variant, as bm25s computes it) of every row for the query terms."""
        n = len(self)
        if not term_ids or n == 0:
            return np.zeros(n, dtype=np.float32)
        uniq, counts = np.unique(np.asarray(term_ids, dtype=np.int64), return_counts=True)
        weights = counts.astype(np.float32) ** QUERY_TF_POWER
        if len(uniq) > MAX_QUERY_TERMS:
            keep = np.argsort(-(weights * base.idf[uniq]), kind="stable")[:MAX_QUERY_TERMS]
            uniq, weights = uniq[keep], weights[keep]
        if self.bm25 is not None:
            csc = self.bm25.scores
            data, indices, indptr = csc["data"], csc["indices"], csc["indptr"]
            docs = [indices[indptr[t] : indptr[t + 1]] for t in uniq]
            vals = [data[indptr[t] : indptr[t + 1]] * w for t, w in zip(uniq, weights, strict=True)]
            return np.bincount(
                np.concatenate(docs), weights=np.concatenate(vals), minlength=n
            ).astype(np.float32)
        rows, terms, tfs = self.delta_terms or (np.empty(0, int),) * 3
        query_tf = np.zeros(len(base.idf), dtype=np.float32)
        query_tf[uniq] = weights
        keep = query_tf[terms] > 0
        tf = tfs[keep]
        dl = self.doc_len[rows[keep]]
        tfc = tf / (K1 * (1 - B + B * dl / base.avgdl) + tf)
        contrib = base.idf[terms[keep]] * tfc * query_tf[terms[keep]]
        return np.bincount(rows[keep], weights=contrib, minlength=n).astype(np.float32)

    def matched_terms(self, rows: Sequence[int], term_ids: Sequence[int]) -> dict[int, list[int]]:
        """Query terms present in each of ``rows`` (the rows of a page, for explanations)."""
        out: dict[int, list[int]] = {int(r): [] for r in rows}
        wanted = np.asarray(sorted(out), dtype=np.int64)
        if not len(wanted):
            return out
        if self.bm25 is not None:
            csc = self.bm25.scores
            indices, indptr = csc["indices"], csc["indptr"]
            for t in dict.fromkeys(term_ids):
                docs = indices[indptr[t] : indptr[t + 1]]
                if not len(docs):
                    continue
                i = np.minimum(np.searchsorted(docs, wanted), len(docs) - 1)
                for r in wanted[docs[i] == wanted].tolist():
                    out[r].append(t)
            return out
        rows_a, terms, _ = self.delta_terms or (np.empty(0, int),) * 2 + (None,)
        query = set(term_ids)
        for r, t in zip(rows_a.tolist(), terms.tolist(), strict=True):
            if r in out and t in query:
                out[r].append(t)
        return out

    # -- persistence -----------------------------------------------------------------------
    def save(self, path: Path) -> None:
        path.mkdir(parents=True, exist_ok=True)
        for name in _ARRAYS:
            np.save(path / f"{name}.npy", self.arrays[name], allow_pickle=False)
        meta = {
            "version": self.version,
            "refs": self.refs,
            "titles": self.titles,
            "skill_vocab": self.skill_vocab,
            "lang_vocab": self.lang_vocab,
            "avgdl": self.avgdl,
        }
        (path / "meta.json").write_text(json.dumps(meta))
        if self.bm25 is not None:
            self.bm25.save(str(path / "bm25"), show_progress=False)

    @classmethod
    def load(cls, path: Path) -> Table:
        import bm25s

        meta = json.loads((path / "meta.json").read_text())
        # np.asarray drops the memmap subclass (same pages, no per-access Python overhead).
        arrays = {n: np.asarray(np.load(path / f"{n}.npy", mmap_mode="r")) for n in _ARRAYS}
        table = cls(arrays=arrays, **meta)
        if (path / "bm25").exists():
            table.bm25 = bm25s.BM25.load(str(path / "bm25"), mmap=True, show_progress=False)
            table.bm25.scores = {k: np.asarray(v) for k, v in table.bm25.scores.items()}
            table.vocab = table.bm25.vocab_dict
        return table


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
    #: terms first seen in this scan (a base scan); a delta scan uses its base's vocabulary
    terms: list[str]
    #: every word of every text, in order, as a term id (-1 stop word, -2 unknown to the base)
    word_ids: np.ndarray
    word_counts: np.ndarray  # words per row

    def __len__(self) -> int:
        return len(self.refs)


def scan(rows: Iterable[Sequence[Any]], vocab: dict[str, int] | None = None) -> Scan:
    """Read ``FIELDS`` tuples (ordered by id) into a :class:`Scan`.

    ``vocab``: a base's term vocabulary (a delta scan); without it, terms get ids of the scan's
    own. This loop is the Python part of a snapshot build: one C-level lookup per word.
    """
    own = vocab is None
    terms: dict[str, int] = {} if own else vocab  # type: ignore[assignment]

    def word_id(word: str) -> int:
        t = term(word)
        if t is None:
            return -1
        return terms.setdefault(t, len(terms)) if own else terms.get(t, -2)

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
        terms=list(terms) if own else [],
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
        _index_bm25(table, docs)
    else:
        _index_delta(table, scans, len(base.vocab))
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


def _index_bm25(table: Table, docs: list[np.ndarray]) -> None:
    n = len(docs)
    doc_len = np.fromiter((len(d) for d in docs), dtype=np.float32, count=n)
    table.avgdl = float(doc_len.mean()) if n and doc_len.sum() else 1.0
    table.arrays["doc_len"] = doc_len
    if n:
        retriever = _array_bm25()(k1=K1, b=B, method="lucene")
        vocab = dict(table.vocab)
        vocab.setdefault("", len(vocab))
        retriever.index((docs, vocab), show_progress=False)
        table.bm25 = retriever
        df = np.diff(np.asarray(retriever.scores["indptr"]))
        table.vocab = retriever.vocab_dict
    else:
        df = np.zeros(0)
    table.arrays["idf"] = np.log(1 + (n - df + 0.5) / (df + 0.5)).astype(np.float32)


@functools.cache
def _array_bm25() -> type:
    """bm25s's ``BM25`` with its index built by :func:`lucene_scores` (bm25s invites
    overriding ``build_index_from_ids``); querying, saving and loading are bm25s's own."""
    import bm25s

    class ArrayBM25(bm25s.BM25):
        def build_index_from_ids(
            self, unique_token_ids: list[int], corpus_token_ids: list[np.ndarray], **_: Any
        ) -> dict[str, Any]:
            assert self.method == "lucene", self.method
            self.nonoccurrence_array = None  # as bm25s sets it for Lucene (needed by ``save``)
            return lucene_scores(corpus_token_ids, len(unique_token_ids), self.k1, self.b)

    return ArrayBM25


def lucene_scores(
    docs: Sequence[np.ndarray], n_vocab: int, k1: float, b: float, chunk: int = 8192
) -> dict[str, Any]:
    """The BM25 (Lucene variant) score matrix of ``docs`` (arrays of term ids) in bm25s's CSC
    layout: for each term, the documents that hold it and their scores, in document order.

    Why not bm25s's own builder: it counts each document's terms with a ``Counter`` in a Python
    loop, a third of the snapshot build at 100,000 profiles. Here terms are counted with
    ``np.unique`` over chunks of documents; the arithmetic is bm25s's, in the same order and
    precision (float64, stored as float32), so the scores are the same.
    """
    n = len(docs)
    lengths = np.fromiter((len(d) for d in docs), dtype=np.int64, count=n)
    avgdl = np.asarray(lengths, dtype=np.float64).mean() if n else np.float64(1.0)
    # Pass 1, per chunk of documents: (document, term, tf) triples, sorted by document, and the
    # document frequencies. Pass 2, per chunk too: scores, each put straight at its place in the
    # CSC arrays, so that no temporary is ever the size of the matrix (memory: the chunks'
    # triples, freed one by one, and the result).
    rows, terms, tfs = [], [], []
    df = np.zeros(n_vocab, dtype=np.int64)
    for start in range(0, n, chunk):
        part = docs[start : start + chunk]
        flat = np.concatenate(part).astype(np.int64)
        owner = np.repeat(np.arange(start, start + len(part)), lengths[start : start + len(part)])
        keys, counts = np.unique(owner * n_vocab + flat, return_counts=True)
        rows.append((keys // n_vocab).astype(np.int32))
        terms.append((keys % n_vocab).astype(np.int32))
        tfs.append(counts.astype(np.float32))
        df += np.bincount(terms[-1], minlength=n_vocab)
    idf = np.zeros(n_vocab, dtype=np.float32)
    seen = df > 0
    idf[seen] = np.log(1 + (n - df[seen] + 0.5) / (df[seen] + 0.5))
    indptr = np.zeros(n_vocab + 1, dtype=np.int64)
    np.cumsum(df, out=indptr[1:])
    data = np.empty(int(indptr[-1]), dtype=np.float32)
    indices = np.empty(int(indptr[-1]), dtype=np.int32)
    # CSC order: by term, then document. Chunks come in document order, and a stable sort of a
    # chunk's terms keeps its documents in order: each entry goes to its term's next free slot.
    free = indptr[:-1].copy()
    while rows:
        r, t, tf = rows.pop(0), terms.pop(0), tfs.pop(0)
        score = (idf[t] * (tf / (k1 * ((1 - b) + b * lengths[r] / avgdl) + tf))).astype(np.float32)
        order = np.argsort(t, kind="stable")
        t = t[order]
        per_term = np.bincount(t, minlength=n_vocab)
        first = np.cumsum(per_term) - per_term  # where each term starts in the sorted chunk
        slot = free[t] + (np.arange(len(t)) - first[t])
        data[slot] = score[order]
        indices[slot] = r[order]
        free += per_term
    return {"data": data, "indices": indices, "indptr": indptr, "num_docs": n}


def _cat(parts: list[np.ndarray], dtype: Any) -> np.ndarray:
    return np.concatenate(parts) if parts else np.empty(0, dtype)


def _index_delta(table: Table, scans: Sequence[Scan], n_vocab: int) -> None:
    """(row, term id, tf) triples of a delta, by row then term, and each row's length."""
    ids = _cat([s.word_ids for s in scans], np.int32)
    counts = _cat([s.word_counts for s in scans], np.int64)
    owner = np.repeat(np.arange(len(counts), dtype=np.int64), counts)
    known = ids >= 0
    width = max(n_vocab, 1)
    keys, tfs = np.unique(owner[known] * width + ids[known], return_counts=True)
    table.delta_terms = (
        (keys // width).astype(np.int32),
        (keys % width).astype(np.int32),
        tfs.astype(np.float32),
    )
    table.arrays["doc_len"] = _per_row(ids != -1, counts).astype(np.float32)
    table.arrays["idf"] = np.empty(0, dtype=np.float32)
