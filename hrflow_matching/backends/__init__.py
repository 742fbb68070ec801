"""Backend selection: ``HRFLOW_MATCHING["BACKEND"]`` is ``local``, ``hrflow`` or a dotted path."""

from __future__ import annotations

from typing import Any

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.module_loading import import_string

from ..conf import get_settings
from .base import MatchingBackend

ALIASES = {
    "local": "hrflow_matching.backends.local.LocalBackend",
    "hrflow": "hrflow_matching.backends.hrflow.HrFlowBackend",
}

_instances: dict[tuple[str, str | None], MatchingBackend] = {}


def backend_path(name: str | None = None) -> str:
    name = name or get_settings()["BACKEND"]
    return ALIASES.get(name, name)


def get_backend(
    tenant: str | None = None, name: str | None = None, **options: Any
) -> MatchingBackend:
    """The backend of ``tenant`` (cached per process; options bypass the cache)."""
    path = backend_path(name)
    if options:
        return import_string(path)(tenant=tenant, **options)
    key = (path, tenant)
    if key not in _instances:
        _instances[key] = import_string(path)(tenant=tenant)
    return _instances[key]


def reset_backends() -> None:
    _instances.clear()


@receiver(setting_changed)
def _reset_on_settings(*, setting: str, **kwargs: Any) -> None:
    if setting == "HRFLOW_MATCHING":
        reset_backends()
