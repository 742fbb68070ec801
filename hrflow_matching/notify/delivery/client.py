"""Outgoing HTTP for webhooks: pinned connection, timeouts, bounded read, no redirects.

The connection goes to the address ``guard`` checked (``requests-hardened`` pins it, with the
original Host and SNI), and that pinned address is checked again by our rules, so DNS
rebinding between check and connect does not help. ``requests``' timeouts are per socket read,
so a receiver dripping its status line, headers or body a byte at a time could hold a worker
forever: the whole exchange runs under a wall-clock deadline, after which a watchdog shuts the
connection's socket, and the body is read up to a byte limit.
"""

from __future__ import annotations

import contextlib
import contextvars
import ipaddress
import socket
import threading
import time
from dataclasses import dataclass
from typing import Any

import requests
import urllib3
from requests.adapters import HTTPAdapter
from requests_hardened import Config, Manager
from requests_hardened.ip_filter import InvalidIPAddress
from requests_hardened.ip_filter_adapter import IPFilterAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from hrflow_matching.conf import get_settings
from hrflow_matching.ssrf import UnsafeURL, allow_private, blocked_reason, check_url

__all__ = ["Response", "open_session", "post"]


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
        """A 2xx, answered whole (or up to the size limit) before the deadline."""
        return self.status_code is not None and 200 <= self.status_code < 300 and not self.error


# -- the wall-clock deadline -----------------------------------------------------------------
#: The connections of the exchange running in this thread (see :func:`_deadline`).
_WATCHED: contextvars.ContextVar[set | None] = contextvars.ContextVar(
    "hrflow_watched", default=None
)


class _Reporting:
    """A urllib3 connection that reports itself, when it sends, to the running exchange."""

    def request(self, *args: Any, **kwargs: Any) -> Any:
        watched = _WATCHED.get()
        if watched is not None:
            watched.add(self)
        return super().request(*args, **kwargs)  # type: ignore[misc]


class _HTTPConnection(_Reporting, HTTPConnection):
    pass


class _HTTPSConnection(_Reporting, HTTPSConnection):
    pass


class _HTTPPool(HTTPConnectionPool):
    ConnectionCls = _HTTPConnection


class _HTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection


class _DeadlinePools:
    """An adapter whose pools make reporting connections (a mixin for requests' adapters)."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)  # type: ignore[misc]
        self.poolmanager.pool_classes_by_scheme = {"http": _HTTPPool, "https": _HTTPSPool}  # type: ignore[attr-defined]


class _GuardedAdapter(_DeadlinePools, IPFilterAdapter):
    """requests-hardened's pinning to the resolved address, which our rules check again."""

    def build_connection_pool_key_attributes(self, request: Any, verify: Any, cert: Any = None):  # type: ignore[no-untyped-def]
        host_params, pool_kwargs = super().build_connection_pool_key_attributes(
            request, verify, cert
        )
        ip = ipaddress.ip_address(host_params["host"].strip("[]"))
        if blocked_reason(ip):
            raise InvalidIPAddress(ip)
        return host_params, pool_kwargs


class _DevelopmentAdapter(_DeadlinePools, HTTPAdapter):
    """``ALLOW_PRIVATE``: no pinning (``check_url`` still refuses link-local addresses)."""


@contextlib.contextmanager
def _deadline(seconds: float, fired: threading.Event) -> Any:
    """Shut the exchange's sockets when ``seconds`` have passed, and set ``fired``."""
    watched: set = set()

    def shut() -> None:
        fired.set()
        for conn in list(watched):
            sock = getattr(conn, "sock", None)
            if sock is not None:
                with contextlib.suppress(OSError):
                    # The plain socket's shutdown, also for TLS: the reading thread gets EOF.
                    socket.socket.shutdown(sock, socket.SHUT_RDWR)

    token = _WATCHED.set(watched)
    timer = threading.Timer(seconds, shut)
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()
        _WATCHED.reset(token)


