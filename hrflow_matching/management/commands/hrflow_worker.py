"""``hrflow_worker``: the sweeper in a loop, for set-ups without a broker (``make demo``).

It sends every due delivery and indexes every pending event, then sleeps; run it beside the
web server. With Redis and Celery, use ``celery worker`` + ``celery beat`` instead. It sleeps
``HRFLOW_MATCHING["WEBHOOKS"]["SWEEP_INTERVAL"]`` seconds between passes, as Celery beat
would schedule the sweeper, unless ``--interval`` says otherwise (``make demo`` passes 2).
"""

from __future__ import annotations

import time
from argparse import ArgumentTypeError
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import close_old_connections

from hrflow_matching.conf import get_settings
from hrflow_matching.tasks import purge_old, run_sweep

from ._arguments import positive_seconds


def setting_interval() -> float:
    """``WEBHOOKS["SWEEP_INTERVAL"]``, read when the command runs (never at import, so that
    the settings of the process, and of tests, apply)."""
    value = get_settings()["WEBHOOKS"]["SWEEP_INTERVAL"]
    try:
        return positive_seconds(value)
    except ArgumentTypeError as exc:
        raise CommandError(
            f'HRFLOW_MATCHING["WEBHOOKS"]["SWEEP_INTERVAL"]: {exc} (check hrflow_matching.E021).'
        ) from None


class Command(BaseCommand):
    help = "Send due webhook deliveries and index pending events in a loop (no broker needed)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--interval",
            type=positive_seconds,
            default=None,
            help='Seconds between passes (default: HRFLOW_MATCHING["WEBHOOKS"]["SWEEP_INTERVAL"]).',
        )
        parser.add_argument("--once", action="store_true", help="One pass, then exit.")

    def handle(self, *args: Any, **options: Any) -> None:
        interval = options["interval"]
        if interval is None:
            interval = setting_interval()
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
            time.sleep(interval)
