"""The outbox: webhook endpoints, events, one delivery per (event, endpoint), and every attempt.

The database is the record of what must still be sent or indexed; Redis only carries hints.
An :class:`Event` and its :class:`Delivery` rows are written in the CRM's own transaction, so a
rolled-back save leaves nothing, and the sweeper finds every row that is due even when Redis
lost its queue.
"""

from __future__ import annotations

import base64
import datetime as dt
import re
import secrets
import uuid

from django.db import models
from django.utils import timezone

EVENT_TYPES = (
    "profile_create",
    "profile_update",
    "profile_archive",
    "job_create",
    "job_update",
    "job_archive",
)
EVENT_TYPE_CHOICES = [(t, t) for t in EVENT_TYPES]


def new_secret() -> str:
    """A Standard Webhooks secret: ``whsec_`` + base64 of 32 random bytes, unique per endpoint."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def new_msg_id() -> str:
    """A ``webhook-id``: ``msg_`` + uuid4 hex, never containing a dot (it is signed content)."""
    return "msg_" + uuid.uuid4().hex


#: An HTTP header name (RFC 9110 token) and a value HTTP carries as is (visible ASCII).
_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_HEADER_VALUE = re.compile(r"[\x20-\x7e\t]*")
#: Headers the sender sets itself: framing, routing, the body's type and the signature.
_RESERVED_HEADERS = {"content-length", "transfer-encoding", "connection", "host", "content-type"}


def is_reserved_header(name: str) -> bool:
    """Is ``name`` a header the sender sets itself (an endpoint's static one is dropped)?"""
    return name.lower() in _RESERVED_HEADERS or name.lower().startswith("webhook-")


def header_problem(headers: object) -> str | None:
    """Why an endpoint's static headers cannot be sent, or None.

    Checked when the endpoint is saved, so that an operator learns it then, and not from a
    run of failed deliveries: a value with a line break or outside ASCII cannot go on the wire,
    and a header the sender sets itself (``Content-Length``, ``webhook-signature``…) would
    corrupt the request or the signature.
    """
    if not isinstance(headers, dict):
        return 'Headers must be a {"Name": "value"} object.'
    for name, value in headers.items():
        if not isinstance(name, str) or not isinstance(value, str):
            return 'Headers must be a {"Name": "value"} object of strings.'
        if not _HEADER_NAME.fullmatch(name):
            return f"{name!r} is not a header name (letters, digits and -_.!#$%&'*+^`|~)."
        if is_reserved_header(name):
            return f"{name} is set by the sender itself."
        if not _HEADER_VALUE.fullmatch(value):
            return f"The value of {name} must be printable ASCII, on one line."
    return None


class WebhookEndpoint(models.Model):
    """A receiver of events (HrFlow.ai's webhook URL of one tenant, or of the whole CRM)."""

    url = models.URLField(max_length=2000)
    description = models.CharField(max_length=200, blank=True)
    #: Subscribed event types; an empty list means all six.
    events = models.JSONField(default=list, blank=True)
    #: Tenant of the endpoint. None: receives only the events of rows without a tenant.
    tenant = models.CharField(max_length=200, null=True, blank=True, db_index=True)  # noqa: DJ001  (None = no tenant)
    secret = models.CharField(max_length=200, default=new_secret, editable=False)
    #: The secret before the last rotation: it keeps signing until ``previous_secret_expires_at``.
    previous_secret = models.CharField(max_length=200, blank=True, default="", editable=False)
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True, editable=False)
    #: Static headers sent with every request, e.g. ``{"X-API-KEY": "..."}``.
    headers = models.JSONField(default=dict, blank=True)
    is_active = models.BooleanField(default=True)
    disabled_reason = models.CharField(max_length=200, blank=True)
    #: Start of the current run of failures; any success clears it (auto-disable clock).
    failing_since = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        app_label = "hrflow_matching"
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.url} ({self.tenant})" if self.tenant else self.url

    def __repr__(self) -> str:  # never show the secret
        return f"<WebhookEndpoint {self.pk} {self.url}>"

    def subscribes(self, event_type: str) -> bool:
        return not self.events or event_type in self.events

    def rotate_secret(self, grace_seconds: float) -> str:
        """Sign with a new secret from now on; the current one keeps signing too (a second
        signature) for ``grace_seconds``, so the receiver can switch without losing events.
        Saves, and returns the new secret: the one time it is shown."""
        self.previous_secret = self.secret
        self.previous_secret_expires_at = timezone.now() + dt.timedelta(seconds=grace_seconds)
        self.secret = new_secret()
        self.save(
            update_fields=["secret", "previous_secret", "previous_secret_expires_at", "updated_at"]
        )
        return self.secret

    def signing_secrets(self) -> list[str]:
        """The current secret, plus the previous one during the rotation grace period."""
        out = [self.secret]
        if (
            self.previous_secret
            and self.previous_secret_expires_at
            and self.previous_secret_expires_at > timezone.now()
        ):
            out.append(self.previous_secret)
        return out

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        from hrflow_matching.ssrf import UnsafeURL, check_url

        bad = [e for e in self.events or [] if e not in EVENT_TYPES]
        if bad:
            raise ValidationError({"events": f"Unknown event types: {', '.join(bad)}."})
        problem = header_problem(self.headers)
        if problem:
            raise ValidationError({"headers": problem})
        try:
            check_url(self.url)
        except UnsafeURL as exc:
            raise ValidationError({"url": str(exc)}) from exc


