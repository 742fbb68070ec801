#!/usr/bin/env python3
"""Matching quality of the local engine as a user sees it: through the JSON API, queries as typed.

The protocol of ``../shared/data/README.md``, on the 166 de-duplicated resumes of
``UpdatedResumeDataSet.csv`` (evaluation only: read at run time, never copied):

1. **import** the way a CRM user does: each resume is written to a JSONL file as a HrFlow Profile
   (``{"reference", "info": {"full_name"}, "text"}``) and, for protocol B, as a HrFlow Job whose
   summary is the resume; ``manage.py seed_demo --profiles-jsonl … --jobs-jsonl …`` imports
   them into the demo CRM and ``manage.py hrflow_sync`` indexes them;
2. **query** ``/hrflow/api/search/profiles/?text_keywords=…`` and
   ``/hrflow/api/matching/profiles/?job_reference=…`` with an API key, through Django's test
   client (the whole request path: form, views, backend), with the text exactly as typed:

- **A** (job title → profiles): ``text_keywords=<category name>``; relevant = its resumes;
- **B** (a whole document → similar profiles): the job made of resume *i* ranks the profiles
  (resume *i* itself excluded); relevant = same category;
- **R** (recruiter queries): ``bench/data/recruiter_queries.csv``, 100 queries written as
  recruiters type them before any result was seen, four per category; a fixed split by
  category into ``tuning`` (52) and ``heldout`` (48). Only the tuning half may guide changes.

nDCG@10 with binary gains (ideal = min(10, relevant)), averaged over categories (A), resumes (B)
or queries (R); A and B are also given on the README's category halves (even / odd in name
order).

    python bench/quality.py [--data ../shared/data] [--database-url postgres://…] [--verbose]
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
QUERIES = ROOT / "bench" / "data" / "recruiter_queries.csv"


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


def recruiter_queries() -> list[dict[str, str]]:
    with QUERIES.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def setup(database_url: str | None, workdir: Path) -> None:
    os.environ["DATABASE_URL"] = database_url or f"sqlite:///{workdir / 'quality.sqlite3'}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "example_crm.settings")
    os.environ["HRFLOW_BENCH_INDEX_DIR"] = str(workdir / "index")
    import django
    from django.conf import settings

    django.setup()
    conf = dict(getattr(settings, "HRFLOW_MATCHING", {}) or {})
    conf["API"] = {**conf.get("API", {}), "SETTLE_SECONDS": 0, "THROTTLE_RATE": None}
    conf["LOCAL"] = {**conf.get("LOCAL", {}), "INDEX_DIR": str(workdir / "index")}
    conf["BACKEND"] = "local"
    conf["TENANT_RESOLVER"] = None  # one organisation: a key without tenant sees every row
    conf["WEBHOOKS"] = {**conf.get("WEBHOOKS", {}), "HINTS": False}
    settings.HRFLOW_MATCHING = conf
    settings.ALLOWED_HOSTS = ["*"]
    from django.core.management import call_command

    if database_url:  # a scratch PostgreSQL database: start from empty tables
        call_command("flush", interactive=False, verbosity=0)
    call_command("migrate", verbosity=0)


def import_resumes(resumes: list[tuple[str, str]], workdir: Path) -> None:
    """The resumes as HrFlow JSONL, imported and indexed with the CRM's own commands."""
    from django.core.management import call_command

    profiles, jobs = workdir / "profiles.jsonl", workdir / "jobs.jsonl"
    with profiles.open("w", encoding="utf-8") as p, jobs.open("w", encoding="utf-8") as j:
        for i, (_, text) in enumerate(resumes):
            p.write(json.dumps({"reference": f"r{i}", "info": {"full_name": f"Resume {i}"},
                                "text": text}) + "\n")  # fmt: skip
            j.write(json.dumps({"reference": f"q{i}", "name": f"Q{i}", "summary": text}) + "\n")
    quiet = open(os.devnull, "w")  # noqa: SIM115
    call_command("seed_demo", profiles_jsonl=profiles, jobs_jsonl=jobs, stdout=quiet)
    call_command("hrflow_sync", workers=1, no_progress=True, stdout=quiet)


class Api:
    """GET requests with an API key through Django's test client."""

    def __init__(self) -> None:
        from django.test import Client

        from hrflow_matching.models import ApiKey

        self.client = Client()
        self.key = ApiKey.create_key(name="bench-quality")[1]

    def refs(self, path: str, **params: Any) -> list[str]:
        response = self.client.get(path, params, headers={"X-API-KEY": self.key})
        if response.status_code != 200:
            raise SystemExit(f"{path} {params}: HTTP {response.status_code} {response.content!r}")
        return [item["reference"] for item in response.json()["items"]]


