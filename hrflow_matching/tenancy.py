"""Tenants: which client company a row or a request belongs to, and its HrFlow.ai settings.

A tenant is a plain string (an organisation slug, a schema name…) so that any CRM model can
serve. ``None`` means "no tenant": a single-tenant CRM never configures anything here and every
query runs unscoped.

In a multi-tenant CRM a request fails closed: when the resolver answers no tenant, a user who
is not a superuser is refused (403) rather than shown every tenant's rows. A resolver that
means "every tenant" (an operator's account, a support desk) returns :data:`ALL_TENANTS`.
"""

from __future__ import annotations

from typing import Any, Final

from django.core.exceptions import ImproperlyConfigured, PermissionDenied
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


class AllTenants:
    """The type of :data:`ALL_TENANTS`, a resolver's explicit "this request sees every tenant"."""

    _instance: AllTenants | None = None

    def __new__(cls) -> AllTenants:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "ALL_TENANTS"


#: What a ``TENANT_RESOLVER`` returns for a request that may see every tenant's rows. ``None``
#: (or ``""``) means "no tenant known", which multi-tenant CRMs refuse to non-superusers.
ALL_TENANTS: Final = AllTenants()


class NoTenant(PermissionDenied):
    """A multi-tenant CRM's request with no tenant: refused, never answered with every row."""

    def __init__(self) -> None:
        super().__init__(
            "Your account is not linked to a tenant (organisation), so it sees no rows. "
            "Ask an administrator to link it."
        )


def resolve_request_tenant(request: HttpRequest) -> str | AllTenants | None:
    """What ``HRFLOW_MATCHING["TENANT_RESOLVER"]`` says of a request: a tenant,
    :data:`ALL_TENANTS`, or None (no tenant known, or no resolver set)."""
    path = get_settings()["TENANT_RESOLVER"]
    if not path:
        return None
    resolver = import_string(path) if isinstance(path, str) else path
    tenant = resolver(request)
    if tenant is ALL_TENANTS:
        return ALL_TENANTS
    return None if tenant in (None, "") else str(tenant)


def request_tenant(request: HttpRequest) -> str | None:
    """The tenant whose rows a request (a recruiter page, the session-authenticated matching
    API) may see, None meaning every row.

    Fails closed: in a multi-tenant CRM (:func:`tenants_configured`) a request the resolver
    gives no tenant raises :class:`NoTenant`, unless the user is a superuser (who sees every
    tenant, as in the CRM's admin). A single-tenant CRM is unscoped.
    """
    tenant = resolve_request_tenant(request)
    if tenant is ALL_TENANTS:
        return None
    if tenant is not None:
        return tenant
    if not tenants_configured():
        return None
    user = getattr(request, "user", None)
    if user is not None and getattr(user, "is_superuser", False):
        return None
    raise NoTenant()


def tenants_configured() -> bool:
    """Whether the CRM is multi-tenant: a request tenant resolver or configured tenants."""
    settings = get_settings()
    if settings["TENANT_RESOLVER"] or settings["TENANTS"]:
        return True
    provider_path = settings["TENANT_CONFIG_PROVIDER"]
    provider = import_string(provider_path)() if isinstance(provider_path, str) else provider_path
    tenants = getattr(provider, "tenants", None)
    return bool(tenants()) if callable(tenants) else False


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
