"""``hrflow_worker``: the sweeper in a loop, for set-ups without a broker (``make demo``).

It sends every due delivery and indexes every pending event, then sleeps; run it beside the
web server. With Redis and Celery, use ``celery worker`` + ``celery beat`` instead.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections

from hrflow_matching.tasks import purge_old, run_sweep


class Command(BaseCommand):
    help = "Send due webhook deliveries and index pending events in a loop (no broker needed)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--interval", type=float, default=2.0, help="Seconds between passes.")
        parser.add_argument("--once", action="store_true", help="One pass, then exit.")

    def handle(self, *args: Any, **options: Any) -> None:
        last_purge = 0.0
        while True:
            close_old_connections()
            try:
                done = run_sweep(publish=False)
                if done["sent"] or done["indexed"]:
                    self.stdout.write(
                        f"sent {done['sent']} deliveries, indexed {done['indexed']} events"
                    )
                if time.monotonic() - last_purge > 3600:
                    purge_old()
                    last_purge = time.monotonic()
            except Exception as exc:  # keep serving the demo; the next pass retries
                self.stderr.write(f"sweep failed: {type(exc).__name__}: {exc}")
            if options["once"]:
                return
            time.sleep(options["interval"])
