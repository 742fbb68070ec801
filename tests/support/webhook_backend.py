"""A tiny matching backend for the INDEX flow tests: it records index/archive calls."""

from __future__ import annotations

from typing import Any

CALLS: list[tuple[str | None, str, str, list[str]]] = []


class RecordingIndexBackend:
    """Named by dotted path in ``HRFLOW_MATCHING["BACKEND"]``; only what indexing uses."""

    fail = False

    def __init__(self, tenant: str | None = None, **options: Any) -> None:
        self.tenant = tenant

    def index(self, kind: str, documents: list[dict[str, Any]]) -> None:
        if type(self).fail:
            raise RuntimeError("backend down")
        CALLS.append((self.tenant, "index", kind, [d["reference"] for d in documents]))

    def archive(self, kind: str, references: list[str]) -> None:
        if type(self).fail:
            raise RuntimeError("backend down")
        CALLS.append((self.tenant, "archive", kind, list(references)))
