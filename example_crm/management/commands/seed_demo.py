"""``manage.py seed_demo``: realistic demo candidates and jobs, or records from HrFlow JSONL.

    manage.py seed_demo --profiles 10000 --jobs 500 --seed 42 --tenants 2
    manage.py seed_demo --profiles-jsonl profiles.jsonl --jobs-jsonl jobs.jsonl

Generated records have positional references (``cand-000001``, ``job-000001``): running the
command again creates nothing, and a larger ``--profiles`` only adds the missing ones. Rows are
inserted in bulk, which sends no signals: run ``hrflow_sync`` afterwards to index them.
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from example_crm.seeding import generate, jsonl
from example_crm.seeding.factories import SeedContext


class Command(BaseCommand):
    help = "Create realistic demo candidates and job offers, or import HrFlow JSONL files."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--profiles", type=int, default=0, help="Candidates to make.")
        parser.add_argument("--jobs", type=int, default=0, help="Job offers to make.")
        parser.add_argument("--seed", type=int, default=42, help="Random seed (default 42).")
        parser.add_argument(
            "--tenants", type=int, default=0, help="Organisations to spread records over."
        )
        parser.add_argument(
            "--skewed-tenants",
            action="store_true",
            help="A few large organisations and many small ones (default: records in turn).",
        )
        parser.add_argument(
            "--reference-prefix",
            default="",
            help="Prefix of generated references, to keep several seeded sets apart.",
        )
        parser.add_argument(
            "--today",
            type=dt.date.fromisoformat,
            default=None,
            help="Date the generated careers end on (YYYY-MM-DD, default today).",
        )
        parser.add_argument(
            "--recruiter-password", default="demo", help="Password of new recruiter users."
        )
        parser.add_argument(
            "--profiles-jsonl", type=Path, help="HrFlow Profile objects, one per line."
        )
        parser.add_argument("--jobs-jsonl", type=Path, help="HrFlow Job objects, one per line.")

    def handle(self, *args: Any, **options: Any) -> None:
        for name in ("profiles", "jobs", "tenants"):
            if options[name] < 0:
                raise CommandError(f"--{name} must be zero or more.")
        started = time.monotonic()
        orgs = generate.seed_organisations(options["tenants"]) if options["tenants"] else []
        if orgs:
            users = generate.seed_recruiters(orgs, options["recruiter_password"])
            self.stdout.write(f"organisations: {', '.join(o.slug for o in orgs)}")
            self.stdout.write(f"recruiters: {', '.join(users)}")
        ctx = SeedContext(seed=options["seed"], today=options["today"] or dt.date.today())
        for kind, count in (("profile", options["profiles"]), ("job", options["jobs"])):
            if not count:
                continue
            self.stdout.write(f"{kind}s: making {count} (seed {options['seed']})")
            created = generate.seed(
                kind,
                count,
                seed=options["seed"],
                ctx=ctx,
                orgs=orgs,
                prefix=options["reference_prefix"],
                progress=self.stdout.write,
                skewed=options["skewed_tenants"],
            )
            self.stdout.write(f"{kind}s: {created} created, {count - created} already there")
        for kind, path in (("profile", options["profiles_jsonl"]), ("job", options["jobs_jsonl"])):
            if path is None:
                continue
            try:
                result = jsonl.import_file(kind, path)
            except jsonl.ImportFailed as exc:
                raise CommandError(f"{path}: {exc}") from exc
            except OSError as exc:
                raise CommandError(f"{path}: {exc.strerror or exc}") from exc
            self.stdout.write(f"{path}: {result.created} {kind}s created, {result.updated} updated")
        self.stdout.write(self.style.SUCCESS(f"done in {time.monotonic() - started:.1f} s"))
