"""Outgoing HTTP for webhooks: SSRF guard, pinned connection, timeouts, bounded read, no redirects.

Endpoint URLs are typed by operators (or, in an OEM set-up, by client companies), so a URL must
never reach the CRM's own network: every resolved address is checked (a resolution failure
blocks), and the connection goes to the checked address (``requests-hardened`` pins it, with the
original Host and SNI), so DNS rebinding between check and connect does not help. The response
is streamed under a wall-clock deadline and read up to a byte limit, because ``requests``'
timeouts are per socket read and a drip-feeding receiver could hold a worker forever.
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
import urllib3
from requests_hardened import Config, Manager
from requests_hardened.ip_filter import EXTRA_BLOCKED_NET_RANGES, InvalidIPAddress

from ..conf import get_settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_METADATA_HOSTS = {"metadata.google.internal", "metadata", "instance-data"}


class UnsafeURL(ValueError):
    """The URL may not be called: bad scheme, unresolvable, or an internal address."""


def allow_private() -> bool:
    return bool(get_settings()["WEBHOOKS"]["ALLOW_PRIVATE"])


def blocked_reason(ip: IPAddress) -> str | None:
    """Why an address is refused, or None. IPv4-mapped IPv6 is checked as the IPv4 it maps."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local (cloud metadata)"
    if ip.is_unspecified:
        return "unspecified"
    if ip.is_multicast:
        return "multicast"
    if ip.is_private:
        return "private"
    if ip.is_reserved:
        return "reserved"
    if any(ip in net for net in EXTRA_BLOCKED_NET_RANGES if net.version == ip.version):
        return "reserved (CGNAT, NAT64, 6to4…)"
    return None


def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address ``host`` resolves to; failure to resolve is an :class:`UnsafeURL`."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise UnsafeURL(f"cannot resolve {host!r}") from exc
    return [ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos]


def check_url(url: str) -> None:
    """Refuse what the sender must never call (at endpoint save time and again at send time)."""
    conf = get_settings()["WEBHOOKS"]
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise UnsafeURL(f"invalid URL: {exc}") from exc
    allowed = {"https", "http"} if conf["ALLOW_HTTP"] else {"https"}
    if parts.scheme not in allowed:
        raise UnsafeURL(f"scheme {parts.scheme or '(none)'!r} is not allowed")
    host = parts.hostname
    if not host:
        raise UnsafeURL("the URL has no host")
    if parts.username or parts.password:
        raise UnsafeURL("credentials in the URL are not allowed; use endpoint headers")
    if conf["ALLOW_PRIVATE"]:
        return
    if host.lower().rstrip(".") in _METADATA_HOSTS:
        raise UnsafeURL(f"{host} is a cloud metadata address")
    for ip in resolve(host, port):
        reason = blocked_reason(ip)
        if reason:
            raise UnsafeURL(
                f"{host} resolves to {ip}, a {reason} address "
                "(set HRFLOW_WEBHOOK_ALLOW_PRIVATE for development only)"
            )


@dataclass(frozen=True)
class Response:
    """What came back from one POST (or why nothing did)."""

    status_code: int | None
    body: bytes
    headers: dict[str, str]
    duration_ms: int
    error: str = ""
    timed_out: bool = False
    #: True when the request was refused before any socket was opened (SSRF guard).
    refused: bool = False

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def _manager() -> Manager:
    private = allow_private()
    return Manager(
        Config(
            ip_filter_enable=not private,
            ip_filter_allow_loopback_ips=private,
            never_redirect=True,
            default_timeout=None,
        )
    )


def open_session() -> Any:
    """A hardened session (IP filter, pinning, no redirects); reuse it for one endpoint's batch.

    Proxy variables from the environment are ignored: a proxy would defeat the address check.
    """
    session = _manager().get_session()
    session.trust_env = False
    return session


def post(url: str, body: bytes, headers: dict[str, str], session: Any = None) -> Response:
    """POST ``body`` as is (never re-serialised) and read a bounded answer before the deadline.

    ``session`` (from :func:`open_session`) keeps the connection alive across a batch.
    """
    conf = get_settings()["WEBHOOKS"]
    connect_timeout = float(conf["CONNECT_TIMEOUT"])
    total = float(conf["TOTAL_TIMEOUT"])
    limit = int(conf["MAX_RESPONSE_BYTES"])
    start = time.monotonic()

    def elapsed_ms() -> int:
        return int((time.monotonic() - start) * 1000)

    try:
        check_url(url)
    except UnsafeURL as exc:
        return Response(None, b"", {}, elapsed_ms(), f"refused: {exc}", refused=True)
    try:
        with contextlib.nullcontext(session) if session is not None else open_session() as http:
            resp = http.post(
                url,
                data=body,
                headers=headers,
                timeout=(connect_timeout, max(0.001, total)),
                allow_redirects=False,
                stream=True,
            )
            finished = False
            try:
                chunks: list[bytes] = []
                size = 0
                while size < limit:
                    remaining = total - (time.monotonic() - start)
                    if remaining <= 0:
                        break
                    _set_read_timeout(resp, remaining)
                    # read1: whatever one socket read brings, so a drip-feed cannot hold us
                    chunk = resp.raw.read1(min(8192, limit - size), decode_content=True)
                    if not chunk:
                        finished = True
                        break
                    chunks.append(chunk)
                    size += len(chunk)
                timed_out = time.monotonic() - start > total and size < limit
                data = b"".join(chunks)[:limit]
            finally:
                if finished:
                    resp.raw.release_conn()  # back to the pool: the next POST reuses it
                else:
                    resp.close()
            if timed_out:
                return Response(
                    resp.status_code, data, dict(resp.headers), elapsed_ms(),
                    f"response not finished within {total:g} s", timed_out=True,
                )  # fmt: skip
            return Response(resp.status_code, data, dict(resp.headers), elapsed_ms())
    except InvalidIPAddress as exc:
        return Response(
            None, b"", {}, elapsed_ms(), f"refused: internal address {exc}", refused=True
        )
    except (requests.Timeout, urllib3.exceptions.TimeoutError, TimeoutError) as exc:
        return Response(
            None, b"", {}, elapsed_ms(), f"timeout: {type(exc).__name__}", timed_out=True
        )
    except (urllib3.exceptions.HTTPError, OSError) as exc:
        return Response(None, b"", {}, elapsed_ms(), f"{type(exc).__name__}: {_short(exc)}")
    except requests.RequestException as exc:
        return Response(None, b"", {}, elapsed_ms(), f"{type(exc).__name__}: {_short(exc)}")


def _set_read_timeout(resp: Any, seconds: float) -> None:
    """Shrink the socket timeout to what is left of the deadline (best effort)."""
    sock = getattr(getattr(resp.raw, "connection", None), "sock", None)
    if sock is not None:
        sock.settimeout(max(0.001, seconds))


def _short(exc: BaseException) -> str:
    text = str(exc)
    return text if len(text) <= 300 else text[:297] + "..."
