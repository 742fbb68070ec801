"""Throttles beyond the per-key one: failed key attempts per address, session users per user.

An API key is 43 random characters, so guessing one is hopeless; a client trying key after key
still costs a query each and fills the logs, so failed attempts are counted per client address
(``API["FAILED_KEY_RATE"]``) and past the rate every attempt from that address is a 429, the
right key included, until the window has passed. Session users of the JSON matching API
(``API["SESSION_THROTTLE_RATE"]``) and of the recruiter pages (``PAGES["THROTTLE_RATE"]``) get
a bucket per user: each search ranks the whole index. Rates are DRF's ``"N/period"``, read per
request (never at import); None turns a throttle off. A 429 carries ``Retry-After``.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from rest_framework import exceptions, throttling

from ..conf import get_settings


class SettingRateThrottle(throttling.SimpleRateThrottle):
    """A DRF throttle whose rate is ``HRFLOW_MATCHING[section][key]``, read per request."""

    section = "API"
    key = "THROTTLE_RATE"

    def __init__(self) -> None:  # the rate is read per request, never at import
        pass

    def configured(self) -> bool:
        self.rate = get_settings()[self.section].get(self.key)
        if not self.rate:
            return False
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return True

    def allow_request(self, request: Any, view: Any) -> bool:
        return True if not self.configured() else super().allow_request(request, view)


class FailedKeyThrottle(SettingRateThrottle):
    """Failed ``X-API-KEY`` attempts per client address (``REMOTE_ADDR``, or the address DRF's
    ``NUM_PROXIES`` picks from ``X-Forwarded-For``)."""

    scope = "hrflow_failed_key"
    key = "FAILED_KEY_RATE"

    def get_cache_key(self, request: Any, view: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}

    def check(self, request: Any) -> None:
        """Raise :class:`~rest_framework.exceptions.Throttled` while the address is blocked."""
        if not self.configured():
            return
        self.key_ = self.get_cache_key(request, None)
        self.history = self.cache.get(self.key_, [])
        self.now = self.timer()
        while self.history and self.history[-1] <= self.now - self.duration:
            self.history.pop()
        if len(self.history) >= self.num_requests:
            raise exceptions.Throttled(
                wait=self.wait(), detail="Too many failed API key attempts from your address."
            )

    def failed(self, request: Any) -> None:
        """Count one failed attempt from the request's address."""
        if not self.configured():
            return
        key = self.get_cache_key(request, None)
        now = self.timer()
        history = [t for t in self.cache.get(key, []) if t > now - self.duration]
        self.cache.set(key, [now, *history], self.duration)


class UserRateThrottle(SettingRateThrottle):
    """One bucket per signed-in user; requests authenticated by an API key are not counted
    here (the per-key throttle counts them)."""

    scope = "hrflow_session"
    key = "SESSION_THROTTLE_RATE"

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        from ..models import ApiKey

        if isinstance(getattr(request, "auth", None), ApiKey):
            return None
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": user.pk}


class PageRateThrottle(UserRateThrottle):
    """The recruiter pages, per user (``PAGES["THROTTLE_RATE"]``)."""

    scope = "hrflow_pages"
    section = "PAGES"
    key = "THROTTLE_RATE"


def page_wait(request: HttpRequest) -> float | None:
    """Seconds a page request must wait, or None when it may go on."""
    throttle = PageRateThrottle()
    if throttle.allow_request(request, None):
        return None
    return throttle.wait() or 1.0
