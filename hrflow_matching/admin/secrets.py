"""Secrets shown once, in the response itself.

A new API key or webhook signing secret used to travel in a ``messages`` entry: Django's
default message storage is a signed cookie, signed and not encrypted, so the secret sat in the
browser's cookie jar (and in any proxy log of cookies) after it was "shown once". The page that
follows the save or the action now shows it, with ``Cache-Control: no-store``; nothing keeps it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.cache import add_never_cache_headers

_ATTR = "_hrflow_secrets_shown_once"


@dataclass(frozen=True)
class Secret:
    label: str  # what the secret is for: "API key Puller", "https://… (id 3)"
    value: str
    note: str = ""


def remember(request: HttpRequest, secret: Secret) -> None:
    """Keep a secret on the request (memory only) for :func:`page` to show."""
    request.__dict__.setdefault(_ATTR, []).append(secret)


def remembered(request: HttpRequest) -> list[Secret]:
    return list(request.__dict__.get(_ATTR, []))


def page(request: HttpRequest, title: str, secrets: list[Secret], back_url: str) -> HttpResponse:
    """The page that shows ``secrets`` once; never cached, never put in a cookie."""
    context = {
        **admin.site.each_context(request),
        "title": title,
        "secrets": secrets,
        "back_url": back_url,
    }
    response = TemplateResponse(request, "hrflow_matching/admin/secrets_once.html", context)
    add_never_cache_headers(response)
    return response
