"""Helpers for host projects' tests: a recording backend and a settings override.

A CRM that adds ``hrflow_matching`` wants to test its own code (a view that shows matches, a
task that archives a job) without HrFlow.ai and without building the local index. Two tools:

``recording_backend()``
    Switches ``HRFLOW_MATCHING["BACKEND"]`` to :class:`RecordingBackend` for the block and
    yields its :class:`Recorder`: every ``score_*``, ``search_*``, ``index``, ``archive`` and
    ``health`` call is appended to ``recorder.calls`` (like ``django.core.mail.outbox``), and
    each method answers what ``recorder.results[method]`` says::

        from hrflow_matching.testing import recording_backend

        def test_job_page_lists_matches(client):
            with recording_backend() as recorder:
                recorder.results["score_profiles"] = ["cand-1", ("cand-2", 0.4)]
                response = client.get("/hrflow/matching/jobs/job-1/")
            assert recorder.calls[0].method == "score_profiles"
            assert recorder.calls[0].args["job_reference"] == "job-1"

    A result is a :class:`ResultPage`, a list of references / ``(reference, score)`` pairs /
    :class:`ScoredItem` (paged with the call's criteria), a callable receiving the call's
    arguments, or an exception instance to raise (``ObjectNotIndexed()`` to test the error
    page). The default is an empty page, and ``Health(True, ...)`` for ``health``.

    As a pytest fixture::

        @pytest.fixture
        def hrflow_recorder():
            with recording_backend() as recorder:
                yield recorder

``override_hrflow_settings(**changes)``
    ``override_settings`` for the one ``HRFLOW_MATCHING`` dict, merged as the settings are
    merged with their defaults (``conf.merge_nested``): values that are not dicts are replaced,
    dicts are merged key by key at every depth, so ``override_hrflow_settings(HRFLOW={"PUSH":
    True})`` keeps the API key and ``LOCAL={"WEIGHTS": {"skills": 1.0}}`` keeps the project's
    other weights. ``TENANTS`` is replaced whole, as in the settings themselves. Works as a
    decorator or a context manager; the merge is computed when it is entered, so overrides
    nest.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.test.utils import override_settings

from .backends.base import (
    Criteria,
    CriterionScore,
    Health,
    MatchingBackend,
    ResultPage,
    ScoredItem,
)
from .conf import merge_nested
from .registry import Kind


def merge_hrflow_settings(current: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """``current`` (a ``HRFLOW_MATCHING`` dict) with ``changes`` merged in as ``get_settings``
    merges the settings with their defaults, so that an override of one nested key (a weight)
    keeps the project's other values instead of falling back to the defaults."""
    return merge_nested(current, changes)


class override_hrflow_settings(override_settings):
    """``override_settings(HRFLOW_MATCHING=<current merged with changes>)``."""

    def __init__(self, **changes: Any) -> None:
        self.changes = changes
        super().__init__(HRFLOW_MATCHING=self._merged())

    def _merged(self) -> dict[str, Any]:
        current = getattr(settings, "HRFLOW_MATCHING", {}) or {}
        return merge_hrflow_settings(current, self.changes)

    def enable(self) -> None:
        self.options = {"HRFLOW_MATCHING": self._merged()}
        super().enable()


@dataclass(frozen=True, slots=True)
class RecordedCall:
    method: str  # "score_profiles", "score_jobs", "search_profiles", "search_jobs", ...
    tenant: str | None
    args: dict[str, Any]


@dataclass
class Recorder:
    """What a :class:`RecordingBackend` was asked, and what it should answer."""

    calls: list[RecordedCall] = field(default_factory=list)
    results: dict[str, Any] = field(default_factory=dict)

    def calls_to(self, method: str) -> list[RecordedCall]:
        return [call for call in self.calls if call.method == method]

    def clear(self) -> None:
        self.calls.clear()
        self.results.clear()


#: The recorder of RecordingBackends made outside ``recording_backend()``.
default_recorder = Recorder()
_active: list[Recorder] = []


