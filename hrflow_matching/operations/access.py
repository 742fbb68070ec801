"""Who may read the health and metrics endpoints.

They publish numbers only (counts, ages, endpoint ids: never a URL, a tenant or a secret), yet
an outbox depth still tells an outsider how busy a CRM is, so by default only staff users
signed in to the admin may read them. A monitor that cannot sign in sends
``Authorization: Bearer <HRFLOW_MATCHING["HEALTH"]["TOKEN"]>``; ``PUBLIC: True`` opens them to
anyone (a probe on a private network).
"""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.utils.crypto import constant_time_compare

from ..conf import get_settings


def refusal(request: HttpRequest) -> JsonResponse | None:
    """None when ``request`` may read; else the 401/403 answer saying how to be let in."""
    conf = get_settings()["HEALTH"]
    if conf["PUBLIC"]:
        return None
    token = conf["TOKEN"] if isinstance(conf["TOKEN"], str) else ""
    header = request.headers.get("Authorization", "")
    scheme, _, given = header.partition(" ")
    if header:
        if scheme.lower() == "bearer" and token and constant_time_compare(given.strip(), token):
            return None
        return _answer(
            401, "The bearer token is not the one of HRFLOW_MATCHING['HEALTH']['TOKEN']."
        )
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        if user.is_active and user.is_staff:
            return None
        return _answer(403, "Only staff users may read this page.")
    return _answer(
        401,
        "Sign in to the admin as a staff user, or send 'Authorization: Bearer <token>' with "
        "the token of HRFLOW_MATCHING['HEALTH']['TOKEN'].",
    )


def _answer(status: int, detail: str) -> JsonResponse:
    response = JsonResponse({"detail": detail}, status=status)
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="hrflow"'
    response["Cache-Control"] = "no-store"
    return response
