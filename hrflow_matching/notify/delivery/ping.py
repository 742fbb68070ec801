"""Ping: the static test payload, sent now through the same signer, client and guard.

Synchronous on purpose (an operator waits for the answer), never queued, never retried, and
with a fresh ``webhook-id`` so that a receiver's deduplication never swallows it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from hrflow_matching.models.webhooks import WebhookEndpoint, new_msg_id
from hrflow_matching.notify.delivery import client, signing
from hrflow_matching.notify.events import event_body


@dataclass(frozen=True)
class PingResult:
    endpoint_id: int
    url: str
    event_type: str
    status_code: int | None
    latency_ms: int
    excerpt: str
    error: str

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def ping(endpoint: WebhookEndpoint, event_type: str) -> PingResult:
    body = event_body("ping", event_type, dt.datetime.now(dt.UTC)).encode()
    headers = signing.signed_headers(
        endpoint.signing_secrets(), new_msg_id(), body, extra=endpoint.headers
    )
    response = client.post(endpoint.url, body, headers)
    error = response.error
    if not error and not response.ok:
        error = f"HTTP {response.status_code}"
    return PingResult(
        endpoint_id=endpoint.pk,
        url=endpoint.url,
        event_type=event_type,
        status_code=response.status_code,
        latency_ms=response.duration_ms,
        excerpt=response.body[:500].decode("utf-8", "replace"),
        error=error,
    )