def current_recorder() -> Recorder:
    return _active[-1] if _active else default_recorder


class RecordingBackend(MatchingBackend):
    """A backend that records every call and answers from its :class:`Recorder`.

    ``RecordingBackend(recorder=...)`` pins a recorder; otherwise the one of the innermost
    ``recording_backend()`` block (or :data:`default_recorder`) is used, read on every call,
    because ``get_backend()`` caches instances per process.
    """

    def __init__(self, *, tenant: str | None = None, **options: Any) -> None:
        super().__init__(tenant=tenant, **options)
        self._recorder: Recorder | None = options.get("recorder")

    @property
    def recorder(self) -> Recorder:
        return self._recorder or current_recorder()

    def _record(self, method: str, **args: Any) -> Any:
        self.recorder.calls.append(RecordedCall(method, self.tenant, args))
        result = self.recorder.results.get(method)
        if isinstance(result, BaseException):
            raise result
        if callable(result) and not isinstance(result, ResultPage):
            result = result(**args)
        return result

    def _page(self, method: str, criteria: Criteria, **args: Any) -> ResultPage:
        result = self._record(method, criteria=criteria, **args)
        if result is None:
            return ResultPage.empty(criteria)
        if isinstance(result, ResultPage):
            return result
        return page_of(result, criteria)

    def score_profiles(self, job_reference: str, criteria: Criteria) -> ResultPage:
        return self._page("score_profiles", criteria, job_reference=job_reference)

    def score_jobs(self, profile_reference: str, criteria: Criteria) -> ResultPage:
        return self._page("score_jobs", criteria, profile_reference=profile_reference)

    def search_profiles(self, criteria: Criteria) -> ResultPage:
        return self._page("search_profiles", criteria)

    def search_jobs(self, criteria: Criteria) -> ResultPage:
        return self._page("search_jobs", criteria)

    def index(self, kind: Kind, documents: Sequence[dict[str, Any]]) -> None:
        self._record("index", kind=kind, documents=list(documents))

    def archive(self, kind: Kind, references: Sequence[str]) -> None:
        self._record("archive", kind=kind, references=list(references))

    def health(self) -> Health:
        result = self._record("health")
        return result if isinstance(result, Health) else Health(True, "Recording backend.")


def page_of(results: Sequence[Any], criteria: Criteria) -> ResultPage:
    """Page a list of references, ``(reference, score)`` pairs or items with ``criteria``."""
    items = [_item(result, rank, len(results)) for rank, result in enumerate(results)]
    if criteria.score_threshold is not None:
        items = [item for item in items if item.score >= criteria.score_threshold]
    total = len(items)
    limit = max(1, criteria.limit)
    start = (criteria.page - 1) * limit
    return ResultPage(
        items=tuple(items[start : start + limit]),
        page=criteria.page,
        last_page=(total + limit - 1) // limit,
        total=total,
        limit=criteria.limit,
    )


def _item(result: Any, rank: int, count: int) -> ScoredItem:
    if isinstance(result, ScoredItem):
        return result
    if isinstance(result, tuple):
        reference, score = result
    else:
        reference, score = result, 1.0 - rank / max(count, 1)
    score = float(score)
    return ScoredItem(
        reference=str(reference),
        score=score,
        explanation=(CriterionScore("recorded", score, 1.0),),
    )


@contextlib.contextmanager
def recording_backend(**settings_changes: Any) -> Iterator[Recorder]:
    """Use :class:`RecordingBackend` for the block; yield a fresh :class:`Recorder`."""
    recorder = Recorder()
    _active.append(recorder)
    try:
        with override_hrflow_settings(
            BACKEND="hrflow_matching.testing.RecordingBackend", **settings_changes
        ):
            yield recorder
    finally:
        _active.remove(recorder)


__all__: list[str] = [
    "RecordedCall",
    "Recorder",
    "RecordingBackend",
    "current_recorder",
    "default_recorder",
    "merge_hrflow_settings",
    "override_hrflow_settings",
    "page_of",
    "recording_backend",
]
