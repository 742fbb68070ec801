"""Admin of API keys: create (the key is shown once), list filtered by tenant, revoke."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from ..models import ApiKey
from ..models.apikeys import KEY_SCHEME
from . import secrets


class TenantFilter(admin.SimpleListFilter):
    """Filter by the tenants keys actually have (plus "no tenant")."""

    title = "tenant"
    parameter_name = "tenant"
    NONE = "__none__"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        tenants = (
            ApiKey.objects.exclude(tenant__isnull=True)
            .exclude(tenant="")
            .values_list("tenant", flat=True)
            .distinct()
            .order_by("tenant")
        )
        return [(self.NONE, "(no tenant)"), *((t, t) for t in tenants)]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        value = self.value()
        if value is None:
            return queryset
        if value == self.NONE:
            return queryset.filter(tenant__isnull=True)
        return queryset.filter(tenant=value)


class ActiveFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("active", "Active"), ("revoked", "Revoked")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "active":
            return queryset.filter(revoked_at__isnull=True)
        if self.value() == "revoked":
            return queryset.filter(revoked_at__isnull=False)
        return queryset


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ("name", "key_prefix", "tenant", "created_at", "last_used_at", "active")
    list_filter = (TenantFilter, ActiveFilter)
    search_fields = ("name", "prefix", "tenant")
    readonly_fields = ("key_prefix", "created_at", "last_used_at", "revoked_at")
    actions = ["revoke_keys"]

    def get_fields(self, request: HttpRequest, obj: ApiKey | None = None) -> list[str]:
        if obj is None:
            return ["name", "tenant"]
        return ["name", "tenant", "key_prefix", "created_at", "last_used_at", "revoked_at"]

    def get_readonly_fields(self, request: HttpRequest, obj: ApiKey | None = None) -> tuple:
        # A key's tenant never changes: that would silently widen or move what it reads.
        return (*self.readonly_fields, "tenant") if obj is not None else ()

    @admin.display(description="key")
    def key_prefix(self, obj: ApiKey) -> str:
        return f"{KEY_SCHEME}_{obj.prefix}…" if obj.prefix else "-"

    @admin.display(boolean=True)
    def active(self, obj: ApiKey) -> bool:
        return obj.revoked_at is None

    def save_model(self, request: HttpRequest, obj: ApiKey, form: Any, change: bool) -> None:
        key = None if change else obj.set_new_key()
        obj.tenant = (obj.tenant or "").strip() or None
        super().save_model(request, obj, form, change)
        if key is not None:
            secrets.remember(request, secrets.Secret(f"API key “{obj.name}”", key))

    def response_add(self, request: HttpRequest, obj: ApiKey, post_url_continue: Any = None) -> Any:
        shown = secrets.remembered(request)
        if not shown:
            return super().response_add(request, obj, post_url_continue)
        back = reverse("admin:hrflow_matching_apikey_changelist")
        return secrets.page(request, "New API key", shown, back)

    @admin.action(description="Revoke selected API keys")
    def revoke_keys(self, request: HttpRequest, queryset: QuerySet) -> None:
        count = queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        self.message_user(request, f"Revoked {count} API key(s).", messages.SUCCESS)
