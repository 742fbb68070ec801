"""``X-API-KEY`` authentication, per-key throttling and the tenant scope a key gives.

Tenant rule (README, "Pull webservices"): a key of tenant T sees only T's rows. A key without a
tenant sees every row only while the CRM has no tenants configured (no ``TENANT_RESOLVER`` and
no tenant in the tenant config provider); in a multi-tenant CRM it sees only the rows that have
no tenant. Another tenant's object is a 404, never a 403, so existence does not leak.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.utils import timezone
from rest_framework import exceptions, throttling
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from ..conf import get_settings
from ..models import ApiKey
from ..models.apikeys import split_key
from ..tenancy import tenants_configured
from .throttles import FailedKeyThrottle

HEADER = "X-API-KEY"
#: ``last_used_at`` is written at most this often per key, not on every request.
LAST_USED_RESOLUTION = dt.timedelta(seconds=60)


@dataclass(frozen=True)
class ApiClient:
    """``request.user`` of a request authenticated by an API key."""

    api_key: ApiKey
    is_authenticated: bool = True
    is_anonymous: bool = False
    is_staff: bool = False
    is_active: bool = True

    @property
    def pk(self) -> int:
        return self.api_key.pk

    def __str__(self) -> str:
        return str(self.api_key)


class ApiKeyAuthentication(BaseAuthentication):
    """Reads ``X-API-KEY``; an absent, unknown, malformed or revoked key is a 401."""

    def authenticate(self, request: Request) -> tuple[ApiClient, ApiKey] | None:
        key = request.META.get("HTTP_X_API_KEY")
        if key is None:
            return None  # the permission then answers 401 "missing"
        throttle = FailedKeyThrottle()
        throttle.check(request)  # an address that failed too often waits, whatever it sends
        try:
            return self._authenticate(key.strip())
        except exceptions.AuthenticationFailed:
            throttle.failed(request)
            raise

    def _authenticate(self, key: str) -> tuple[ApiClient, ApiKey]:
        prefix = split_key(key)
        if prefix is None:
            raise exceptions.AuthenticationFailed("Unauthorized. Invalid API key.")
        # Compare every candidate (normally one) in constant time; the prefix is not secret.
        found = None
        for candidate in ApiKey.objects.filter(prefix=prefix):
            if candidate.matches(key):
                found = candidate
        if found is None:
            raise exceptions.AuthenticationFailed("Unauthorized. Invalid API key.")
        if found.revoked_at is not None:
            raise exceptions.AuthenticationFailed("Unauthorized. This API key was revoked.")
        _touch(found)
        return ApiClient(found), found

    def authenticate_header(self, request: Request) -> str:
        return f'ApiKey header="{HEADER}"'


def _touch(api_key: ApiKey) -> None:
    """Record use at most once per :data:`LAST_USED_RESOLUTION` (one write a minute, not a
    write per request)."""
    now = timezone.now()
    if api_key.last_used_at is None or now - api_key.last_used_at >= LAST_USED_RESOLUTION:
        ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
        api_key.last_used_at = now


class HasApiKey(BasePermission):
    message = f"Unauthorized. Send a valid API key in the {HEADER} header."

    def has_permission(self, request: Request, view: Any) -> bool:
        return isinstance(request.auth, ApiKey)


class ApiKeyRateThrottle(throttling.SimpleRateThrottle):
    """One bucket per API key; rate from ``HRFLOW_MATCHING["API"]["THROTTLE_RATE"]``."""

    scope = "hrflow_api_key"

    def __init__(self) -> None:  # the rate is read per request, never at import
        pass

    def allow_request(self, request: Request, view: Any) -> bool:
        self.rate = get_settings()["API"]["THROTTLE_RATE"]
        if not self.rate:
            return True
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if not isinstance(request.auth, ApiKey):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}


# -- tenant scope ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Scope:
    """Which rows a key sees: everything (``unscoped``), or the rows of ``tenant`` (None: the
    rows without a tenant)."""

    unscoped: bool
    tenant: str | None = None

    def rows_q(self, tenant_field: str | None) -> Q | None:
        """Filter for a registered model's rows, or None for no filter. ``Q(pk__in=[])``
        when no row can match (a tenant key on a model without tenants)."""
        if self.unscoped:
            return None
        if not tenant_field:
            return None if self.tenant is None else Q(pk__in=[])
        if self.tenant is None:
            return Q(**{f"{tenant_field}__isnull": True})
        return Q(**{tenant_field: self.tenant})

    def tombstones_q(self) -> Q | None:
        if self.unscoped:
            return None
        if self.tenant is None:
            return Q(tenant__isnull=True)
        return Q(tenant=self.tenant)


def scope_for(api_key: ApiKey) -> Scope:
    if api_key.tenant:
        return Scope(unscoped=False, tenant=api_key.tenant)
    return Scope(unscoped=not tenants_configured(), tenant=None)
