"""A small HTTP client for the HrFlow.ai API: headers, timeouts, bounded retries, typed errors.

Why not the official ``hrflow`` SDK: it sets no timeout on any call (a slow HrFlow.ai would
hang a recruiter's page and a web worker with it), retries nothing, and reports failures as
plain dicts. This client keeps the SDK's wire format (see ``reference/hrflow-api.md``) and adds
what a web application needs:

- ``X-API-KEY`` and ``X-USER-EMAIL`` on every call; a (connect, read) timeout on every call.
- Redirects are never followed: ``requests`` would forward our custom ``X-API-KEY`` header to
  whatever host a redirect names.
- Searching and scoring calls (:meth:`HrFlowClient.query`) go as GET while the URL stays under
  ``MAX_URL_LENGTH`` and as POST with the same parameters in a JSON body beyond it (or always,
  with ``METHOD = "POST"``), as HrFlow.ai's changelog recommends for long parameters.
- A bounded retry with exponential backoff for 429 and 5xx answers, and for connection
  failures, only for idempotent calls (GET, PUT, PATCH, and the read-only POST of a query).
  A ``Retry-After`` is honoured up to ``READ_TIMEOUT`` (a recruiter waits that long for a slow
  answer anyway); a longer one is not waited for: the call fails at once with
  :class:`~hrflow_matching.backends.base.BackendBusy`, "busy, try again in N s". A read timeout
  is not retried: the recruiter would wait ``READ_TIMEOUT`` once per attempt.
- Every failure is a :class:`~hrflow_matching.backends.base.BackendError` subclass with a message
  a recruiter can read. The API key never appears in a message, a log line or ``detail``.
"""

from __future__ import annotations

import logging
import math
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import requests

from hrflow_matching.backends.base import (
    AuthenticationFailed,
    BackendBusy,
    BackendError,
    BackendMisconfigured,
    BackendUnavailable,
    ObjectNotIndexed,
    QuotaExceeded,
    UnexpectedResponse,
)
from hrflow_matching.backends.hrflow.wire import dumps, query_params
from hrflow_matching.retry_after import parse_retry_after

logger = logging.getLogger("hrflow_matching.backends.hrflow")

