"""The snapshot: index rows as in-process arrays, the structure every query scores in numpy.

Why arrays and not SQL for ranking: scoring 100k profiles on seven criteria is a few vectorised
numpy operations (milliseconds), while ranking broad text queries in SQL takes hundreds of
milliseconds (see ``reference/matching-engine.md`` §3). A :class:`Table` holds one set of rows:
the *base* (built from every row at some stamp version, with a bm25s model, saved to disk and
memory-mapped by every process) or the *delta* (rows changed since, scored brute force with the
base's IDF so that both give comparable BM25 scores). ``build.py`` makes tables from rows;
``bm25.py`` holds the text-scoring parameters and index.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from . import bm25

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
    #: delta only: terms the base's vocabulary lacks (ids after the base's) and their IDF
    extra_vocab: dict[str, int] = field(default_factory=dict)
    extra_idf: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.float32))

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

    def query_terms(self, tokens: Sequence[str], base: Table) -> list[int]:
        """The query's term ids for this table: the base's, and a delta's own new terms."""
        known = base.term_ids(tokens)
        if not self.extra_vocab:
            return known
        return known + [self.extra_vocab[t] for t in tokens if t in self.extra_vocab]

    def idf_of(self, base: Table) -> np.ndarray:
        """IDF by term id for this table's terms: the base's, then a delta's new terms'."""
        return np.concatenate([base.idf, self.extra_idf]) if len(self.extra_idf) else base.idf

    def bm25_scores(self, term_ids: Sequence[int], base: Table) -> np.ndarray:
        """BM25 (Lucene variant, as bm25s computes it) of every row for the query terms."""
        n = len(self)
        if not term_ids or n == 0:
            return np.zeros(n, dtype=np.float32)
        uniq, counts = np.unique(np.asarray(term_ids, dtype=np.int64), return_counts=True)
        weights = counts.astype(np.float32) ** bm25.QUERY_TF_POWER
        idf = self.idf_of(base)
        if len(uniq) > bm25.MAX_QUERY_TERMS:
            keep = np.argsort(-(weights * idf[uniq]), kind="stable")[: bm25.MAX_QUERY_TERMS]
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
        query_tf = np.zeros(len(idf), dtype=np.float32)
        query_tf[uniq] = weights
        keep = query_tf[terms] > 0
        tf = tfs[keep]
        dl = self.doc_len[rows[keep]]
        tfc = tf / (bm25.K1 * (1 - bm25.B + bm25.B * dl / base.avgdl) + tf)
        contrib = idf[terms[keep]] * tfc * query_tf[terms[keep]]
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

    # -- memory ----------------------------------------------------------------------------
    def footprint(self) -> int:
        """Bytes this table holds in a process, as the memory budget counts them.

        The arrays (memory-mapped for a base loaded from disk: pages shared by every process
        of the host and reclaimable by the kernel) count at their size; the Python objects
        (references, vocabularies and their dicts, which each process holds privately) at
        an estimate per entry (about 100 bytes per short string, 200 per dict entry with its
        key and value, as ``tracemalloc`` shows for the references of a 10,000-row table). Conservative on purpose: the budget bounds what a process
        may hold, mapped pages included."""
        size = sum(a.nbytes for a in self.arrays.values())
        if self.bm25 is not None:
            size += sum(np.asarray(a).nbytes for a in self.bm25.scores.values())
        if self.delta_terms is not None:
            size += sum(a.nbytes for a in self.delta_terms)
        strings = len(self.refs) + len(self.titles) + len(self.skill_vocab) + len(self.lang_vocab)
        dict_entries = len(self.refs) + len(self.vocab) + len(self.extra_vocab)
        return size + 100 * strings + 200 * dict_entries

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
