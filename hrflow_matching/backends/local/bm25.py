"""BM25 for the snapshot: its parameters, and the base's score matrix built with numpy.

The delta's rows are scored brute force in ``Table.bm25_scores`` with these same parameters and
the base's IDF, so that base and delta scores compare.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from .snapshot import Table

#: BM25 parameters and the weight of a term the query repeats (``tf ** QUERY_TF_POWER``),
#: chosen on half of the labelled resumes (``bench/quality.py``): a whole job or resume used as
#: a query says what matters by repeating it.
K1, B, QUERY_TF_POWER = 3.0, 1.0, 1.5
#: Long queries keep their most telling terms (IDF × weight): bounded work per query.
MAX_QUERY_TERMS = 24


def index_base(table: Table, docs: list[np.ndarray]) -> None:
    """Fit bm25s on a base's documents (term id arrays): its score matrix, IDF and lengths."""
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
