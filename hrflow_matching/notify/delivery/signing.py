"""Standard Webhooks signing, with the reference ``standardwebhooks`` library.

The signed content is ``f"{webhook-id}.{timestamp}.{body}"`` over the exact bytes sent; during
a secret rotation the message is signed with every live secret, space-separated, so a receiver
holding either the old or the new secret accepts it.
"""

from __future__ import annotations

import datetime as dt

from standardwebhooks import Webhook

from hrflow_matching import __version__
from hrflow_matching.models.webhooks import is_reserved_header

USER_AGENT = f"django-hrflow-matching/{__version__} (webhooks)"


def sign(secrets: list[str], msg_id: str, timestamp: dt.datetime, body: bytes) -> str:
    """The ``webhook-signature`` value: one ``v1,<base64>`` per secret, space-separated."""
    # standardwebhooks replaces tzinfo with UTC: pass a UTC datetime or the time is wrong.
    ts = timestamp.astimezone(dt.UTC)
    payload = body.decode("utf-8")
    return " ".join(Webhook(secret).sign(msg_id, ts, payload) for secret in secrets)


def signed_headers(
    secrets: list[str],
    msg_id: str,
    body: bytes,
    extra: dict[str, str] | None = None,
    now: dt.datetime | None = None,
) -> dict[str, str]:
    """All headers of one attempt: the endpoint's static ones first, ours always win."""
    now = (now or dt.datetime.now(dt.UTC)).replace(microsecond=0)
    headers = {k: v for k, v in (extra or {}).items() if not is_reserved_header(k)}
    headers.update(
        {
            "Content-Type": "application/json",
            "Accept": "application/json",
            "User-Agent": USER_AGENT,
            "webhook-id": msg_id,
            "webhook-timestamp": str(int(now.timestamp())),
            "webhook-signature": sign(secrets, msg_id, now, body),
        }
    )
    return headers
