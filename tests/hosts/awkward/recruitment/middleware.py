"""The HRMS's company switcher: the default managers filter by the selected company."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from .models import selected_company


def selected_company_middleware(
    get_response: Callable[[HttpRequest], HttpResponse],
) -> Callable[[HttpRequest], HttpResponse]:
    def middleware(request: HttpRequest) -> HttpResponse:
        raw = request.COOKIES.get("company") or "1"
        token = selected_company.set(int(raw) if raw.isdigit() else None)
        try:
            return get_response(request)
        finally:
            selected_company.reset(token)

    return middleware
