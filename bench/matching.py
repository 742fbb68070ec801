#!/usr/bin/env python3
"""Local engine at scale: index build time, peak memory, and scoring latency (SQLite and PostgreSQL).

For each database, in throw-away storage (a SQLite file under ``var/bench/``, a PostgreSQL
database created and dropped here), three child processes run one after the other, so that
each peak RSS is that step's own:

1. **seed** (not measured): ``migrate``, ``seed_demo --profiles N --jobs M``, then ``VACUUM
   (ANALYZE)`` (PostgreSQL) or ``ANALYZE`` (SQLite), as a live CRM's statistics would be;
2. **build**: ``hrflow_sync`` (documents → index rows → BM25 snapshot on disk), timed, with peak RSS;
3. **query**: a fresh "web" process loads the snapshot, then scores ``--queries`` jobs against
   every profile with ``backend.score_profiles(job, Criteria(limit=30))`` (explanations of the
   page included), without filters and with filters (300 km around the job, 3-10 years of
   experience, created in the last two years, as in ``reference/matching-engine.md``), plus a
   keyword search; p50/p95 of the whole call, and peak RSS.

Targets on a 2-core machine at 100,000 profiles: p95 ≤ 50 ms, build ≤ 60 s, peak RSS ≤ 500 MiB.

    python bench/matching.py [--profiles 10000] [--jobs 200] [--queries 100] [--db sqlite,postgres]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var" / "bench"


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def django_setup() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "example_crm.settings")
    import django

    django.setup()


def child_seed(args: argparse.Namespace) -> dict:
    django_setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    with open(os.devnull, "w") as devnull:
        call_command(
            "seed_demo", f"--profiles={args.profiles // args.replicate}", f"--jobs={args.jobs}",
            "--seed=1",
            stdout=devnull,
        )  # fmt: skip
    seeded = time.perf_counter() - started
    # As autovacuum does on a live CRM (and bench/export.py after its seed): right after a bulk
    # load PostgreSQL has no statistics, and its autovacuum would run during the build.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)" if connection.vendor == "postgresql" else "ANALYZE")
    return {"seed_s": seeded}


def child_build(args: argparse.Namespace) -> dict:
    django_setup()
    from django.core.management import call_command

    started = time.perf_counter()
    with open(os.devnull, "w") as devnull:
        call_command("hrflow_sync", "--no-progress", "--batch-size=1000", stdout=devnull)
    out = {
        "build_s": time.perf_counter() - started,
        "build_peak_mib": peak_mib(),
        # hrflow_sync's worker processes (forked, sharing the parent's pages until written)
        "workers_peak_mib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    }
    if args.replicate > 1:
        out.update(replicate(args.replicate))
    return out


COLUMNS = (
    "kind, tenant, archived, title, other_titles, skills, text_skills, remote, experience_years, "
    "experience_min, experience_max, languages, tags, created_at, updated_at, text, extra, indexed_at"
)


def replicate(copies: int) -> dict:
    """Copy every seeded profile row ``copies - 1`` times (new references, positions moved by
    up to ±0.5°), then build the snapshot of all of them: the engine at N × copies rows when
    seeding that many CRM rows would not fit the time available."""
    from django.db import connection, transaction

    from hrflow_matching.backends.local import store
    from hrflow_matching.backends.local.engine import get_engine

    table = "hrflow_matching_indexentry"
    with transaction.atomic(), connection.cursor() as cur:
        version = store._bump("profile")
        for k in range(1, copies):
            cur.execute(
                f"INSERT INTO {table} (reference, version, lat, lng, {COLUMNS}) "
                f"SELECT reference || %s, %s, lat + %s, lng - %s, {COLUMNS} FROM {table} "
                f"WHERE kind = 'profile' AND archived = %s AND reference NOT LIKE %s",
                [f"-r{k}", version, (k % 10) * 0.1 - 0.5, (k % 7) * 0.1 - 0.3, False, "%-r%"],
            )
        cur.execute(f"ANALYZE {table}")
    started = time.perf_counter()
    rows = len(get_engine("profile", None).rebuild())
    return {"replicated_rows": rows, "snapshot_s": time.perf_counter() - started,
            "snapshot_peak_mib": peak_mib()}  # fmt: skip


def pct(values: list[float], q: float) -> float:
    return (
        statistics.quantiles(values, n=100, method="inclusive")[q - 1]
        if len(values) > 1
        else values[0]
    )


def child_query(args: argparse.Namespace) -> dict:
    django_setup()
    from django.utils import timezone

    from hrflow_matching.backends.base import Criteria
    from hrflow_matching.backends.local import LocalBackend
    from hrflow_matching.backends.local.engine import get_engine
    from hrflow_matching.models import IndexEntry

    backend = LocalBackend(tenant=None)
    started = time.perf_counter()
    engine = get_engine("profile", None)
    engine.view()
    load_ms = (time.perf_counter() - started) * 1000
    jobs = list(
        IndexEntry.objects.filter(kind="job", archived=False).values_list("reference", "lat", "lng")
    )
    rng = random.Random(7)
    sample = [rng.choice(jobs) for _ in range(args.queries)]
    since = timezone.now() - dt.timedelta(days=730)
    backend.score_profiles(sample[0][0], Criteria())  # warm-up (taxonomy, first stamp read)

    def timed(call) -> tuple[list[float], list[int]]:
        ms, totals = [], []
        for item in sample:
            t0 = time.perf_counter()
            page = call(item)
            ms.append((time.perf_counter() - t0) * 1000)
            totals.append(page.total)
        return ms, totals

    plain, plain_n = timed(lambda j: backend.score_profiles(j[0], Criteria(limit=30)))
    filt, filt_n = timed(
        lambda j: backend.score_profiles(
            j[0],
            Criteria(
                location_lat=j[1] if j[1] is not None else 48.8566,
                location_lng=j[2] if j[2] is not None else 2.3522,
                location_distance=300,
                experiences_duration_min=3,
                experiences_duration_max=10,
                created_at_min=since,
                limit=30,
            ),
        )
    )
    words = ["python", "accountant", "nurse", "sales manager", "java developer", "excel"]
    search, _ = timed(
        lambda j: backend.search_profiles(Criteria(text_keywords=(rng.choice(words),), limit=30))
    )
    # Recruiter-style queries (every word ranks), a quoted phrase, and the broadest keyword.
    typed = ["DotNet developer C# SQL Server", "python django rest api", "lawyer",
             "nurse icu patient care", 'java "spring boot"', "sales executive b2b crm"]  # fmt: skip
    free, _ = timed(
        lambda j: backend.search_profiles(Criteria(text_keywords=(rng.choice(typed),), limit=30))
    )
    broad, broad_n = timed(
        lambda j: backend.search_profiles(Criteria(text_keywords=("developer",), limit=30))
    )
    serving_peak = peak_mib()  # before the rebuild below, which a web process never does
    t0 = time.perf_counter()
    rows = len(engine.rebuild())
    rebuild_s = time.perf_counter() - t0
    return {
        "rows": rows,
        "load_ms": load_ms,
        "rebuild_s": rebuild_s,
        "plain_p50": pct(plain, 50), "plain_p95": pct(plain, 95),
        "filtered_p50": pct(filt, 50), "filtered_p95": pct(filt, 95),
        "filtered_rows": statistics.median(filt_n), "plain_rows": statistics.median(plain_n),
        "search_p50": pct(search, 50), "search_p95": pct(search, 95),
        "free_p50": pct(free, 50), "free_p95": pct(free, 95),
        "broad_p50": pct(broad, 50), "broad_p95": pct(broad, 95),
        "broad_rows": statistics.median(broad_n),
        "query_peak_mib": serving_peak, "rebuild_peak_mib": peak_mib(),
    }  # fmt: skip


def run_child(step: str, env: dict[str, str], args: argparse.Namespace) -> dict:
    cmd = [
        sys.executable, __file__, f"--child={step}", f"--profiles={args.profiles}",
        f"--jobs={args.jobs}", f"--queries={args.queries}", f"--replicate={args.replicate}",
    ]  # fmt: skip
    out = subprocess.run(cmd, env=env, cwd=ROOT, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def bench_database(kind: str, args: argparse.Namespace) -> dict:
    env = dict(os.environ, PYTHONPATH=str(ROOT), DJANGO_DEBUG="false")
    cleanup = None
    if kind == "sqlite":
        VAR.mkdir(parents=True, exist_ok=True)
        db = VAR / f"matching-{args.profiles}.sqlite3"
        for old in VAR.glob(f"matching-{args.profiles}.sqlite3*"):
            shutil.rmtree(old) if old.is_dir() else old.unlink()
        env["DATABASE_URL"] = f"sqlite:///{db}"
    else:
        import psycopg

        name = f"bench_hrflow_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(args.pg, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        env["DATABASE_URL"] = args.pg.rsplit("/", 1)[0] + "/" + name

        def cleanup() -> None:
            with psycopg.connect(args.pg, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    try:
        result = {}
        for step in ("seed", "build", "query"):
            result.update(run_child(step, env, args))
        return result
    finally:
        if cleanup:
            cleanup()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profiles", type=int, default=10_000)
    parser.add_argument("--jobs", type=int, default=200)
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--db", default="sqlite,postgres")
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument(
        "--replicate", type=int, default=1,
        help="Seed N/K profiles, then copy their index rows K times (engine at N without seeding N).",
    )  # fmt: skip
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        step = {"seed": child_seed, "build": child_build, "query": child_query}[args.child]
        print(json.dumps(step(args)))
        return
    print(f"local engine, {args.profiles} profiles, {args.jobs} jobs, {args.queries} queries")
    for kind in args.db.split(","):
        r = bench_database(kind.strip(), args)
        print(
            f"\n[{kind}] seeded in {r['seed_s']:.0f} s (not part of the build)\n"
            f"  build (hrflow_sync of {args.profiles // args.replicate} profiles: rows + snapshot) "
            f"{r['build_s']:.1f} s, peak RSS "
            f"{r['build_peak_mib']:.0f} MiB (each worker process at most "
            f"{r['workers_peak_mib']:.0f} MiB); snapshot alone rebuilt in {r['rebuild_s']:.1f} s "
            f"(peak RSS {r['rebuild_peak_mib']:.0f} MiB)\n"
            + (
                f"  replicated ×{args.replicate} to {r['replicated_rows']} profiles: snapshot "
                f"built in {r['snapshot_s']:.1f} s, peak RSS {r['snapshot_peak_mib']:.0f} MiB\n"
                if args.replicate > 1
                else ""
            )
            + f"  web process: snapshot loaded in {r['load_ms']:.0f} ms, peak RSS {r['query_peak_mib']:.0f} MiB\n"
            f"  score_profiles, no filter ({r['plain_rows']:.0f} rows ranked): "
            f"p50 {r['plain_p50']:.1f} ms, p95 {r['plain_p95']:.1f} ms\n"
            f"  score_profiles, filtered ({r['filtered_rows']:.0f} rows pass): "
            f"p50 {r['filtered_p50']:.1f} ms, p95 {r['filtered_p95']:.1f} ms\n"
            f"  search_profiles (one keyword): p50 {r['search_p50']:.1f} ms, p95 {r['search_p95']:.1f} ms\n"
            f"  search_profiles (recruiter queries, a phrase): p50 {r['free_p50']:.1f} ms, "
            f"p95 {r['free_p95']:.1f} ms\n"
            f'  search_profiles ("developer", {r["broad_rows"]:.0f} rows match): '
            f"p50 {r['broad_p50']:.1f} ms, p95 {r['broad_p95']:.1f} ms"
        )
    print("\ntargets at 100k on 2 cores: p95 <= 50 ms, build <= 60 s, peak RSS <= 500 MiB")


if __name__ == "__main__":
    main()
