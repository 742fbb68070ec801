"""``hrflow_endpoint add|list|remove|rotate-secret``: manage webhook endpoints from a shell."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from hrflow_matching.conf import get_settings
from hrflow_matching.models.webhooks import EVENT_TYPES, WebhookEndpoint


class Command(BaseCommand):
    help = "Add, list, remove webhook endpoints, or rotate an endpoint's signing secret."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add", help="Add an endpoint; prints its id and whsec_ secret.")
        add.add_argument("--url", required=True)
        add.add_argument(
            "--events", default="", help=f"Comma-separated, of: {', '.join(EVENT_TYPES)}."
        )
        add.add_argument("--header", action="append", default=[], help="'Name: value', repeatable.")
        add.add_argument("--tenant", default=None)
        add.add_argument("--description", default="")
        sub.add_parser("list", help="List endpoints (never their secrets).")
        remove = sub.add_parser("remove", help="Delete an endpoint and its deliveries.")
        remove.add_argument("id", type=int)
        rotate = sub.add_parser(
            "rotate-secret", help="New secret; the old one signs too for a grace period."
        )
        rotate.add_argument("id", type=int)

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, "do_" + options["action"].replace("-", "_"))(options)

    def _get(self, pk: int) -> WebhookEndpoint:
        try:
            return WebhookEndpoint.objects.get(pk=pk)
        except WebhookEndpoint.DoesNotExist:
            raise CommandError(f"No endpoint with id {pk}.") from None

    def do_add(self, options: dict[str, Any]) -> None:
        events = [e.strip() for e in options["events"].split(",") if e.strip()]
        headers: dict[str, str] = {}
        for raw in options["header"]:
            name, sep, value = raw.partition(":")
            if not sep or not name.strip():
                raise CommandError(f"Bad --header {raw!r}: expected 'Name: value'.")
            headers[name.strip()] = value.strip()
        endpoint = WebhookEndpoint(
            url=options["url"],
            events=events,
            headers=headers,
            tenant=options["tenant"] or None,
            description=options["description"],
        )
        try:
            endpoint.full_clean()
        except ValidationError as exc:
            raise CommandError(
                "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
            ) from None
        endpoint.save()
        self.stdout.write(f"id: {endpoint.pk}")
        self.stdout.write(f"secret: {endpoint.secret}")
        self.stdout.write("Keep the secret now: it is not shown again.")

    def do_list(self, options: dict[str, Any]) -> None:
        rows = WebhookEndpoint.objects.order_by("pk")
        if not rows:
            self.stdout.write("No endpoints.")
        for e in rows:
            state = "active" if e.is_active else f"disabled ({e.disabled_reason or 'by hand'})"
            self.stdout.write(
                f"{e.pk}\t{e.url}\ttenant={e.tenant or '-'}\t"
                f"events={','.join(e.events) or 'all'}\t{state}"
            )

    def do_remove(self, options: dict[str, Any]) -> None:
        endpoint = self._get(options["id"])
        endpoint.delete()
        self.stdout.write(f"Removed endpoint {options['id']}.")

    def do_rotate_secret(self, options: dict[str, Any]) -> None:
        endpoint = self._get(options["id"])
        grace = float(get_settings()["WEBHOOKS"]["ROTATION_GRACE"])
        self.stdout.write(f"secret: {endpoint.rotate_secret(grace)}")
        self.stdout.write(f"The previous secret also signs for {grace:g} s.")
