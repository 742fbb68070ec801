"""What a matching request does, shared by the recruiter pages and the JSON API.

Load the subject (a job or a candidate) by reference within the request's tenant, ask the
tenant's backend for a page of scored references, then load the CRM rows of that page in one
query. Archived rows and other tenants' rows are never loaded, so they are never shown: an
unknown, archived or foreign reference is a 404 whatever the backend says.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Model, QuerySet
from django.http import Http404

from hrflow_matching.backends import get_backend
from hrflow_matching.backends.base import Criteria, MatchingBackend, ResultPage
from hrflow_matching.conf import get_settings
from hrflow_matching.documents import is_remote
from hrflow_matching.registry import BaseAdapter, Kind, get_kind_adapter


@dataclass(frozen=True)
class Mode:
    """One of the four matching flows: what is ranked, around what, by which backend call."""

    name: str
    result_kind: Kind
    subject_kind: Kind | None
    call: Callable[[MatchingBackend, str | None, Criteria], ResultPage]

    @property
    def is_search(self) -> bool:
        return self.subject_kind is None


MODES: dict[str, Mode] = {
    "profiles_for_job": Mode(
        "profiles_for_job", "profile", "job", lambda b, ref, c: b.score_profiles(ref, c)
    ),
    "jobs_for_profile": Mode(
        "jobs_for_profile", "job", "profile", lambda b, ref, c: b.score_jobs(ref, c)
    ),
    "search_profiles": Mode(
        "search_profiles", "profile", None, lambda b, _r, c: b.search_profiles(c)
    ),
    "search_jobs": Mode("search_jobs", "job", None, lambda b, _r, c: b.search_jobs(c)),
}


def scoped_queryset(adapter: BaseAdapter, tenant: str | None) -> QuerySet:
    """Active rows of ``adapter``'s model within ``tenant`` (unscoped when tenant is None)."""
    queryset = adapter.get_queryset()
    if tenant is not None and adapter.tenant_field:
        queryset = queryset.filter(**{adapter.tenant_field: tenant})
    archived = adapter.archived_q()
    if archived is not None:
        queryset = queryset.exclude(archived)
    return queryset


def load_subject(kind: Kind, reference: str, tenant: str | None) -> tuple[BaseAdapter, Model]:
    """The job or candidate a page is about; 404 when unknown, archived or another tenant's.

    A reference the reference field cannot hold is unknown too (``find_by_reference``).
    """
    adapter = get_kind_adapter(kind)
    obj = adapter.find_by_reference(scoped_queryset(adapter, tenant), reference)
    if obj is None:
        raise Http404(f"No active {kind} with reference {reference!r}.")
    return adapter, obj


def load_rows(
    adapter: BaseAdapter, references: Iterable[str], tenant: str | None
) -> dict[str, Model]:
    """CRM rows of a result page in one query (plus the adapter's prefetches), by reference."""
    refs = list(dict.fromkeys(references))
    if not refs:
        return {}
    queryset = scoped_queryset(adapter, tenant).filter(
        **{f"{adapter.reference_lookup()}__in": refs}
    )
    return {adapter.get_reference(obj): obj for obj in queryset}


@dataclass
class MatchResult:
    """A page of results with the CRM rows and HrFlow documents that survived the scoping."""

    page: ResultPage
    rows: list[tuple[Any, Model, dict[str, Any]]]  # (ScoredItem, row, document)
    adapter: BaseAdapter
    hidden: int  # items the backend returned that are archived or outside the tenant


def run(
    mode: Mode, criteria: Criteria, tenant: str | None, subject_reference: str | None = None
) -> MatchResult:
    """Ask the tenant's backend and join its answer with the CRM rows.

    Raises :class:`~hrflow_matching.backends.base.BackendError` or
    :class:`~hrflow_matching.tenancy.TenantNotConfigured`; callers turn them into a message.
    """
    backend = get_backend(tenant=tenant)
    page = mode.call(backend, subject_reference, criteria)
    adapter = get_kind_adapter(mode.result_kind)
    by_ref = load_rows(adapter, (item.reference for item in page.items), tenant)
    found = [(item, by_ref[item.reference]) for item in page.items if item.reference in by_ref]
    # Documents the backend did not return are built in one batch (the HrFlow.ai backend).
    built = iter(adapter.to_documents([obj for item, obj in found if not item.document]))
    rows = [(item, obj, item.document or next(built)) for item, obj in found]
    return MatchResult(page=page, rows=rows, adapter=adapter, hidden=len(page.items) - len(rows))


# -- the form's first values, from the subject's own document ---------------------------------
def document_location(document: dict[str, Any]) -> dict[str, Any]:
    """The location object of a Profile (``info.location``) or a Job (``location``)."""
    loc = document.get("location")
    if loc is None:
        loc = (document.get("info") or {}).get("location")
    return loc or {}


def document_skills(document: dict[str, Any]) -> list[str]:
    return [s["name"] for s in document.get("skills") or [] if s.get("name")]


def experience_range(document: dict[str, Any]) -> tuple[float | None, float | None]:
    """A job's required years: the ``ranges_float`` entry in years about experience."""
    for entry in document.get("ranges_float") or []:
        name = str(entry.get("name") or "").lower()
        unit = str(entry.get("unit") or "").lower()
        if "experience" in name or unit in {"year", "years"}:
            return entry.get("value_min"), entry.get("value_max")
    return None, None


def initial_data(mode: Mode, document: dict[str, Any] | None) -> dict[str, Any]:
    """Form data of the first view: around the subject's location, from its minimum experience.

    The distance is measured from the subject itself (no coordinates in the form: the page
    names the subject's city instead). Not around a remote job or a candidate open to remote
    work: the distance would hide the results that fit best (remote jobs far away, candidates
    anywhere). Location still ranks.

    Only the job's minimum experience filters: the experience criterion already scores the
    upper bound (a little less per extra year), and filtering on it hid the candidates who fit
    best (2 of 1,430 left for a job asking 21–25 years). The page says which filters come from
    the subject and what removing each would show.

    The subject's skills are not made required: the backend already scores them, and requiring
    all of them would empty most pages. They are shown beside the form instead.
    """
    pages = get_settings()["PAGES"]
    data: dict[str, Any] = {"limit": pages["PAGE_SIZE"]}
    if document is None:
        return data
    loc = document_location(document)
    if loc.get("lat") is not None and loc.get("lng") is not None and not is_remote(document):
        data["location_distance"] = pages["DEFAULT_DISTANCE_KM"]
    if mode.subject_kind == "job":
        low, _high = experience_range(document)
        if low:
            data["experiences_duration_min"] = _plain(low)
    return data


def _plain(value: float) -> float | int:
    """2.0 → 2, so the form shows "2" rather than "2.0"."""
    return int(value) if float(value).is_integer() else value
