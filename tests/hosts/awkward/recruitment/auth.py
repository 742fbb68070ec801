"""A JWT-style authentication class: ``Authorization: Bearer <token>``, no session."""

from __future__ import annotations

from typing import Any

from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed


class BearerAuthentication(BaseAuthentication):
    def authenticate(self, request: Any) -> Any:
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if not header.startswith("Bearer "):
            return None
        raise AuthenticationFailed("This host's tokens are not the app's business.")

    def authenticate_header(self, request: Any) -> str:
        return 'Bearer realm="api"'
