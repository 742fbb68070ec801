"""The snapshot's BM25 matrix, built with numpy, is the one bm25s's own builder makes."""

from __future__ import annotations

import bm25s
import numpy as np
import pytest

from hrflow_matching.backends.local.snapshot import K1, B, lucene_scores


@pytest.mark.parametrize("chunk", [3, 8192])
def test_same_matrix_as_bm25s(chunk: int) -> None:
    rng = np.random.default_rng(7)
    n_vocab = 300
    # Zipf-like term ids, repeated terms, an empty document, long and short ones.
    docs = [
        np.minimum(rng.zipf(1.3, size=int(rng.integers(0, 400))), n_vocab) - 1 for _ in range(500)
    ]
    docs = [d.astype(np.int32) for d in docs] + [np.empty(0, np.int32)]
    vocab = {f"t{i}": i for i in range(n_vocab)}

    reference = bm25s.BM25(k1=K1, b=B, method="lucene")
    reference.index((docs, vocab), show_progress=False)
    ours = lucene_scores(docs, n_vocab, K1, B, chunk=chunk)

    assert ours["num_docs"] == reference.scores["num_docs"] == len(docs)
    np.testing.assert_array_equal(ours["indptr"], reference.scores["indptr"])
    np.testing.assert_array_equal(ours["indices"], reference.scores["indices"])
    assert ours["data"].dtype == np.float32
    np.testing.assert_array_equal(ours["data"], reference.scores["data"])


@pytest.mark.parametrize(
    "text",
    [
        "Senior Python/Django developer, 5 yrs; C# & C++ (x86_64) at ACME-Corp.",
        "Développeuse full-stack à Montréal — Node.js, 東京 2019, naïve café",
        "a b cc d_e  f1 42 x",
        "",
        "ÉCOLE_Normale_Supérieure \\u00e9t\\u00e9 ﬁnance",
    ],
)
def test_words_are_the_runs_bm25s_tokenises(text: str) -> None:
    """``words`` splits on runs of two or more word characters, as bm25s's default pattern
    ``\\b\\w\\w+\\b`` does, with the ASCII classes when the folded text is ASCII."""
    import re

    from hrflow_matching.backends.local.text import fold, words

    assert words(text) == re.findall(r"(?u)\b\w\w+\b", fold(text))
