"""The SSRF guard of webhook URLs: which addresses the sender may never call.

Endpoint URLs are typed by operators (or, in an OEM set-up, by client companies), so a URL must
never reach the CRM's own network: every address the host resolves to is checked, and a
resolution failure blocks. ``check_url`` runs when an endpoint is saved and again before every
send; ``client`` checks the address it connects to once more (DNS may answer differently).
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from requests_hardened.ip_filter import EXTRA_BLOCKED_NET_RANGES

from hrflow_matching.conf import get_settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_METADATA_HOSTS = {"metadata.google.internal", "metadata", "instance-data"}
#: Deprecated IPv6 site-local addresses: private in practice, not in ``ipaddress``.
_SITE_LOCAL = ipaddress.ip_network("fec0::/10")


class UnsafeURL(ValueError):
    """The URL may not be called: bad scheme, unresolvable, or an internal address."""


def allow_private() -> bool:
    return bool(get_settings()["WEBHOOKS"]["ALLOW_PRIVATE"])


def blocked_reason(ip: IPAddress, *, private_allowed: bool = False) -> str | None:
    """Why an address is refused, or None. IPv4-mapped IPv6 is checked as the IPv4 it maps.

    ``private_allowed`` (``ALLOW_PRIVATE``, for development) lets loopback and private
    addresses through, never link-local ones: those are the cloud metadata services.
    """
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_link_local:
        return "link-local (cloud metadata)"
    if private_allowed:
        return None
    if ip.is_loopback:
        return "loopback"
    if ip.is_unspecified:
        return "unspecified"
    if ip.is_multicast:
        return "multicast"
    if ip.is_private:
        return "private"
    if ip.is_reserved:
        return "reserved"
    if ip.version == 6 and ip in _SITE_LOCAL:
        return "private (IPv6 site-local)"
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
    if host.lower().rstrip(".") in _METADATA_HOSTS:
        raise UnsafeURL(f"{host} is a cloud metadata address")
    private_allowed = bool(conf["ALLOW_PRIVATE"])
    try:
        addresses = resolve(host, port)
    except UnsafeURL:
        if private_allowed:
            return  # development: a name that does not resolve yet fails at send time
        raise
    for ip in addresses:
        reason = blocked_reason(ip, private_allowed=private_allowed)
        if reason:
            raise UnsafeURL(
                f"{host} resolves to {ip}, a {reason} address "
                "(set HRFLOW_MATCHING['WEBHOOKS']['ALLOW_PRIVATE'] = True for development only)"
            )
