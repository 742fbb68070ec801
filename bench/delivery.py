"""Events delivered per second through Redis and Celery workers to a local receiver; count lost.

Writes ``--events`` candidate events in one import transaction (``sync()``, as a bulk import
would), with two real ``celery worker`` processes (plus beat, the safety net) on a queue
of their own, and a local threaded receiver that verifies every signature. The clock runs from
the first commit to the last distinct ``webhook-id`` received.

    python bench/delivery.py --events 10000 [--workers 2] [--database-url URL]

The database is a throw-away one: PostgreSQL when reachable (``--pg``), else a SQLite file.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def create_database(pg: str, tmp: str) -> tuple[str, object]:
    try:
        import psycopg

        name = f"bench_delivery_{os.getpid()}"
        with psycopg.connect(pg, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')

        def drop() -> None:
            with psycopg.connect(pg, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

        return f"{pg.rsplit('/', 1)[0]}/{name}", drop
    except Exception as exc:
        print(f"PostgreSQL not available ({type(exc).__name__}); using SQLite", file=sys.stderr)
        return f"sqlite:///{tmp}/bench.sqlite3", lambda: None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument("--parallel", type=int, default=4, help="requests in flight per worker")
    args = parser.parse_args()

    tmp = tempfile.mkdtemp()
    url, drop = create_database(args.pg, tmp)
    queue = f"hrflow-bench-{os.getpid()}-{uuid.uuid4().hex[:6]}"
    webhooks = {
        "ALLOW_PRIVATE": True,
        "HINTS": True,
        "QUEUE": queue,
        "SWEEP_INTERVAL": 5,
        "SWEEP_GRACE": 30,
        "PARALLEL": args.parallel,
    }
    os.environ.update(
        DATABASE_URL=url,
        DJANGO_DEBUG="0",
        DJANGO_SETTINGS_MODULE="tests.support.webhook_worker_settings",
        HRFLOW_TEST_QUEUE=queue,
        HRFLOW_TEST_WEBHOOKS=__import__("json").dumps(webhooks),
        HRFLOW_TEST_BACKEND="tests.support.webhook_backend.RecordingIndexBackend",
        CELERY_BROKER_URL=args.redis,
    )
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import transaction
    from standardwebhooks import Webhook

    from example_crm.models import Candidate
    from hrflow_matching import paused, sync
    from hrflow_matching.models import Delivery, WebhookEndpoint
    from hrflow_matching.notify import hints
    from tests.support.webhook_support import Worker, start_receiver

    call_command("migrate", verbosity=0)
    rec = start_receiver()
    endpoint = WebhookEndpoint.objects.create(url=rec.url + "/ok")
    verifier = Webhook(endpoint.secret)
    bad_signatures = []
    seen: set[str] = set()

    def verify(captured) -> None:  # on arrival: the 5-minute tolerance applies
        seen.add(captured.headers.get("webhook-id"))
        try:
            verifier.verify(captured.body, captured.headers)
        except Exception:
            bad_signatures.append(captured.headers.get("webhook-id"))

    rec.on_request = verify
    workers = [
        Worker(queue, webhooks, args.redis, name=f"bench{i}", extra_env={"DJANGO_DEBUG": "0"})
        for i in range(args.workers)
    ]
    workers.append(Worker(queue, webhooks, args.redis, name="benchbeat", beat_only=True))
    try:
        for w in workers:
            w.wait_ready()
        with paused():
            Candidate.objects.bulk_create(
                [
                    Candidate(first_name="Bench", last_name=str(i), reference=f"bench-{i}")
                    for i in range(args.events)
                ],
                batch_size=1000,
            )
        # One import transaction: the outbox rows are written first, then the clock starts at
        # the commit, so the figure is the delivery rate, not the CRM's write rate.
        began = time.monotonic()
        with transaction.atomic():
            sync(Candidate.objects.filter(reference__startswith="bench-"), created=True)
            written = time.monotonic() - began
        started = time.monotonic()

        def distinct() -> int:
            return len(seen)

        deadline = time.monotonic() + args.timeout
        while distinct() < args.events and time.monotonic() < deadline:
            time.sleep(0.2)
        elapsed = time.monotonic() - started
        got = distinct()
        with rec.lock:
            requests = list(rec.requests)
        bad = len(bad_signatures)
        hints.flush(5)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            success = Delivery.objects.filter(status="success").count()
            if success >= args.events:
                break
            time.sleep(0.2)
        print(f"database: {django.db.connection.vendor}, workers: {args.workers}")
        print(f"events written (sync() in one transaction): {args.events} in {written:.1f} s")
        print(
            f"delivered: {got} distinct webhook-ids in {elapsed:.1f} s = {got / elapsed:.0f} events/s"
        )
        print(
            f"requests: {len(requests)} (duplicates {len(requests) - got}), bad signatures: {bad}"
        )
        print(f"deliveries marked success: {success}; lost: {args.events - got}")
        print(f"target >= 200 events/s: {'met' if got / elapsed >= 200 else 'NOT met'}")
    finally:
        for w in workers:
            w.stop()
        rec.close()
        from django.db import connections

        connections.close_all()
        drop()


if __name__ == "__main__":
    threading.current_thread().name = "bench"
    main()
