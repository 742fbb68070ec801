"""``hrflow_ping --event EVENT [--endpoint ID]``: send the static test payload now."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hrflow_matching.models.webhooks import EVENT_TYPES, WebhookEndpoint
from hrflow_matching.notify.delivery.ping import ping


class Command(BaseCommand):
    help = "Send {reference: ping} to the endpoints of an event; print status and latency."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--event", required=True, choices=EVENT_TYPES)
        parser.add_argument("--endpoint", type=int, default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        event = options["event"]
        if options["endpoint"] is not None:
            endpoints = list(WebhookEndpoint.objects.filter(pk=options["endpoint"]))
            if not endpoints:
                raise CommandError(f"No endpoint with id {options['endpoint']}.")
        else:
            endpoints = [
                e for e in WebhookEndpoint.objects.filter(is_active=True) if e.subscribes(event)
            ]
            if not endpoints:
                raise CommandError(f"No active endpoint subscribes to {event}.")
        failed = 0
        for endpoint in endpoints:
            result = ping(endpoint, event)
            status = result.status_code if result.status_code is not None else "-"
            self.stdout.write(
                f"{endpoint.pk}\t{endpoint.url}\tstatus={status}\t{result.latency_ms} ms"
            )
            if result.excerpt:
                self.stdout.write(f"  response: {result.excerpt[:200]}")
            if not result.ok:
                failed += 1
                self.stdout.write(f"  error: {result.error}")
        if failed:
            raise CommandError(f"{failed} of {len(endpoints)} ping(s) failed.")
