"""Pull every profile through ``GET /hrflow/api/profiles/``: profiles per second, queries per page.

Each engine runs in a child process with its own dedicated database, seeded by
``seed_demo --profiles N``: a SQLite file under ``var/bench/`` and a PostgreSQL database
``bench_export`` that the script creates and drops. The pull goes through Django's full request
stack (test Client: URL routing, X-API-KEY authentication, throttle, JSON rendering), following
``next_cursor`` until ``has_more`` is false, with the default throttle off. The database is
analysed after seeding (``ANALYZE``), as autovacuum would have done on a live CRM: right after a
bulk load, PostgreSQL has no statistics and plans a page as a sort of every later row.

    python bench/export.py [--profiles 10000] [--page-size 1000] [--pg postgres://…/postgres]
    python bench/export.py --profiles 100000          # the figures published in the README
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "var" / "bench"
PG_NAME = "bench_export"


def measure(profiles: int, page_size: int) -> dict[str, float]:
    """Runs inside the child process, with DATABASE_URL set."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "example_crm.settings")
    import django
    import orjson

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from hrflow_matching.conf import get_settings
    from hrflow_matching.models import ApiKey

    settings.DEBUG = False
    settings.HRFLOW_MATCHING = {
        **settings.HRFLOW_MATCHING,
        "API": {"SETTLE_SECONDS": 0, "THROTTLE_RATE": None, "MAX_PAGE_SIZE": 1000},
    }
    get_settings.cache_clear()
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    with open(os.devnull, "w") as quiet:
        call_command("seed_demo", profiles=profiles, verbosity=0, stdout=quiet)
    seeded = time.perf_counter() - started
    with connection.cursor() as cursor:  # planner statistics, as autovacuum keeps them
        cursor.execute("ANALYZE")
    _, key = ApiKey.create_key("bench")
    client = Client(headers={"X-API-KEY": key})

    def page(cursor: str | None) -> dict:
        params = {"page_size": page_size, **({"cursor": cursor} if cursor else {})}
        response = client.get("/hrflow/api/profiles/", params)
        assert response.status_code == 200, response.content[:500]
        return orjson.loads(response.content)

    with CaptureQueriesContext(connection) as queries:  # one page, counted apart
        first = page(None)
    per_page = len(queries)
    started, cpu_started = time.perf_counter(), time.process_time()
    count, pages, cursor = 0, 0, None
    while True:
        body = page(cursor)
        count += len(body["results"])
        pages += 1
        cursor = body["next_cursor"]
        if not body["has_more"]:
            break
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    assert count >= profiles, (count, profiles)
    assert first["results"], "no profile was served"
    return {
        "profiles": count,
        "pages": pages,
        "seconds": elapsed,
        "per_second": count / elapsed,
        "per_cpu_second": count / cpu,
        "queries_per_page": per_page,
        "seed_seconds": seeded,
    }


def run_child(url: str, profiles: int, page_size: int) -> dict[str, float]:
    env = {**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(ROOT)}
    out = subprocess.run(
        [
            sys.executable,
            __file__,
            "--child",
            "--profiles",
            str(profiles),
            "--page-size",
            str(page_size),
        ],
        env=env,
        capture_output=True,
        text=True,
    )
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-3000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profiles", type=int, default=10_000)
    parser.add_argument("--page-size", type=int, default=1000)
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--only", choices=["sqlite", "postgresql"], default=None)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.profiles, args.page_size)))
        return
    results: dict[str, dict[str, float]] = {}
    if args.only in (None, "sqlite"):
        BENCH_DIR.mkdir(parents=True, exist_ok=True)
        db = BENCH_DIR / "export.sqlite3"
        db.unlink(missing_ok=True)
        try:
            results["SQLite"] = run_child(f"sqlite:///{db}", args.profiles, args.page_size)
            print(f"SQLite: {json.dumps(results['SQLite'])}", flush=True)
        finally:
            db.unlink(missing_ok=True)
    if args.only in (None, "postgresql"):
        try:
            import psycopg

            with psycopg.connect(args.pg, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{PG_NAME}" WITH (FORCE)')
                conn.execute(f'CREATE DATABASE "{PG_NAME}"')
            try:
                base = args.pg.rsplit("/", 1)[0]
                results["PostgreSQL"] = run_child(
                    f"{base}/{PG_NAME}", args.profiles, args.page_size
                )
                print(f"PostgreSQL: {json.dumps(results['PostgreSQL'])}", flush=True)
            finally:
                with psycopg.connect(args.pg, autocommit=True) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{PG_NAME}" WITH (FORCE)')
        except Exception as exc:  # no PostgreSQL here (or it failed): keep the SQLite figure
            print(f"PostgreSQL skipped: {type(exc).__name__}: {exc}", file=sys.stderr)
    print(f"pull of {args.profiles} profiles, page_size={args.page_size}")
    print(
        f"{'database':<12} {'profiles/s':>11} {'per CPU s':>10} {'seconds':>8} {'pages':>6} "
        f"{'queries/page':>13}"
    )
    for engine, r in results.items():
        print(
            f"{engine:<12} {r['per_second']:>11.0f} {r['per_cpu_second']:>10.0f} "
            f"{r['seconds']:>8.1f} {r['pages']:>6.0f} {r['queries_per_page']:>13.0f}"
        )
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"machine load average during the run: {load:.1f} on {os.cpu_count()} cores")
    if results:
        worst = min(r["per_second"] for r in results.values())
        print(f"target >= 2000 profiles/s: {'met' if worst >= 2000 else 'NOT met'}")


if __name__ == "__main__":
    main()
