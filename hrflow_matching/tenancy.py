"""Tenants: which client company a row or a request belongs to, and its HrFlow.ai settings.

A tenant is a plain string (an organisation slug, a schema name…) so that any CRM model can
serve. ``None`` means "no tenant": a single-tenant CRM never configures anything here and every
query runs unscoped.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest
from django.utils.module_loading import import_string

from .conf import get_settings


class TenantNotConfigured(ImproperlyConfigured):
    """A tenant has no HrFlow.ai configuration: never fall back to another tenant's keys."""

    def __init__(self, tenant: str) -> None:
        self.tenant = tenant
        super().__init__(
            f'No HrFlow.ai configuration for tenant "{tenant}". Add it to '
            f'HRFLOW_MATCHING["TENANTS"] or to your tenant config provider.'
        )


def resolve_request_tenant(request: HttpRequest) -> str | None:
    """The tenant of a request, from ``HRFLOW_MATCHING["TENANT_RESOLVER"]`` (None if unset)."""
    path = get_settings()["TENANT_RESOLVER"]
    if not path:
        return None
    resolver = import_string(path) if isinstance(path, str) else path
    tenant = resolver(request)
    return None if tenant in (None, "") else str(tenant)


class SettingsTenantConfigProvider:
    """Reads ``HRFLOW_MATCHING["TENANTS"][tenant]`` merged over ``HRFLOW_MATCHING["HRFLOW"]``.

    Subclass it (or write any class with the same two methods) to read keys from a database or
    a vault, and name it in ``HRFLOW_MATCHING["TENANT_CONFIG_PROVIDER"]``.
    """

    def tenants(self) -> list[str]:
        return list(get_settings()["TENANTS"])

    #: What a tenant inherits from ``HRFLOW``: how to talk to HrFlow.ai, never whose account.
    TRANSPORT_KEYS = (
        "API_URL",
        "CONNECT_TIMEOUT",
        "READ_TIMEOUT",
        "MAX_RETRIES",
        "METHOD",
        "MAX_URL_LENGTH",
    )

    def get_config(self, tenant: str | None) -> dict[str, Any]:
        settings = get_settings()
        base = dict(settings["HRFLOW"])
        if tenant is None:
            return base
        own = settings["TENANTS"].get(tenant)
        if own is None:
            raise TenantNotConfigured(tenant)
        # Only transport options are inherited; keys and account identity never are.
        inherited = {k: base[k] for k in self.TRANSPORT_KEYS if k in base}
        identity = {k: v for k, v in base.items() if k not in inherited}
        return {**inherited, **{k: type(v)() for k, v in identity.items()}, **own}


def get_tenant_config(tenant: str | None) -> dict[str, Any]:
    """HrFlow.ai settings for ``tenant`` (the global ``HRFLOW`` settings when None)."""
    provider_path = get_settings()["TENANT_CONFIG_PROVIDER"]
    provider = import_string(provider_path)() if isinstance(provider_path, str) else provider_path
    return provider.get_config(tenant)
