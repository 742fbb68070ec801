"""``manage.py hrflow_reconcile [--kind profiles|jobs] [--since DATE] [--baseline]``.

Records the events that writes bypassing signals never recorded (``QuerySet.update()``, raw
SQL, imports): each row's document fingerprint is compared with the one last announced (see
``hrflow_matching/notify/reconcile.py``). Celery beat runs it nightly
(``hrflow_matching.schedule.BEAT_SCHEDULE``).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from tqdm import tqdm

from hrflow_matching.management.commands._arguments import positive_int
from hrflow_matching.management.commands.hrflow_sync import KINDS, parse_since
from hrflow_matching.notify import reconcile
from hrflow_matching.registry import adapters


class Command(BaseCommand):
    help = "Record the events of rows changed without signals (update(), raw SQL, imports)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--kind", choices=sorted(KINDS), default=None)
        parser.add_argument(
            "--since", default=None, help="Only rows modified at or after this ISO date."
        )
        parser.add_argument("--batch-size", type=positive_int, default=500)
        parser.add_argument(
            "--baseline",
            action="store_true",
            help="Record the rows' fingerprints, no events (first run on a CRM already pulled).",
        )
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        since = parse_since(options["since"]) if options["since"] else None
        kind = KINDS.get(options["kind"]) if options["kind"] else None
        for adapter in adapters(kind):
            total = reconcile.count(adapter, since)
            with tqdm(
                total=total,
                desc=adapter.label,
                unit="row",
                disable=options["no_progress"],
                file=self.stderr,
            ) as bar:
                result = reconcile.reconcile(
                    adapter,
                    since=since,
                    batch_size=options["batch_size"],
                    baseline=options["baseline"],
                    progress=bar.update,
                )
            if options["baseline"]:
                done = f"{result.total} fingerprints recorded, no events"
            else:
                done = ", ".join(f"{n} {a}" for a, n in sorted(result.recorded.items()))
                done = f"events recorded: {done}" if done else "nothing to record"
            self.stdout.write(f"{adapter.label}: {result.checked} rows checked, {done}.")
