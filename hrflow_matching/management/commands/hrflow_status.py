"""``hrflow_status``: the health figures as text (or JSON), and an exit code for cron and probes.

Exit codes (documented in the README, "Operations: health, status and metrics"):

* ``0``: healthy, no threshold crossed;
* ``1``: at least one threshold crossed (each is printed, on stdout, under "Problems");
* ``2``: bad flags (a usage error, from argparse, on the command line);
* ``3``: the figures could not be read (the database is unreachable, the tables missing).

Thresholds come from ``HRFLOW_MATCHING["HEALTH"]``; a flag replaces one for this run, and
``off`` switches it off. The figures are those of the admin's health page and of
``/hrflow/health/`` (:mod:`hrflow_matching.health`).
"""

from __future__ import annotations

import json
import math
from argparse import ArgumentTypeError
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError

from hrflow_matching import health

OK, CROSSED, UNAVAILABLE = 0, 1, 3
#: The default of a threshold flag that was not given (None means "off").
UNSET: Any = object()


def _limit(kind: type) -> Callable[[str], float | int | None]:
    """A flag value: a number ≥ 0 (an integer for counts), or ``off``."""

    def parse(text: str) -> float | int | None:
        if text.strip().lower() in {"off", "none"}:
            return None
        try:
            value = kind(text)
        except ValueError:
            value = -1
        if value < 0 or not math.isfinite(value):
            what = "an integer" if kind is int else "a number of seconds"
            raise ArgumentTypeError(f"expected {what} ≥ 0 or 'off', got {text!r}")
        return value

    return parse


#: Flag -> (threshold attribute, value type, help).
FLAGS = {
    "--max-outbox-depth": ("outbox_depth", int, "pending deliveries"),
    "--max-oldest-pending": ("oldest_pending_seconds", float, "seconds: oldest undelivered event"),
    "--max-index-lag": ("index_lag_seconds", float, "seconds: oldest event not indexed"),
    "--max-failed-24h": ("failed_last_day", int, "deliveries given up in the last 24 hours"),
    "--max-disabled-endpoints": ("disabled_endpoints", int, "endpoints disabled by failures"),
}


def _outcomes(o: health.Outcomes) -> str:
    return f"{o.delivered} delivered, {o.retrying} retrying, {o.failed} failed"


def _host(url: str) -> str:
    """Scheme and host only: a URL's path or query may carry a receiver's token."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname or '?'}{f':{parts.port}' if parts.port else ''}"


class Command(BaseCommand):
    help = (
        "Print the webhook and index health figures; exit 1 when a threshold is crossed "
        "(0 healthy, 2 bad flags, 3 figures unavailable)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        for flag, (name, kind, what) in FLAGS.items():
            key = health.SETTING_KEYS[name]
            parser.add_argument(
                flag,
                dest=name,
                type=_limit(kind),
                default=UNSET,
                metavar="N|off",
                help=f'Limit of {what} (default: HRFLOW_MATCHING["HEALTH"]["{key}"]).',
            )
        parser.add_argument("--json", action="store_true", help="Print the figures as JSON.")

    def handle(self, *args: Any, **options: Any) -> None:
        overrides = {
            name: options[name]
            for name, *_ in FLAGS.values()
            if options.get(name, UNSET) is not UNSET
        }
        thresholds = health.Thresholds.from_settings(overrides)
        try:
            figures = health.snapshot()
        except DatabaseError as exc:
            raise CommandError(
                f"cannot read the health figures: {type(exc).__name__}: {exc}",
                returncode=UNAVAILABLE,
            ) from exc
        problems = figures.problems(thresholds)
        if options["json"]:
            self.stdout.write(json.dumps(figures.as_dict(thresholds), indent=2))
        else:
            self._print(figures, thresholds, problems)
        if problems:  # Django prints it on stderr and exits with the return code
            n = len(problems)
            raise CommandError(f"{n} threshold{'s' if n > 1 else ''} crossed.", returncode=CROSSED)

    def _print(
        self, figures: health.Health, thresholds: health.Thresholds, problems: list[str]
    ) -> None:
        from hrflow_matching.models.webhooks import WebhookEndpoint

        write = self.stdout.write
        write(f"hrflow_status at {figures.at:%Y-%m-%d %H:%M:%S %Z}")
        write(f"  outbox depth          {figures.outbox_depth} pending deliveries")
        oldest = health.format_age(figures.oldest_pending_seconds)
        write(f"  oldest undelivered    {oldest if figures.outbox_depth else '-'}")
        lag = health.format_age(figures.index_lag_seconds) if figures.index.pending else "-"
        write(
            f"  index lag             {lag} ({figures.index.pending} events to index, "
            f"{figures.index.given_up} given up)"
        )
        write(f"  last hour             {_outcomes(figures.last_hour)}")
        write(f"  last 24 hours         {_outcomes(figures.last_day)}")
        write(
            f"  endpoints             {len(figures.endpoints)} "
            f"({figures.disabled_endpoints} disabled by failures)"
        )
        urls = dict(WebhookEndpoint.objects.values_list("pk", "url"))
        for e in figures.endpoints:
            state = "active" if e.active else "disabled"
            write(
                f"    #{e.id} {_host(urls.get(e.id, ''))} {state}: {e.pending} pending"
                + (f", oldest {health.format_age(figures.endpoint_oldest_seconds(e))}" if e.pending else "")
                + f"; 24 h: {_outcomes(e.last_day)}"
            )  # fmt: skip
        if problems:
            write("Problems:")
            for problem in problems:
                write(f"  - {problem}")
            write("Status: FAIL")
        else:
            write("Status: OK")
