#!/usr/bin/env python3
"""Matching quality of the local engine on real labelled resumes (``../shared/data/README.md``).

Everything goes through the backend's public interface, as a CRM would use it:

- the 166 de-duplicated resumes of ``UpdatedResumeDataSet.csv`` are indexed as free-text
  profiles with ``backend.index("profile", [{"reference", "text"}])`` (no structured skills: the
  engine reads them from the text through its taxonomy);
- **A** (job title → profiles): ``search_profiles(Criteria(text_keywords=tuple(category.split())))``
  (each word a keyword, any of which may match, as a recruiter types "Java Developer" in the
  search box; ``--all-words`` passes the category as one keyword, whose words must all match);
  relevant = resumes of that category;
- **B** (a full document → similar profiles): each resume is also indexed as a *job* whose
  summary is the resume text, and ``score_profiles(job_reference)`` ranks the profiles (the
  resume itself excluded); relevant = same category.

nDCG@10 with binary gains (ideal = min(10, relevant)), averaged over categories (A) or resumes
(B). The BM25 parameters (``bm25.K1``, ``B``, ``QUERY_TF_POWER``) were chosen with
``--grid`` on the even-numbered categories (sorted by name), by A + B on that half; figures are
reported on the odd-numbered half (held out) and on all. The CSV is evaluation-only: read at
run time, never copied.

    python bench/quality.py [--data ../shared/data] [--grid] [--all-words] [--weights JSON]
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import math
import os
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def ndcg10(ranked: list[str], relevant: set[str]) -> float:
    dcg = sum(1 / math.log2(i + 2) for i, ref in enumerate(ranked[:10]) if ref in relevant)
    ideal = sum(1 / math.log2(i + 2) for i in range(min(10, len(relevant))))
    return dcg / ideal if ideal else 0.0


def load(data: Path) -> list[tuple[str, str]]:
    csv.field_size_limit(10_000_000)
    seen: dict[str, str] = {}
    with (data / "UpdatedResumeDataSet.csv").open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            seen.setdefault(row["Resume"], row["Category"])
    return [(cat, text) for text, cat in seen.items()]


def setup(db: Path) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{db}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "example_crm.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def keywords(category: str) -> tuple[str, ...]:
    """The category as a recruiter's search: each word a keyword, any of which may match."""
    return tuple(category.split()) if MODE["any_word"] else (category,)


MODE = {"any_word": True}


def evaluate(resumes: list[tuple[str, str]], weights: dict[str, float] | None) -> dict:
    from django.test import override_settings

    from hrflow_matching.backends.base import Criteria
    from hrflow_matching.backends.local import LocalBackend
    from hrflow_matching.conf import get_settings

    local = dict(get_settings()["LOCAL"])
    if weights:
        local["WEIGHTS"] = weights
    backend = LocalBackend(tenant=None)
    by_cat: dict[str, set[str]] = defaultdict(set)
    for i, (cat, _) in enumerate(resumes):
        by_cat[cat].add(f"r{i}")
    with override_settings(HRFLOW_MATCHING={**get_settings(), "LOCAL": local}):
        a = {
            cat: ndcg10(
                [
                    it.reference
                    for it in backend.search_profiles(
                        Criteria(text_keywords=keywords(cat), limit=10)
                    ).items
                ],
                rel,
            )
            for cat, rel in by_cat.items()
        }
        b: dict[str, list[float]] = defaultdict(list)
        for i, (cat, _) in enumerate(resumes):
            page = backend.score_profiles(f"q{i}", Criteria(limit=11))
            ranked = [it.reference for it in page.items if it.reference != f"r{i}"]
            b[cat].append(ndcg10(ranked, by_cat[cat] - {f"r{i}"}))
    return {"A": a, "B": b}


def summarise(result: dict, cats: list[str]) -> tuple[float, float]:
    a = sum(result["A"][c] for c in cats) / len(cats)
    b_all = [v for c in cats for v in result["B"][c]]
    return a, sum(b_all) / len(b_all)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--grid", action="store_true", help="Search weights on the tuning half.")
    parser.add_argument(
        "--all-words", action="store_true", help="A: the category as one keyword (all words)."
    )
    parser.add_argument("--weights", type=json.loads, help='e.g. {"text": 1, "skills": 0.2}')
    args = parser.parse_args()
    MODE["any_word"] = not args.all_words
    resumes = load(args.data)
    db_dir = ROOT / "var" / "bench"
    db_dir.mkdir(parents=True, exist_ok=True)
    db = db_dir / "quality.sqlite3"
    for leftover in db_dir.glob("quality.sqlite3*"):
        if leftover.is_dir():
            import shutil

            shutil.rmtree(leftover)
        else:
            leftover.unlink()
    setup(db)
    from hrflow_matching.backends.local import LocalBackend

    backend = LocalBackend(tenant=None)
    started = time.perf_counter()
    backend.index(
        "profile", [{"reference": f"r{i}", "text": t} for i, (_, t) in enumerate(resumes)]
    )
    backend.index("job", [{"reference": f"q{i}", "summary": t} for i, (_, t) in enumerate(resumes)])
    print(f"{len(resumes)} unique resumes indexed in {time.perf_counter() - started:.1f} s")
    cats = sorted({c for c, _ in resumes})
    tune, held = cats[0::2], cats[1::2]
    if args.grid:
        from hrflow_matching.backends.local import bm25
        from hrflow_matching.backends.local.engine import get_engine

        grid = []
        for k1, b, power in itertools.product((1.5, 2.0, 3.0), (0.75, 0.9, 1.0), (1.0, 1.5, 2.0)):
            bm25.K1, bm25.B, bm25.QUERY_TF_POWER = k1, b, power
            get_engine("profile", None).rebuild()
            a, bb = summarise(evaluate(resumes, args.weights), tune)
            grid.append((a + bb, k1, b, power))
            print(f"k1={k1} b={b} query tf^{power}: tuning half A {a:.3f} B {bb:.3f}")
        _, bm25.K1, bm25.B, bm25.QUERY_TF_POWER = max(grid)
        get_engine("profile", None).rebuild()
        print(f"best on the tuning half: k1={bm25.K1} b={bm25.B} tf^{bm25.QUERY_TF_POWER}")
    result = evaluate(resumes, args.weights)
    for label, subset in (("tuning half", tune), ("held-out half", held), ("all 25", cats)):
        a, b = summarise(result, subset)
        print(f"{label:>14}: A nDCG@10 {a:.3f}   B nDCG@10 {b:.3f}")
    print("targets: A >= 0.896, B >= 0.639 (plain BM25); aim A 0.93, B 0.69")


if __name__ == "__main__":
    main()
