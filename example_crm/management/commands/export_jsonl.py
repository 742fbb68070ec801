"""``manage.py export_jsonl profile|job FILE``: every row as the adapters' HrFlow JSON, one a line.

The counterpart of ``seed_demo --profiles-jsonl/--jobs-jsonl``: export, edit, import again, or
move demo data between databases. ``-`` writes to standard output.
"""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from example_crm.seeding import jsonl


class Command(BaseCommand):
    help = "Write every profile or job as a HrFlow JSON object per line."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=["profile", "job"])
        parser.add_argument("file", help="Output file, or - for standard output.")

    def handle(self, *args: Any, kind: str, file: str, **options: Any) -> None:
        documents = jsonl.export_documents(kind)
        if file == "-":
            jsonl.write_jsonl(documents, sys.stdout)
            return
        try:
            with open(file, "w", encoding="utf-8") as out:
                count = jsonl.write_jsonl(documents, out)
        except OSError as exc:
            raise CommandError(f"{file}: {exc.strerror or exc}") from exc
        self.stderr.write(f"{file}: {count} {kind}s written")
