"""The one small interface every matching backend implements, and the types it returns.

Views, the JSON API and tasks only know this module: whether HrFlow.ai or the local engine
answers, they get a :class:`ResultPage` of :class:`ScoredItem` with an explanation per
criterion, and failures arrive as :class:`BackendError` subclasses with a message a recruiter
can read.
"""

from __future__ import annotations

import abc
import datetime as dt
from collections.abc import Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import Any

from ..registry import Kind

#: A tag criterion: (name, value). ``value`` None matches any value of that tag.
Tag = tuple[str, str | None]


@dataclass(frozen=True, slots=True)
class Criteria:
    """Filter and paging criteria, named as HrFlow.ai names its query parameters."""

    location_lat: float | None = None
    location_lng: float | None = None
    location_distance: float | None = None  # km around (lat, lng)
    text_keywords: tuple[str, ...] = ()
    tags_included: tuple[Tag, ...] = ()
    tags_excluded: tuple[Tag, ...] = ()
    skills: tuple[str, ...] = ()  # required skills (names)
    languages: tuple[str, ...] = ()  # ISO 639-1 codes or names
    experiences_duration_min: float | None = None  # years
    experiences_duration_max: float | None = None
    created_at_min: dt.datetime | None = None
    created_at_max: dt.datetime | None = None
    score_threshold: float | None = None  # in [0, 1]
    page: int = 1
    limit: int = 30

    @property
    def has_location(self) -> bool:
        return (
            self.location_lat is not None
            and self.location_lng is not None
            and self.location_distance is not None
        )


@dataclass(frozen=True, slots=True)
class CriterionScore:
    """One line of an explanation: how an item did on one criterion."""

    name: str  # "skills", "title", "text", "experience", "location", "languages", "freshness"
    score: float  # in [0, 1]
    weight: float  # the weight used, renormalised over the criteria that had data
    evidence: dict[str, Any] = field(default_factory=dict)

    @property
    def contribution(self) -> float:
        return self.score * self.weight


@dataclass(frozen=True, slots=True)
class ScoredItem:
    reference: str
    score: float  # in [0, 1]
    explanation: tuple[CriterionScore, ...] = ()
    #: The HrFlow document when the backend returned one (HrFlow.ai does); else None.
    document: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class ResultPage:
    items: tuple[ScoredItem, ...]
    page: int
    last_page: int
    total: int
    limit: int

    @classmethod
    def empty(cls, criteria: Criteria) -> ResultPage:
        return cls(items=(), page=criteria.page, last_page=0, total=0, limit=criteria.limit)


@dataclass(frozen=True, slots=True)
class Health:
    ok: bool
    detail: str


class BackendError(Exception):
    """A failure of a backend, with a message fit for a recruiter's screen.

    ``status_code`` is what a view answers: 502 when the backend answered wrongly, 503 when it
    could not be reached or is over quota.
    """

    status_code = 502
    default_message = "The matching service failed."

    def __init__(self, message: str | None = None, *, detail: str = "") -> None:
        self.message = message or self.default_message
        self.detail = detail  # technical detail for logs, never secrets
        super().__init__(self.message)


class CriteriaNotSupported(BackendError):
    """The backend cannot apply one of the criteria: the recruiter is told, not silently
    shown results that ignore it (a 400: the request, not the backend, must change)."""

    status_code = 400


class BackendUnavailable(BackendError):
    status_code = 503
    default_message = "The matching service cannot be reached right now. Try again in a minute."


class BackendBusy(BackendUnavailable):
    """The backend asked us to wait (HTTP 429) longer than a recruiter should wait for a page,
    or kept asking until our retries ran out. ``retry_after`` is whole seconds (None when the
    backend did not say); the message tells the recruiter when to try again."""

    default_message = "The matching service is busy. Try again in a minute."

    def __init__(
        self, message: str | None = None, *, retry_after: int | None = None, detail: str = ""
    ) -> None:
        self.retry_after = retry_after
        super().__init__(message, detail=detail)


class AuthenticationFailed(BackendError):
    default_message = "The matching service refused our credentials. Ask an administrator to check the HrFlow.ai API key."


class QuotaExceeded(BackendError):
    status_code = 503
    default_message = "The HrFlow.ai quota of this account is used up. Ask an administrator."


class ObjectNotIndexed(BackendError):
    status_code = 503
    default_message = (
        "This record is not indexed by the matching service yet. Try again in a few minutes."
    )


class UnexpectedResponse(BackendError):
    default_message = "The matching service sent an answer we could not read."


class BackendMisconfigured(BackendError):
    """The backend's own settings are incomplete or name a source/board/algorithm it lacks.

    Distinct from :class:`ObjectNotIndexed` so that a wrong board key is not shown to a
    recruiter as "try again in a few minutes".
    """

    default_message = (
        "The matching service is not configured correctly (source, board or algorithm). "
        "Ask an administrator to check the HrFlow.ai settings."
    )


class MatchingBackend(abc.ABC):
    """Score and search profiles and jobs; keep the backend's copy of documents current.

    A backend instance is bound to one tenant (None for single-tenant CRMs) and never reads or
    writes another tenant's data.
    """

    def __init__(self, *, tenant: str | None = None, **options: Any) -> None:
        self.tenant = tenant
        self.options = options

    @abc.abstractmethod
    def score_profiles(self, job_reference: str, criteria: Criteria) -> ResultPage:
        """Profiles ranked for a job, best first."""

    @abc.abstractmethod
    def score_jobs(self, profile_reference: str, criteria: Criteria) -> ResultPage:
        """Jobs ranked for a profile, best first."""

    @abc.abstractmethod
    def search_profiles(self, criteria: Criteria) -> ResultPage:
        """Profiles matching the criteria, most relevant first."""

    @abc.abstractmethod
    def search_jobs(self, criteria: Criteria) -> ResultPage:
        """Jobs matching the criteria, most relevant first."""

    @abc.abstractmethod
    def index(self, kind: Kind, documents: Sequence[dict[str, Any]]) -> None:
        """Create or replace documents (HrFlow JSON with ``reference``)."""

    @abc.abstractmethod
    def archive(self, kind: Kind, references: Sequence[str]) -> None:
        """Remove documents from matching; unknown references are ignored."""

    @abc.abstractmethod
    def health(self) -> Health:
        """Whether the backend can serve requests, with a short reason."""

    def rebuild(self, kind: Kind, executor: Executor | None = None, parts: int = 1) -> int:
        """Rebuild any in-process copy of ``kind`` this backend serves from, after a bulk load.

        ``hrflow_sync`` calls it once per tenant at the end of a run, with its worker processes
        as ``executor`` and their number as ``parts``. A backend that keeps no such copy (the
        HrFlow.ai backend: the index is HrFlow.ai's) does nothing and returns 0; the local
        engine rebuilds its snapshot and returns how many rows it holds.
        """
        return 0
