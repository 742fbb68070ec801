"""``hrflow_deliveries``: list deliveries by status; redeliver one or all failed ones."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.db.models import Count

from hrflow_matching.models.webhooks import Delivery
from hrflow_matching.notify.delivery import sender

from ._arguments import positive_int


class Command(BaseCommand):
    help = "List webhook deliveries, or redeliver failed ones (same webhook-id)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--status", choices=[s.value for s in Delivery.Status], default=None)
        parser.add_argument("--tenant", default=None)
        parser.add_argument("--limit", type=positive_int, default=50, help="Rows listed (≥ 1).")
        parser.add_argument("--redeliver", metavar="ID_OR_MSG_ID", default=None)
        parser.add_argument("--redeliver-failed", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["redeliver"] is not None:
            key = options["redeliver"].strip()
            if not key:
                raise CommandError("--redeliver: give a delivery id or a msg_… webhook-id.")
            qs = (
                Delivery.objects.filter(msg_id=key)
                if key.startswith("msg_")
                else (
                    Delivery.objects.filter(pk=int(key))
                    if key.isdecimal()  # not isdigit(): int("²") raises
                    else Delivery.objects.none()
                )
            )
            delivery = qs.first()
            if delivery is None:
                raise CommandError(f"No delivery {key!r}.")
            with transaction.atomic():
                queued = sender.redeliver(delivery)
            if not queued:
                raise CommandError(
                    f"{delivery.msg_id} is being sent right now: redeliver it when that is done."
                )
            self.stdout.write(f"Redelivering {delivery.msg_id}.")
            return
        if options["redeliver_failed"]:
            failed = Delivery.objects.filter(status=Delivery.Status.FAILED)
            if options["tenant"]:
                failed = failed.filter(event__tenant=options["tenant"])
            count = 0
            with transaction.atomic():
                for delivery in failed:
                    count += sender.redeliver(delivery)
            self.stdout.write(f"Redelivering {count} failed deliveries.")
            return
        qs = Delivery.objects.select_related("event", "endpoint").order_by("-created_at")
        if options["status"]:
            qs = qs.filter(status=options["status"])
        if options["tenant"]:
            qs = qs.filter(event__tenant=options["tenant"])
        rows = list(qs[: options["limit"]])
        if not rows:
            self.stdout.write("No deliveries.")
            return
        # Per status, over the whole log (not just the rows listed): "unchanged" counts the
        # updates dropped because their document did not change.
        counts = dict(qs.order_by().values_list("status").annotate(n=Count("pk")))
        self.stdout.write(
            "  ".join(f"{status.value}={counts.get(status.value, 0)}" for status in Delivery.Status)
        )
        for d in rows:
            self.stdout.write(
                f"{d.pk}\t{d.msg_id}\t{d.event.event_type}\t{d.event.reference}\t"
                f"endpoint={d.endpoint_id}\t{d.status}\tattempts={d.attempt_count}\t"
                f"last={d.last_status_code or d.last_error or '-'}"
            )
