"""``manage.py hrflow_apikey create|list|revoke``: API keys of machine clients (HrFlow.ai).

The clear key is printed once, by ``create``; only its SHA-256 digest is stored.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Q

from hrflow_matching.api.auth import tenants_configured
from hrflow_matching.conf import get_settings
from hrflow_matching.models import ApiKey
from hrflow_matching.models.apikeys import KEY_SCHEME


def _when(value: Any) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else "-"


class Command(BaseCommand):
    help = "Create, list and revoke the API keys of the pull webservices (X-API-KEY)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Create a key and print it once.")
        create.add_argument("--name", required=True, help="Who uses the key.")
        create.add_argument("--tenant", default=None, help="Tenant whose objects it reads.")
        listing = sub.add_parser("list", help="List keys (never the keys themselves).")
        listing.add_argument("--tenant", default=None, help="Only this tenant's keys.")
        listing.add_argument("--all", action="store_true", help="Include revoked keys.")
        revoke = sub.add_parser("revoke", help="Revoke a key by id or prefix.")
        revoke.add_argument("key", help=f"Id, prefix, or {KEY_SCHEME}_<prefix>… as listed.")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        getattr(self, f"_{action}")(**options)

    def _create(self, *, name: str, tenant: str | None, **_: Any) -> None:
        tenant = (tenant or "").strip() or None
        name = name.strip()
        if not name:
            raise CommandError("--name must not be empty.")
        known = get_settings()["TENANTS"]
        if tenant and known and tenant not in known:
            self.stderr.write(
                self.style.WARNING(f'Tenant "{tenant}" is not in HRFLOW_MATCHING["TENANTS"].')
            )
        elif tenant and not known and not _tenant_has_rows(tenant):
            self.stderr.write(
                self.style.WARNING(
                    f'No profile or job belongs to tenant "{tenant}" yet: check its spelling '
                    "(the key reads nothing until some do)."
                )
            )
        if tenant is None and tenants_configured():
            self.stderr.write(
                self.style.WARNING(
                    "This CRM has tenants: a key without --tenant reads only the objects "
                    "that belong to no tenant."
                )
            )
        api_key, key = ApiKey.create_key(name=name, tenant=tenant)
        self.stdout.write(f"Created API key #{api_key.pk} {api_key}.")
        self.stdout.write("Copy it now, it is not stored and will not be shown again:")
        self.stdout.write(key)

    def _list(self, *, tenant: str | None, all: bool, **_: Any) -> None:
        keys = ApiKey.objects.all().order_by("pk")
        if tenant:
            keys = keys.filter(tenant=tenant)
        if not all:
            keys = keys.active()
        rows = [("id", "prefix", "name", "tenant", "created", "last used", "revoked")]
        rows += [
            (
                str(k.pk),
                f"{KEY_SCHEME}_{k.prefix}",
                k.name,
                k.tenant or "-",
                _when(k.created_at),
                _when(k.last_used_at),
                _when(k.revoked_at),
            )
            for k in keys
        ]
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
        for row in rows:
            self.stdout.write("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)))
        if len(rows) == 1:
            self.stdout.write("(no keys)")

    def _revoke(self, *, key: str, **_: Any) -> None:
        ident = key.strip()
        prefix = ident.removeprefix(f"{KEY_SCHEME}_").split("_")[0].rstrip("…")
        query = Q(prefix=prefix) if prefix else Q(pk__in=[])
        if ident.isdecimal():  # not isdigit(): int("²") raises
            query |= Q(pk=int(ident))
        matches = list(ApiKey.objects.filter(query))
        if not matches:
            raise CommandError(f"No API key matches {ident!r}.")
        if len(matches) > 1:
            raise CommandError(f"{ident!r} matches several keys; revoke by id.")
        api_key = matches[0]
        if api_key.revoked_at is not None:
            self.stdout.write(f"API key #{api_key.pk} was already revoked.")
            return
        api_key.revoke()
        self.stdout.write(f"Revoked API key #{api_key.pk} {api_key}.")


def _tenant_has_rows(tenant: str) -> bool:
    """Does any registered row belong to ``tenant``? (A tenant resolver cannot list tenants, so
    a typo in ``--tenant`` would give a key that reads nothing, silently.)"""
    from hrflow_matching.registry import adapters

    return any(
        adapter.model._default_manager.filter(**{adapter.tenant_field: tenant}).exists()
        for adapter in adapters()
        if adapter.tenant_field
    )
