"""Admin for webhook endpoints, deliveries and their attempts: resend, ping, tenant filters.

Secrets are never shown in lists or forms. A secret is shown once, in the response page (never
in a ``messages`` cookie, see ``admin.secrets``): when the
endpoint is added, and when the "Rotate signing secret" action makes a new one (the old one keeps
signing for ``WEBHOOKS["ROTATION_GRACE"]``), as ``manage.py hrflow_endpoint`` prints it once.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html

from hrflow_matching.notify.delivery import sender
from hrflow_matching.notify.delivery.ping import ping

from ..conf import get_settings
from ..models.webhooks import EVENT_TYPE_CHOICES, Delivery, DeliveryAttempt, WebhookEndpoint
from . import secrets
from .health import endpoint_health_view


class TenantFilter(admin.SimpleListFilter):
    """Filter by tenant (the values present), "no tenant" included."""

    title = "tenant"
    parameter_name = "tenant"
    field = "tenant"
    NONE = "__none__"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        values = (
            model_admin.model._default_manager.exclude(**{f"{self.field}__isnull": True})
            .values_list(self.field, flat=True)
            .distinct()
            .order_by(self.field)
        )
        return [(self.NONE, "(no tenant)"), *((v, v) for v in values)]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        value = self.value()
        if value is None:
            return queryset
        if value == self.NONE:
            return queryset.filter(**{f"{self.field}__isnull": True})
        return queryset.filter(**{self.field: value})


class DeliveryTenantFilter(TenantFilter):
    field = "event__tenant"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        from ..models.webhooks import Event

        values = (
            Event.objects.exclude(tenant__isnull=True)
            .values_list("tenant", flat=True)
            .distinct()
            .order_by("tenant")
        )
        return [(self.NONE, "(no tenant)"), *((v, v) for v in values)]


class EndpointForm(forms.ModelForm):
    url = forms.URLField(max_length=2000, assume_scheme="https")
    events = forms.MultipleChoiceField(
        choices=EVENT_TYPE_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="None checked: all six events.",
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["url", "description", "tenant", "events", "headers", "is_active"]


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    form = EndpointForm
    list_display = ["id", "url", "tenant", "subscribed", "is_active", "failing_since", "health"]
    list_filter = [TenantFilter, "is_active"]
    search_fields = ["url", "description", "tenant"]
    readonly_fields = ["disabled_reason", "failing_since", "created_at", "updated_at"]
    actions = ["ping_endpoints", "enable_endpoints", "rotate_secrets"]
    change_form_template = "hrflow_matching/admin/endpoint_change_form.html"

    def get_urls(self) -> list[URLPattern]:
        info = self.opts.app_label, self.opts.model_name
        own = [
            path(
                "<path:object_id>/health/",
                self.admin_site.admin_view(self.health_view),
                name="%s_%s_health" % info,  # noqa: UP031  (the admin's own naming)
            )
        ]
        return own + super().get_urls()

    def health_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        return endpoint_health_view(self, request, object_id)

    @admin.display(description="health")
    def health(self, obj: WebhookEndpoint) -> str:
        url = reverse("admin:hrflow_matching_webhookendpoint_health", args=[obj.pk])
        return format_html('<a href="{}">Health</a>', url)

    @admin.display(description="events")
    def subscribed(self, obj: WebhookEndpoint) -> str:
        return ", ".join(obj.events) if obj.events else "all"

    @admin.action(description="Ping (profile_update test payload)")
    def ping_endpoints(self, request: HttpRequest, queryset: QuerySet) -> None:
        for endpoint in queryset:
            event_type = endpoint.events[0] if endpoint.events else "profile_update"
            result = ping(endpoint, event_type)
            level = messages.SUCCESS if result.ok else messages.ERROR
            self.message_user(
                request,
                f"{endpoint.url}: {result.status_code or result.error} "
                f"in {result.latency_ms} ms {result.excerpt[:100]!r}",
                level,
            )

    def save_model(self, request: HttpRequest, obj: WebhookEndpoint, form, change: bool) -> None:  # type: ignore[no-untyped-def]
        super().save_model(request, obj, form, change)
        if not change:
            secrets.remember(request, _secret(obj, obj.secret, "Its signing secret"))

    def response_add(self, request: HttpRequest, obj: WebhookEndpoint, post_url_continue=None):  # type: ignore[no-untyped-def]
        shown = secrets.remembered(request)
        if not shown:
            return super().response_add(request, obj, post_url_continue)
        back = reverse("admin:hrflow_matching_webhookendpoint_changelist")
        return secrets.page(request, "New webhook endpoint", shown, back)

    @admin.action(description="Rotate signing secret (shows the new one once)")
    def rotate_secrets(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse:
        grace = float(get_settings()["WEBHOOKS"]["ROTATION_GRACE"])
        shown = []
        for endpoint in queryset:
            secret = endpoint.rotate_secret(grace)
            note = f"The previous one also signs for {grace:g} s."
            shown.append(_secret(endpoint, secret, "New signing secret", note))
        back = reverse("admin:hrflow_matching_webhookendpoint_changelist")
        return secrets.page(request, "New signing secrets", shown, back)

    @admin.action(description="Enable (clears the failure clock)")
    def enable_endpoints(self, request: HttpRequest, queryset: QuerySet) -> None:
        n = queryset.update(is_active=True, disabled_reason="", failing_since=None)
        self.message_user(request, f"{n} endpoint(s) enabled.")


def _secret(endpoint: WebhookEndpoint, secret: str, what: str, note: str = "") -> secrets.Secret:
    return secrets.Secret(
        f"{endpoint.url} (id {endpoint.pk}): {what}", secret, f"Give it to the receiver now. {note}"
    )


class AttemptInline(admin.TabularInline):
    model = DeliveryAttempt
    extra = 0
    can_delete = False
    fields = ["number", "created_at", "status_code", "error", "duration_ms", "response_excerpt"]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = [
        "msg_id", "event_type", "reference", "tenant", "endpoint", "status",
        "attempt_count", "last_status_code", "next_attempt_at",
    ]  # fmt: skip
    list_filter = ["status", DeliveryTenantFilter, "event__event_type", "endpoint"]
    search_fields = ["msg_id", "event__reference"]
    list_select_related = ["event", "endpoint"]
    readonly_fields = [
        "msg_id", "event", "endpoint", "status", "attempt_count", "next_attempt_at",
        "locked_until", "last_status_code", "last_error", "delivered_at", "created_at", "body",
    ]  # fmt: skip
    exclude = ["claim_token"]
    inlines = [AttemptInline]
    actions = ["resend"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description="event")
    def event_type(self, obj: Delivery) -> str:
        return obj.event.event_type

    @admin.display(description="reference")
    def reference(self, obj: Delivery) -> str:
        return obj.event.reference

    @admin.display(description="tenant")
    def tenant(self, obj: Delivery) -> str:
        return obj.event.tenant or "—"

    @admin.display(description="body")
    def body(self, obj: Delivery) -> str:
        return obj.event.body

    @admin.action(description="Resend (same webhook-id)")
    def resend(self, request: HttpRequest, queryset: QuerySet) -> None:
        count = busy = 0
        for delivery in queryset:
            if sender.redeliver(delivery):
                count += 1
            else:
                busy += 1
        self.message_user(request, f"{count} delivery(ies) queued; the sweeper sends them.")
        if busy:
            self.message_user(
                request,
                f"{busy} delivery(ies) are being sent right now: resend them when that is done.",
                messages.WARNING,
            )


@admin.register(DeliveryAttempt)
class DeliveryAttemptAdmin(admin.ModelAdmin):
    list_display = ["delivery", "number", "created_at", "status_code", "error", "duration_ms"]
    list_filter = ["status_code"]
    search_fields = ["delivery__msg_id"]
    readonly_fields = [f.name for f in DeliveryAttempt._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
