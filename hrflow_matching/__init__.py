"""django-hrflow-matching: HrFlow.ai matching for Django CRMs.

The public names are imported lazily so that ``import hrflow_matching`` works before Django's
app registry is ready (in ``settings.py``, in a wheel smoke test).
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

_PUBLIC = {
    "register": "hrflow_matching.registry",
    "ProfileAdapter": "hrflow_matching.registry",
    "JobAdapter": "hrflow_matching.registry",
    "RegistrationError": "hrflow_matching.registry",
    "paused": "hrflow_matching.notify.events",
    "deferred": "hrflow_matching.notify.events",
    "sync": "hrflow_matching.notify.events",
    "record": "hrflow_matching.notify.events",
    "EVENT_TYPES": "hrflow_matching.notify.events",
    "get_backend": "hrflow_matching.backends",
}

__all__ = ["__version__", *_PUBLIC]


def __getattr__(name: str) -> Any:
    if name in _PUBLIC:
        return getattr(import_module(_PUBLIC[name]), name)
    raise AttributeError(f"module 'hrflow_matching' has no attribute {name!r}")
