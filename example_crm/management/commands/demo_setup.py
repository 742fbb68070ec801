"""``manage.py demo_setup``: everything ``make demo`` needs before serving, safe to run again.

Seeds demo data only when the database has no candidates yet, indexes it with ``hrflow_sync``
(when the app provides that command) right after seeding, makes sure the ``demo`` superuser
exists, and prints where to log in. Running it on an already set-up database only prints.
"""

from __future__ import annotations

import os
import time
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand, CommandParser

from example_crm.models import Candidate, JobOffer, Organisation, Recruiter

DEMO_USER = "demo"
DEMO_PASSWORD = "demo"


class Command(BaseCommand):
    help = "Seed the demo CRM once, index it, create the demo superuser and print the login."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--profiles", type=int, default=3000)
        parser.add_argument("--jobs", type=int, default=300)
        parser.add_argument("--tenants", type=int, default=2)
        parser.add_argument("--port", default=os.environ.get("PORT", "8000"))
        parser.add_argument(
            "--sync", action="store_true", help="Re-index even when nothing was seeded."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        seeded = False
        if Candidate.objects.exists():
            self.stdout.write(
                f"Demo data already there ({Candidate.objects.count()} candidates, "
                f"{JobOffer.objects.count()} jobs): not seeding."
            )
        else:
            call_command(
                "seed_demo",
                profiles=options["profiles"],
                jobs=options["jobs"],
                tenants=options["tenants"],
                stdout=self.stdout,
            )
            seeded = True
        if "hrflow_sync" in get_commands() and (seeded or options["sync"]):
            self.stdout.write("Indexing for matching (hrflow_sync)…")
            call_command("hrflow_sync", stdout=self.stdout, stderr=self.stderr)
        created = self.ensure_superuser()
        self.print_login(options["port"], created)
        self.stdout.write(f"demo_setup took {time.monotonic() - started:.1f} s")

    def ensure_superuser(self) -> bool:
        """Create ``demo``/``demo`` once; never reset a password someone changed."""
        user_model = get_user_model()
        user, created = user_model.objects.get_or_create(
            username=DEMO_USER, defaults={"email": "demo@example.com"}
        )
        if created:
            user.set_password(DEMO_PASSWORD)
        if created or not (user.is_staff and user.is_superuser):
            user.is_staff = user.is_superuser = True
            user.save()
        return created

    def print_login(self, port: str, created: bool) -> None:
        base = f"http://127.0.0.1:{port}"
        job = JobOffer.objects.filter(archived=False).order_by("reference").first()
        lines = [
            f"Demo CRM:   {base}/admin/",
            f"Log in as:  {DEMO_USER} / {DEMO_PASSWORD}   (superuser, sees every organisation)"
            + ("" if created else "   [existing user: password unchanged]"),
        ]
        for recruiter in Recruiter.objects.select_related("user", "organisation").order_by(
            "organisation__slug"
        ):
            lines.append(
                f"Recruiter:  {recruiter.user.username} / demo   "
                f"(sees only {recruiter.organisation.name})"
            )
        if job is not None:
            lines.append(f"Matching:   {base}/hrflow/matching/jobs/{job.reference}/")
        lines.append(f"Candidates: {base}/admin/example_crm/candidate/")
        if Organisation.objects.exists():
            lines.append(
                "Organisations: "
                + ", ".join(Organisation.objects.order_by("slug").values_list("slug", flat=True))
            )
        width = max(len(line) for line in lines) + 4
        self.stdout.write("=" * width)
        for line in lines:
            self.stdout.write(self.style.SUCCESS(f"  {line}"))
        self.stdout.write("=" * width)
