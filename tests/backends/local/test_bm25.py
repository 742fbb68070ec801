"""The snapshot's BM25 matrix, built with numpy, is the one bm25s's own builder makes."""

from __future__ import annotations

import itertools

import bm25s
import numpy as np
import pytest

from hrflow_matching.backends.local.bm25 import K1, B, lucene_scores


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

    from hrflow_matching.backends.local.text import fold, rewrite_tech, words

    # After technology names are rewritten (C# -> csharp), and with the letters C and R kept.
    pattern = r"(?u)\b\w\w+\b|(?<!\w)[cr](?!\w)"
    assert words(text) == re.findall(pattern, rewrite_tech(fold(text)))


def _rows(count: int, seed: int = 3) -> list[tuple]:
    """``FIELDS`` tuples with what varies: titles, skills, languages (more than 64 distinct),
    empty texts (also at the end), missing numbers."""
    import datetime as dt

    rng = np.random.default_rng(seed)
    words = ["python", "django", "nurse", "the", "and", "sales", "excel", "java", "a", "café"]
    rows = []
    for i in range(count):
        n_words = int(rng.integers(0, 30)) if i < count - 2 else 0
        text = " ".join(rng.choice(words, n_words)) + (f" rare{i % 17}" if n_words else "")
        langs = "|".join(f"l{int(x)}" for x in rng.integers(0, 80, int(rng.integers(0, 4))))
        skills = "|".join(f"s{int(x)}" for x in rng.integers(0, 50, int(rng.integers(0, 5))))
        rows.append(
            (
                i + 1, f"ref-{i}", ["", "Nurse", "Data Analyst", f"Title {i % 7}"][i % 4],
                "Other title\nmore" if i % 3 else "", skills,
                None if i % 5 == 0 else 48.0 + i / 100, None if i % 5 == 0 else 2.0,
                i % 2 == 0, None if i % 4 == 0 else float(i % 12), None, float(i % 9) or None,
                langs, dt.datetime(2026, 1, 1, tzinfo=dt.UTC) + dt.timedelta(hours=i), text,
            )
        )  # fmt: skip
    return rows


def _assert_same_table(a, b) -> None:
    from hrflow_matching.backends.local.snapshot import _ARRAYS

    assert (a.refs, a.titles, a.skill_vocab, a.lang_vocab, a.avgdl) == (
        b.refs, b.titles, b.skill_vocab, b.lang_vocab, b.avgdl,
    )  # fmt: skip
    assert a.vocab == b.vocab
    for name in _ARRAYS:
        x, y = a.arrays[name], b.arrays[name]
        assert x.dtype == y.dtype, name
        np.testing.assert_array_equal(x, y, err_msg=name)
    if a.bm25 is not None:
        for name in ("data", "indices", "indptr"):
            np.testing.assert_array_equal(a.bm25.scores[name], b.bm25.scores[name])
    else:
        for x, y in zip(a.delta_terms, b.delta_terms, strict=True):
            assert x.dtype == y.dtype
            np.testing.assert_array_equal(x, y)


@pytest.mark.parametrize("cuts", [[], [1], [60, 61], [30, 90, 118], [0, 120]])
def test_scans_of_consecutive_ranges_assemble_into_the_one_pass_table(cuts: list[int]) -> None:
    """``hrflow_sync``'s workers each scan a range of rows; merged, their scans give the table
    one scan of every row gives: same ids for terms, titles, skills and languages (first seen
    overall), same arrays, same BM25 matrix. Also for a delta, against its base."""
    from hrflow_matching.backends.local.build import assemble, build_table, scan

    rows = _rows(120)
    edges = [0, *cuts, len(rows)]
    whole = build_table(rows, version=5)
    merged = assemble([scan(rows[a:b]) for a, b in itertools.pairwise(edges)], version=5)
    _assert_same_table(merged, whole)
    assert len(whole.lang_vocab) == 64  # more than 64 languages: the later ones get no bit

    changed = _rows(40, seed=9)
    delta = build_table(changed, version=6, base=whole)
    parts = [scan(changed[:15], whole.vocab), scan(changed[15:], whole.vocab)]
    _assert_same_table(assemble(parts, version=6, base=whole), delta)