def open_session() -> Any:
    """A hardened session (address checks, pinning, no redirects, a deadline per exchange);
    reuse it for one endpoint's batch.

    Proxy variables from the environment are ignored: a proxy would defeat the address check.
    """
    config = Config(
        ip_filter_enable=False,  # mounted below: our adapters, with our rules and the deadline
        ip_filter_allow_loopback_ips=False,
        never_redirect=True,
        default_timeout=None,
    )
    session = Manager(config).get_session()
    private = allow_private()
    for scheme in ("http://", "https://"):
        if private:
            session.mount(scheme, _DevelopmentAdapter())
        else:
            session.mount(scheme, _GuardedAdapter(is_https_proto=scheme == "https://"))
    session.trust_env = False
    return session


def post(url: str, body: bytes, headers: dict[str, str], session: Any = None) -> Response:
    """POST ``body`` as is (never re-serialised) and read a bounded answer before the deadline.

    ``session`` (from :func:`open_session`) keeps the connection alive across a batch. Never
    raises: whatever goes wrong is this attempt's ``error``, for the attempt log and the retry.
    """
    conf = get_settings()["WEBHOOKS"]
    connect_timeout = float(conf["CONNECT_TIMEOUT"])
    total = float(conf["TOTAL_TIMEOUT"])
    start = time.monotonic()

    def failed(error: str, **flags: bool) -> Response:
        """No answer to record: only why, and how long it took."""
        return Response(None, b"", {}, int((time.monotonic() - start) * 1000), error, **flags)

    try:
        check_url(url)
    except UnsafeURL as exc:
        return failed(f"refused: {exc}", refused=True)
    expired = threading.Event()
    try:
        with (
            contextlib.nullcontext(session) if session is not None else open_session() as http,
            _deadline(total, expired),
        ):
            resp = http.post(
                url,
                data=body,
                headers=headers,
                timeout=(connect_timeout, max(0.001, total)),
                allow_redirects=False,
                stream=True,
            )
            data, error = _read_answer(resp, start + total, int(conf["MAX_RESPONSE_BYTES"]))
            late = bool(error) and (expired.is_set() or time.monotonic() - start >= total)
            if late:
                error = f"timeout: response not finished within {total:g} s"
            ms = int((time.monotonic() - start) * 1000)
            return Response(resp.status_code, data, dict(resp.headers), ms, error, timed_out=late)
    except InvalidIPAddress as exc:
        return failed(f"refused: internal address {exc}", refused=True)
    except Exception as exc:  # anything else is this attempt's failure, recorded
        if expired.is_set():
            return failed(f"timeout: no answer within {total:g} s", timed_out=True)
        if isinstance(exc, requests.Timeout | urllib3.exceptions.TimeoutError | TimeoutError):
            return failed(f"timeout: {type(exc).__name__}", timed_out=True)
        return failed(f"{type(exc).__name__}: {_short(exc)}")


def _read_answer(resp: Any, deadline: float, limit: int) -> tuple[bytes, str]:
    """The body, up to ``limit`` bytes and until ``deadline`` (monotonic), and why it stopped
    early ("" when read whole or cut at the limit). An answer that stops early is a failed
    attempt even after a 2xx status line (``Response.ok``): the receiver did not finish."""
    chunks: list[bytes] = []
    size = 0
    error = ""
    finished = False
    try:
        while size < limit:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                error = "response not finished in time"  # (post() says "timeout: …")
                break
            _set_read_timeout(resp, remaining)
            # read1: whatever one socket read brings, so a drip-feed cannot hold us
            chunk = resp.raw.read1(min(8192, limit - size), decode_content=True)
            if not chunk:
                finished = True
                break
            chunks.append(chunk)
            size += len(chunk)
    except Exception as exc:  # the deadline's watchdog, a reset, a decoding error…
        error = f"response not finished: {type(exc).__name__}"
    finally:
        if finished:
            resp.raw.release_conn()  # back to the pool: the next POST reuses it
        else:
            resp.close()
    return b"".join(chunks)[:limit], error


def _set_read_timeout(resp: Any, seconds: float) -> None:
    """Shrink the socket timeout to what is left of the deadline (best effort)."""
    sock = getattr(getattr(resp.raw, "connection", None), "sock", None)
    if sock is not None:
        sock.settimeout(max(0.001, seconds))


def _short(exc: BaseException) -> str:
    text = str(exc)
    return text if len(text) <= 300 else text[:297] + "..."
