"""Median save time of a candidate with the app active over the same save with events paused.

One run measures SQLite and PostgreSQL (when reachable): each engine in a child process with its
own throw-away database. "Active" is the real path: receivers, the outbox rows (event + one
delivery to one endpoint) in the save's transaction, and the after-commit hint. Each save runs
in ``transaction.atomic()``, as a CRM view with ``ATOMIC_REQUESTS`` does.

    python bench/save_overhead.py [--saves 300] [--pg postgres://postgres@127.0.0.1:5432/postgres]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def measure(saves: int) -> dict[str, float]:
    """Runs inside the child process, with DATABASE_URL set."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "example_crm.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import transaction

    call_command("migrate", verbosity=0)
    from example_crm.models import Candidate, Organisation
    from hrflow_matching import paused
    from hrflow_matching.delivery import hints
    from hrflow_matching.models import Event, WebhookEndpoint

    org = Organisation.objects.create(name="Bench", slug=f"bench-{uuid.uuid4().hex[:6]}")
    WebhookEndpoint.objects.create(url="https://hooks.example.com/hrflow", tenant=org.slug)
    cand = Candidate.objects.create(first_name="Ada", last_name="Lovelace", organisation=org)
    cand = Candidate.objects.select_related("organisation").get(pk=cand.pk)

    def one() -> float:
        start = time.perf_counter()
        with transaction.atomic():
            cand.summary = uuid.uuid4().hex
            cand.save()
        return time.perf_counter() - start

    for _ in range(20):  # warm up both paths
        one()
        with paused():
            one()
    active: list[float] = []
    quiet: list[float] = []
    for i in range(saves):  # interleaved, alternating who goes first, so drift hits both alike
        if i % 2:
            active.append(one())
        with paused():
            quiet.append(one())
        if not i % 2:
            active.append(one())
    hints.flush(30)
    events = Event.objects.count()
    return {
        "active_ms": statistics.median(active) * 1000,
        "paused_ms": statistics.median(quiet) * 1000,
        "ratio": statistics.median(active) / statistics.median(quiet),
        "events": events,
    }


def run_child(url: str, saves: int) -> dict[str, float]:
    env = {**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(ROOT), "DJANGO_DEBUG": "0"}
    out = subprocess.run(
        [sys.executable, __file__, "--child", "--saves", str(saves)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--saves", type=int, default=300)
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.saves)))
        return
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        results["SQLite"] = run_child(f"sqlite:///{tmp}/bench.sqlite3", args.saves)
    try:
        import psycopg

        name = f"bench_save_{os.getpid()}"
        with psycopg.connect(args.pg, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        try:
            base = args.pg.rsplit("/", 1)[0]
            results["PostgreSQL"] = run_child(f"{base}/{name}", args.saves)
        finally:
            with psycopg.connect(args.pg, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    except Exception as exc:  # no PostgreSQL here: say so, keep the SQLite figure
        print(f"PostgreSQL skipped: {type(exc).__name__}: {exc}", file=sys.stderr)
    print(
        f"{'database':<12} {'paused ms':>10} {'active ms':>10} {'ratio':>7}  (median of {args.saves} saves)"
    )
    for engine, r in results.items():
        print(f"{engine:<12} {r['paused_ms']:>10.3f} {r['active_ms']:>10.3f} {r['ratio']:>7.2f}")
    worst = max(r["ratio"] for r in results.values())
    print(f"target ratio <= 1.25: {'met' if worst <= 1.25 else 'NOT met'}")


if __name__ == "__main__":
    main()