SEARCH = "/hrflow/api/search/profiles/"
MATCH = "/hrflow/api/matching/profiles/"


def evaluate(resumes: list[tuple[str, str]], verbose: bool) -> dict[str, Any]:
    api = Api()
    by_cat: dict[str, set[str]] = defaultdict(set)
    for i, (cat, _) in enumerate(resumes):
        by_cat[cat].add(f"r{i}")
    a = {
        cat: ndcg10(api.refs(SEARCH, text_keywords=cat, limit=10), rel)
        for cat, rel in by_cat.items()
    }
    b: dict[str, list[float]] = defaultdict(list)
    for i, (cat, _) in enumerate(resumes if not SKIP["B"] else ()):
        ranked = [r for r in api.refs(MATCH, job_reference=f"q{i}", limit=11) if r != f"r{i}"]
        b[cat].append(ndcg10(ranked, by_cat[cat] - {f"r{i}"}))
    r: dict[str, list[float]] = defaultdict(list)
    for q in recruiter_queries():
        ranked = api.refs(SEARCH, text_keywords=q["query"], limit=10)
        score = ndcg10(ranked, by_cat[q["category"]])
        r[q["split"]].append(score)
        if verbose and (q["split"] == "tuning" or verbose == "all"):
            hits = sum(ref in by_cat[q["category"]] for ref in ranked)
            print(f"  R {q['split']:>7} {score:.2f} {hits:>2}/{len(ranked):<2} "
                  f"[{q['category']}] {q['query']}")  # fmt: skip
    if verbose:
        for cat in sorted(a):
            print(f"  A {a[cat]:.2f} {cat}")
    return {"A": a, "B": b, "R": r}


SKIP = {"B": False}


def apply_params(params: list[str]) -> None:
    import importlib

    from django.conf import settings

    for item in params:
        name, _, value = item.partition("=")
        if name.startswith("WEIGHTS."):
            conf = settings.HRFLOW_MATCHING
            local = conf.setdefault("LOCAL", {})
            local["WEIGHTS"] = {**local.get("WEIGHTS", {}), name[8:]: float(value)}
            from hrflow_matching.conf import get_settings

            getattr(get_settings, "cache_clear", lambda: None)()
            continue
        module, _, attr = name.rpartition(".")
        mod = importlib.import_module(f"hrflow_matching.backends.local.{module}")
        setattr(mod, attr, float(value))


def mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument(
        "--database-url", help="A scratch database to use (it is flushed); default: SQLite."
    )
    parser.add_argument(
        "--verbose",
        nargs="?",
        const="tuning",
        choices=("tuning", "all"),
        help="Print each query's figure: the tuning queries only (default), or all of them.",
    )
    parser.add_argument(
        "--param",
        action="append",
        default=[],
        help="Tuning: module.NAME=value of hrflow_matching.backends.local, e.g. "
        "scoring.COVERAGE_FLOOR=0.5 (repeatable); WEIGHTS.text=0.3 sets a criterion weight.",
    )
    parser.add_argument(
        "--skip-b", action="store_true", help="Tuning: leave protocol B out (faster)."
    )
    args = parser.parse_args()
    resumes = load(args.data)
    with tempfile.TemporaryDirectory(prefix="hrflow-quality-") as tmp:
        workdir = Path(tmp)
        setup(args.database_url, workdir)
        apply_params(args.param)
        SKIP["B"] = args.skip_b
        started = time.perf_counter()
        import_resumes(resumes, workdir)
        print(f"{len(resumes)} unique resumes imported (seed_demo --profiles-jsonl/--jobs-jsonl) "
              f"and indexed (hrflow_sync) in {time.perf_counter() - started:.1f} s")  # fmt: skip
        started = time.perf_counter()
        result = evaluate(resumes, args.verbose)
        elapsed = time.perf_counter() - started
    cats = sorted(result["A"])
    print(f"{len(cats) + len(resumes) + 100} API requests in {elapsed:.1f} s")
    for label, subset in (("categories even", cats[0::2]), ("categories odd", cats[1::2]),
                          ("all 25", cats)):  # fmt: skip
        a = mean([result["A"][c] for c in subset])
        b = mean([v for c in subset for v in result["B"][c]])
        print(f"{label:>16}: A nDCG@10 {a:.3f}   B nDCG@10 {b:.3f}")
    r = result["R"]
    print(f"R recruiter queries nDCG@10: tuning {mean(r['tuning']):.3f} ({len(r['tuning'])}), "
          f"held-out {mean(r['heldout']):.3f} ({len(r['heldout'])})")  # fmt: skip
    print("targets: A >= 0.95, B >= 0.75, R held-out >= 0.80")


if __name__ == "__main__":
    main()
