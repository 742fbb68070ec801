"""The embedded local matching engine (no HrFlow.ai account, no network).

Modules: ``text`` (normalisation, tokens), ``taxonomy`` (canonical skills and titles),
``documents`` (HrFlow documents -> index rows), ``snapshot`` (the in-process arrays and BM25
model), ``store`` (database reads/writes and the generation stamp), ``filters`` (SQL filters),
``scoring`` (criteria), ``backend`` (:class:`LocalBackend`).

``LocalBackend`` is imported lazily so that helpers such as ``text`` can be used by scripts
without configuring Django.
"""

from __future__ import annotations

from typing import Any

__all__ = ["LocalBackend"]


def __getattr__(name: str) -> Any:
    if name == "LocalBackend":
        from .backend import LocalBackend

        return LocalBackend
    raise AttributeError(name)
