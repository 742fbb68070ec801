"""How long ``seed_demo`` takes: a fresh database each time, then a second (idempotent) run.

Each engine runs in a child process with its own database: a SQLite file under ``var/bench/``
and a PostgreSQL database ``bench_seed`` that the script creates and drops. Prints wall-clock
and CPU seconds (the CPU figure is what to compare on a busy machine) and candidates per second.

    python bench/seed.py [--profiles 10000] [--jobs 1000] [--tenants 2] [--pg postgres://…/postgres]
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
PG_NAME = "bench_seed"


def measure(profiles: int, jobs: int, tenants: int) -> dict[str, float]:
    """Runs inside the child process, with DATABASE_URL set to an empty database."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "example_crm.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    options = {"profiles": profiles, "jobs": jobs, "tenants": tenants}
    figures: dict[str, float] = {}
    with open(os.devnull, "w") as quiet:
        for run in ("first", "second"):
            wall, cpu = time.perf_counter(), time.process_time()
            call_command("seed_demo", stdout=quiet, **options)
            figures[f"{run}_wall"] = time.perf_counter() - wall
            figures[f"{run}_cpu"] = time.process_time() - cpu
    return figures


def child(url: str, args: argparse.Namespace) -> dict[str, float]:
    env = {**os.environ, "DATABASE_URL": url}
    code = (
        "import json, sys; sys.path.insert(0, sys.argv[1]); from bench.seed import measure; "
        "print(json.dumps(measure(int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))))"
    )
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            code,
            str(ROOT),
            str(args.profiles),
            str(args.jobs),
            str(args.tenants),
        ],
        env=env,
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def pg_admin(url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profiles", type=int, default=10_000)
    parser.add_argument("--jobs", type=int, default=1_000)
    parser.add_argument("--tenants", type=int, default=2)
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--no-pg", action="store_true")
    args = parser.parse_args()
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    sqlite = BENCH_DIR / "seed.sqlite3"
    sqlite.unlink(missing_ok=True)
    engines = [("SQLite", f"sqlite:///{sqlite}")]
    if not args.no_pg:
        pg_admin(args.pg, f"DROP DATABASE IF EXISTS {PG_NAME}")
        pg_admin(args.pg, f"CREATE DATABASE {PG_NAME}")
        engines.append(("PostgreSQL", args.pg.rsplit("/", 1)[0] + f"/{PG_NAME}"))
    print(f"seed_demo --profiles {args.profiles} --jobs {args.jobs} --tenants {args.tenants}")
    print(f"{'engine':<11} {'wall s':>7} {'cpu s':>7} {'cand/s (cpu)':>13} {'2nd run s':>10}")
    try:
        for name, url in engines:
            f = child(url, args)
            rate = args.profiles / f["first_cpu"] if f["first_cpu"] else 0.0
            print(
                f"{name:<11} {f['first_wall']:>7.1f} {f['first_cpu']:>7.1f} {rate:>13.0f} "
                f"{f['second_wall']:>10.1f}"
            )
    finally:
        sqlite.unlink(missing_ok=True)
        if not args.no_pg:
            pg_admin(args.pg, f"DROP DATABASE IF EXISTS {PG_NAME}")


if __name__ == "__main__":
    main()