class Event(models.Model):
    """One change of a registered row, with its body serialised once (sent byte-identical)."""

    # Few indexes on purpose: every CRM save inserts a row here (see bench/save_overhead.py).
    event_type = models.CharField(max_length=32, choices=EVENT_TYPE_CHOICES)
    reference = models.CharField(max_length=255)
    model_label = models.CharField(max_length=200)
    object_pk = models.CharField(max_length=255)
    tenant = models.CharField(max_length=200, null=True, blank=True)  # noqa: DJ001  (None = no tenant)
    event_date = models.DateTimeField()
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    #: When the matching backend was brought up to date with this event (INDEX flow).
    indexed_at = models.DateTimeField(null=True, blank=True)
    index_attempts = models.PositiveSmallIntegerField(default=0)
    index_error = models.TextField(blank=True)
    #: The fingerprint of the row's document when a worker first handled the event ("" until
    #: then); written once, so every endpoint and retry gets the same decision. The outbox's
    #: raw inserts leave it to the database default.
    fingerprint = models.CharField(max_length=64, blank=True, default="", db_default="")

    class Meta:
        app_label = "hrflow_matching"
        ordering = ["-created_at"]
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=models.Q(indexed_at__isnull=True),
                name="hrflow_event_index_due",
            )
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.reference}"

    @property
    def action(self) -> str:
        return self.event_type.split("_", 1)[1]


class Delivery(models.Model):
    """The sending of one event to one endpoint: its schedule and claim live here."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SUCCESS = "success", "Success"
        FAILED = "failed", "Failed"
        #: An update whose document fingerprint did not change: nothing was sent.
        UNCHANGED = "unchanged", "Dropped (document unchanged)"

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="deliveries")
    # Few indexes on purpose (every CRM save inserts here): no index on the endpoint, and
    # ``msg_id`` is unique by construction (uuid4), so a random-order unique index that
    # dirties a new page on every insert buys nothing.
    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries", db_index=False
    )
    #: The ``webhook-id``: the same on every retry, sweep and manual redelivery.
    msg_id = models.CharField(max_length=40, default=new_msg_id, editable=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempt_count = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    #: A claim (lease): the worker holding ``claim_token`` until ``locked_until`` may send.
    claim_token = models.CharField(max_length=32, blank=True, default="")
    locked_until = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        app_label = "hrflow_matching"
        ordering = ["-created_at"]
        verbose_name_plural = "deliveries"
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(status="pending"),
                name="hrflow_delivery_due",
            )
        ]

    def __str__(self) -> str:
        return f"{self.msg_id} → {self.endpoint_id} ({self.status})"


class DeliveryAttempt(models.Model):
    """One try of a delivery: what was answered, or why nothing was."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempts")
    number = models.PositiveSmallIntegerField()
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    response_excerpt = models.TextField(blank=True)

    class Meta:
        app_label = "hrflow_matching"
        ordering = ["delivery_id", "number"]

    def __str__(self) -> str:
        return f"#{self.number} {self.status_code or self.error}"

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300