IDEMPOTENT = frozenset({"GET", "PUT", "PATCH"})
#: Objects whose absence means our own settings are wrong, not that a record is not indexed yet.
CONFIG_OBJECTS = frozenset({"source", "board", "algorithm", "agent", "team"})
NOT_FOUND_RE = re.compile(r"Unable to find object(?::\s*(\w+))?", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Transport:
    """Everything a call needs, read from the tenant's configuration once per call."""

    api_url: str
    api_key: str = field(repr=False)  # never in a repr, a log line or a traceback dump
    user_email: str
    connect_timeout: float
    read_timeout: float
    max_retries: int
    backoff: float = 0.5  # seconds; doubled after each attempt
    method: str = "AUTO"  # "AUTO": GET while the URL is short enough, else POST; "POST": always
    max_url_length: int = 4000  # characters of the whole GET URL, query included


class HrFlowClient:
    """Sends one HrFlow.ai call and returns the decoded JSON envelope, or raises.

    One ``requests.Session`` per thread (sessions are not documented as thread-safe, and the
    backend instance is shared by a process's threads). ``sleep`` is injectable so that tests
    observe the backoff instead of waiting for it.
    """

    def __init__(self, *, sleep: Callable[[float], None] = time.sleep) -> None:
        self._local = threading.local()
        self._sleep = sleep

    @property
    def session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            self._local.session = session
        return session

    def query(self, transport: Transport, path: str, params: Mapping[str, Any]) -> dict[str, Any]:
        """A searching or scoring call: GET with ``params`` in the query string while the URL
        stays within ``transport.max_url_length``, else POST with ``params`` as a JSON body
        (lists and objects as JSON, not as JSON strings). Both are reads, retried alike."""
        if transport.method != "POST":
            query = query_params(dict(params))
            if len(get_url(transport, path, query)) <= transport.max_url_length:
                return self.request(transport, "GET", path, params=query)
        return self.request(transport, "POST", path, json=dict(params), idempotent=True)

    def request(
        self,
        transport: Transport,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        idempotent: bool | None = None,
    ) -> dict[str, Any]:
        url = endpoint_url(transport, path)
        headers = {
            "X-API-KEY": transport.api_key,
            "X-USER-EMAIL": transport.user_email,
            "Accept": "application/json",
        }
        body = None
        if json is not None:
            # Compact UTF-8, as the query strings: accents as they are, no spaces.
            body = dumps(json).encode("utf-8")
            headers["Content-Type"] = "application/json"
        if idempotent is None:
            idempotent = method in IDEMPOTENT
        retries = transport.max_retries if idempotent else 0
        attempt = 0
        while True:
            attempt += 1
            started = time.monotonic()
            try:
                response = self.session.request(
                    method,
                    url,
                    params=params,
                    data=body,
                    headers=headers,
                    timeout=(transport.connect_timeout, transport.read_timeout),
                    allow_redirects=False,
                )
            except requests.ConnectionError as exc:
                # ConnectTimeout is a ConnectionError too: nothing was sent, safe to retry.
                if attempt <= retries:
                    self._backoff(transport, attempt, None, method, path, "connection failed")
                    continue
                raise BackendUnavailable(
                    "HrFlow.ai cannot be reached right now. Try again in a minute.",
                    detail=f"{method} {path}: {type(exc).__name__}",
                ) from exc
            except requests.Timeout as exc:
                raise BackendUnavailable(
                    "HrFlow.ai did not answer in time. Try again in a minute.",
                    detail=f"{method} {path}: read timeout after {transport.read_timeout}s",
                ) from exc
            except requests.RequestException as exc:
                raise BackendUnavailable(detail=f"{method} {path}: {type(exc).__name__}") from exc
            elapsed_ms = (time.monotonic() - started) * 1000
            logger.info(
                "HrFlow.ai %s %s -> %s in %.0f ms (attempt %d)",
                method,
                path,
                response.status_code,
                elapsed_ms,
                attempt,
            )
            status = response.status_code
            if status == 429 or status >= 500:
                wait = parse_retry_after(response.headers.get("Retry-After"))
                where = f"{method} {path}: HTTP {status}"
                if wait is not None and wait > transport.read_timeout:
                    # Longer than a recruiter waits for one page: say when to come back.
                    raise busy(wait, f"{where}, Retry-After {wait:.0f}s > READ_TIMEOUT")
                if attempt <= retries:
                    self._backoff(transport, attempt, wait, method, path, f"HTTP {status}")
                    continue
                if status == 429:
                    raise busy(wait, f"{where} after {attempt} attempt(s)")
            return _decode(response, transport, method, path)

    def _backoff(
        self,
        transport: Transport,
        attempt: int,
        retry_after: float | None,
        method: str,
        path: str,
        why: str,
    ) -> None:
        """Sleep before the next attempt: ``Retry-After`` when the answer gave one (callers
        never pass one above ``READ_TIMEOUT``), else the exponential backoff."""
        delay = transport.backoff * (2 ** (attempt - 1)) if retry_after is None else retry_after
        delay = max(0.0, delay)
        logger.warning("HrFlow.ai %s %s: %s, retrying in %.2f s", method, path, why, delay)
        self._sleep(delay)


def endpoint_url(transport: Transport, path: str) -> str:
    return transport.api_url.rstrip("/") + "/" + path.lstrip("/")


def get_url(transport: Transport, path: str, query: Mapping[str, Any]) -> str:
    """The URL ``requests`` would send for a GET of ``query`` (its length decides GET/POST)."""
    prepared = requests.Request("GET", endpoint_url(transport, path), params=query).prepare()
    return str(prepared.url)


def busy(retry_after: float | None, detail: str) -> BackendBusy:
    """HrFlow.ai asks us to wait: "busy, try again in N s" (N rounded up), or in a minute."""
    seconds = math.ceil(retry_after) if retry_after is not None else None
    if seconds:
        message = f"HrFlow.ai is busy. Try again in {seconds} s."
    else:
        message = "HrFlow.ai is receiving too many requests. Try again in a minute."
    return BackendBusy(message, retry_after=seconds, detail=detail)


def _decode(
    response: requests.Response, transport: Transport, method: str, path: str
) -> dict[str, Any]:
    """The JSON envelope of a success, or the typed error of a failure.

    HrFlow.ai's body ``code`` may differ from the HTTP status (the SDK trusts the body), so a
    call fails if either one says so, and either one can name the kind of failure.
    """
    status = response.status_code
    try:
        body: Any = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        body = None
    code = body.get("code") if body is not None else None
    code = code if isinstance(code, int) and not isinstance(code, bool) else status
    message = str(body.get("message", "")) if body is not None else ""
    message = scrub(message, transport.api_key)
    where = f"{method} {path}: HTTP {status}, code {code}"
    if status < 300 and code < 300:
        if body is None:
            ctype = response.headers.get("Content-Type", "")
            raise UnexpectedResponse(detail=f"{where}: not a JSON object ({ctype or 'no type'})")
        return body
    raise error_for(status, code, message, where)


def error_for(status: int, code: int, message: str, where: str) -> BackendError:
    """Map one failed answer to the exception a recruiter's page can explain."""
    codes = {status, code}
    detail = f"{where}: {message}" if message else where
    if 401 in codes or 403 in codes:
        return AuthenticationFailed(detail=detail)
    if 402 in codes:
        return QuotaExceeded(detail=detail)
    found = NOT_FOUND_RE.search(message)
    if found:
        obj = (found.group(1) or "").lower()
        if obj in CONFIG_OBJECTS:
            return BackendMisconfigured(
                f"HrFlow.ai does not know the configured {obj} key. "
                "Ask an administrator to check the HrFlow.ai settings.",
                detail=detail,
            )
        return ObjectNotIndexed(detail=detail)
    if 429 in codes:
        return busy(None, detail)
    if status >= 500 or code >= 500:
        return BackendUnavailable(
            "HrFlow.ai is having trouble right now. Try again in a few minutes.", detail=detail
        )
    if 300 <= status < 400:
        return UnexpectedResponse(detail=f"{detail} (redirects are not followed)")
    text = f"HrFlow.ai refused the request: {message}" if message else None
    return UnexpectedResponse(text, detail=detail)


def scrub(text: str, secret: str) -> str:
    """``text`` without the API key (HrFlow.ai echoes a wrong key in its 401 message)."""
    if secret and secret in text:
        text = text.replace(secret, "***")
    # Any other API-key-shaped token too: a key from another tenant must not leak either.
    return re.sub(r"ask[rw]?_[0-9a-fA-F]{8,}", "***", text)
