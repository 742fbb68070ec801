"""Median save time of a candidate with the app active over the same save with events paused.

One run measures SQLite and PostgreSQL (when reachable): each engine in a child process with its
own throw-away database. "Active" is the real path: receivers, the outbox rows (event + one
delivery to one endpoint) in the save's transaction, and the after-commit hint. Each save runs
in ``transaction.atomic()``, as a CRM view with ``ATOMIC_REQUESTS`` does.

    python bench/save_overhead.py [--saves 300] [--pg postgres://postgres@127.0.0.1:5432/postgres]
    python bench/save_overhead.py --floor   # and the floor: what any outbox write must pay

``--floor`` adds three saves in the same interleaving, each with the app active but the outbox
write (``outbox.write``) replaced: by nothing (the cost of our receivers, body and after-commit
hint alone), by one ``SELECT 1`` on the save's connection (one round trip that does no work),
and by the event row alone, prepared, without its deliveries. They bound from below what any
outbox written in the save's transaction can cost on this machine.
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


def measure(saves: int, floor: bool = False) -> dict[str, float]:
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
    from hrflow_matching.models import Event, WebhookEndpoint
    from hrflow_matching.notify import hints, outbox

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

    def quiet() -> float:
        with paused():
            return one()

    paths = {"paused": quiet, "active": one}
    if floor:
        paths.update({name: _replacing_write(outbox, stand_in, one) for name, stand_in in _FLOORS})
    for _ in range(20):  # warm up every path
        for path in paths.values():
            path()
    times: dict[str, list[float]] = {name: [] for name in paths}
    order = list(paths)
    for _ in range(saves):  # interleaved, rotating who goes first, so drift hits all alike
        for name in order:
            times[name].append(paths[name]())
        order.append(order.pop(0))
    hints.flush(30)
    medians = {name: statistics.median(t) for name, t in times.items()}
    out = {f"{name}_ms": m * 1000 for name, m in medians.items()}
    out.update({f"{name}_ratio": m / medians["paused"] for name, m in medians.items()})
    out["ratio"] = out.pop("active_ratio")
    out["events"] = Event.objects.count()
    return out


def _replacing_write(outbox, stand_in, save):  # type: ignore[no-untyped-def]
    """A save with the app active and ``outbox.write`` swapped for ``stand_in`` meanwhile."""

    def run() -> float:
        real = outbox.write
        outbox.write = stand_in
        try:
            return save()
        finally:
            outbox.write = real

    return run


def _nothing(using: str, **fields) -> tuple[int, list[int]]:  # type: ignore[no-untyped-def]
    return 0, []


def _round_trip(using: str, **fields) -> tuple[int, list[int]]:  # type: ignore[no-untyped-def]
    from django.db import connections

    cursor = connections[using].connection.cursor()
    cursor.execute("SELECT 1")
    return cursor.fetchone()[0], []


_EVENT_ONLY = (
    "INSERT INTO hrflow_matching_event (event_type, reference, model_label, object_pk, tenant, "
    "event_date, body, created_at, indexed_at, index_attempts, index_error) "
    "VALUES ({0}, {1}, {2}, {3}, {4}, {5}, {6}, {5}, NULL, 0, '') RETURNING id"
)


def _event_only(using: str, **fields) -> tuple[int, list[int]]:  # type: ignore[no-untyped-def]
    """The event row alone, as cheaply as each database allows: prepared once on PostgreSQL
    (the sqlite3 module keeps its own statement cache)."""
    from django.db import connections

    conn = connections[using]
    cursor = conn.connection.cursor()
    keys = ("event_type", "reference", "model_label", "object_pk", "tenant", "now", "body")
    values = [fields[k] for k in keys]
    if conn.vendor == "postgresql":
        if not getattr(conn.connection, "_bench_prepared", False):
            cursor.execute(
                "PREPARE bench_event(text, text, text, text, text, timestamptz, text) AS "
                + _EVENT_ONLY.format(*(f"${i}" for i in range(1, 8)))
            )
            conn.connection._bench_prepared = True
        cursor.execute("EXECUTE bench_event(%s, %s, %s, %s, %s, %s, %s)", values)
    else:
        values[5] = conn.ops.adapt_datetimefield_value(values[5])
        cursor.execute(_EVENT_ONLY.format(*(f"?{i}" for i in range(1, 8))), values)
    return cursor.fetchone()[0], []


_FLOORS = (
    ("our_python", _nothing),
    ("round_trip", _round_trip),
    ("event_only", _event_only),
)


def run_child(url: str, saves: int, floor: bool) -> dict[str, float]:
    env = {**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(ROOT), "DJANGO_DEBUG": "0"}
    out = subprocess.run(
        [sys.executable, __file__, "--child", "--saves", str(saves)] + ["--floor"] * floor,
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
    parser.add_argument(
        "--floor", action="store_true", help="also measure the stand-ins that bound any outbox"
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.saves, args.floor)))
        return
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        results["SQLite"] = run_child(f"sqlite:///{tmp}/bench.sqlite3", args.saves, args.floor)
    try:
        import psycopg

        name = f"bench_save_{os.getpid()}"
        with psycopg.connect(args.pg, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        try:
            base = args.pg.rsplit("/", 1)[0]
            results["PostgreSQL"] = run_child(f"{base}/{name}", args.saves, args.floor)
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
    if args.floor:
        print("\nfloor: the app active, the outbox write replaced by (ms, ratio to paused)")
        print(f"{'database':<12}" + "".join(f" {name:>20}" for name, _ in _FLOORS))
        for engine, r in results.items():
            cells = (f"{r[name + '_ms']:.3f} ({r[name + '_ratio']:.2f})" for name, _ in _FLOORS)
            print(f"{engine:<12}" + "".join(f" {c:>20}" for c in cells))
    worst = max(r["ratio"] for r in results.values())
    print(f"target ratio <= 1.25: {'met' if worst <= 1.25 else 'NOT met'}")


if __name__ == "__main__":
    main()
