"""The HrFlow.ai backend: Scoring and Searching APIs, and the storing API for push accounts.

Configuration comes from ``tenancy.get_tenant_config(self.tenant)`` on every call, so a backend
bound to tenant A only ever sends A's keys; a tenant without configuration raises
:class:`~hrflow_matching.tenancy.TenantNotConfigured` before any request is made. Transport
(headers, timeouts, retries, typed errors) lives in :mod:`.client`, the encodings in
:mod:`.wire`.

Options (``HrFlowBackend(tenant=..., sleep=..., backoff=...)``) exist for tests and tuning;
settings stay in ``HRFLOW_MATCHING["HRFLOW"]`` / ``["TENANTS"]``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from typing import Any

from hrflow_matching.backends.base import (
    BackendError,
    BackendMisconfigured,
    Criteria,
    Health,
    MatchingBackend,
    ObjectNotIndexed,
    ResultPage,
)
from hrflow_matching.backends.hrflow.client import HrFlowClient, Transport
from hrflow_matching.backends.hrflow.wire import (
    JOBS_SCORING,
    JOBS_SEARCHING,
    PROFILES_SCORING,
    PROFILES_SEARCHING,
    build,
    criteria_params,
    parse_page,
)
from hrflow_matching.registry import Kind
from hrflow_matching.tenancy import TenantNotConfigured, get_tenant_config

logger = logging.getLogger("hrflow_matching.backends.hrflow")

#: Per kind: storing path, container key name, and the config key holding the container.
STORING = {
    "profile": ("profile/indexing", "source_key"),
    "job": ("job/indexing", "board_key"),
}


class HrFlowBackend(MatchingBackend):
    """Matching through HrFlow.ai, as documented in ``reference/hrflow-api.md``."""

    def __init__(self, *, tenant: str | None = None, **options: Any) -> None:
        super().__init__(tenant=tenant, **options)
        get_tenant_config(tenant)  # fail now, clearly, for a tenant with no configuration
        self.client = HrFlowClient(sleep=options.get("sleep", time.sleep))

    # -- configuration -----------------------------------------------------------------

    def config(self) -> dict[str, Any]:
        """This tenant's HrFlow.ai settings, read per call (providers may rotate keys)."""
        return get_tenant_config(self.tenant)

    def transport(self, config: dict[str, Any]) -> Transport:
        if not config.get("API_KEY") or not config.get("USER_EMAIL"):
            raise BackendMisconfigured(
                "HrFlow.ai is not configured: the API key or the user email is missing. "
                "Ask an administrator.",
                detail=f"tenant {self.tenant!r}: API_KEY or USER_EMAIL empty",
            )
        return Transport(
            api_url=str(config.get("API_URL") or "https://api.hrflow.ai/v1/"),
            api_key=str(config["API_KEY"]),
            user_email=str(config["USER_EMAIL"]),
            connect_timeout=float(config.get("CONNECT_TIMEOUT") or 3.05),
            read_timeout=float(config.get("READ_TIMEOUT") or 15.0),
            max_retries=max(0, int(config.get("MAX_RETRIES") or 0)),
            backoff=float(self.options.get("backoff", 0.5)),
            method=str(config.get("METHOD") or "AUTO").upper(),
            max_url_length=int(config.get("MAX_URL_LENGTH") or 4000),
        )

    def _require(self, config: dict[str, Any], *names: str) -> None:
        missing = [
            name
            for name in names
            if not (source_keys(config) if name == "SOURCE_KEYS" else config.get(name))
        ]
        if missing:
            raise BackendMisconfigured(
                f"HrFlow.ai is not configured: {', '.join(missing)} missing. Ask an administrator.",
                detail=f"tenant {self.tenant!r}: {missing} empty",
            )

    def _get(self, config: dict[str, Any], path: str, params: dict[str, Any]) -> dict[str, Any]:
        return self.client.request(self.transport(config), "GET", path, params=params)

    def _query(
        self, config: dict[str, Any], endpoint: str, fixed: dict[str, Any], criteria: Criteria
    ) -> dict[str, Any]:
        """One searching/scoring call: ``fixed`` (by our names) and the criteria, GET or POST."""
        params = {**build(endpoint, fixed), **criteria_params(criteria, endpoint)}
        return self.client.query(self.transport(config), endpoint, params)

    # -- matching ------------------------------------------------------------------------

    def score_profiles(self, job_reference: str, criteria: Criteria) -> ResultPage:
        config = self.config()
        self._require(config, "ALGORITHM_KEY", "SOURCE_KEYS", "BOARD_KEY")
        fixed = {
            **_scoring(config),
            "source_keys": source_keys(config),
            "board_key": config["BOARD_KEY"],
            "job_reference": job_reference,
        }
        body = self._query(config, PROFILES_SCORING, fixed, criteria)
        return parse_page(body, "profiles", criteria, scored=True)

    def score_jobs(self, profile_reference: str, criteria: Criteria) -> ResultPage:
        """Jobs for a profile. The call names one source, so each configured source is asked
        in turn until one holds the profile: a profile of the second source is not "not
        indexed yet" (the first one's answer)."""
        config = self.config()
        self._require(config, "ALGORITHM_KEY", "SOURCE_KEYS", "BOARD_KEY")
        fixed = {
            **_scoring(config),
            "board_keys": [config["BOARD_KEY"]],
            "profile_reference": profile_reference,
        }
        *others, last = source_keys(config)
        for source in others:
            try:
                body = self._query(config, JOBS_SCORING, {**fixed, "source_key": source}, criteria)
            except ObjectNotIndexed:
                continue
            return parse_page(body, "jobs", criteria, scored=True)
        body = self._query(config, JOBS_SCORING, {**fixed, "source_key": last}, criteria)
        return parse_page(body, "jobs", criteria, scored=True)

    def search_profiles(self, criteria: Criteria) -> ResultPage:
        config = self.config()
        self._require(config, "SOURCE_KEYS")
        fixed = {"source_keys": source_keys(config), **_search_order(criteria)}
        body = self._query(config, PROFILES_SEARCHING, fixed, criteria)
        return parse_page(body, "profiles", criteria, scored=False)

    def search_jobs(self, criteria: Criteria) -> ResultPage:
        config = self.config()
        self._require(config, "BOARD_KEY")
        fixed = {"board_keys": [config["BOARD_KEY"]], **_search_order(criteria)}
        body = self._query(config, JOBS_SEARCHING, fixed, criteria)
        return parse_page(body, "jobs", criteria, scored=False)

    # -- storing (push accounts only) ----------------------------------------------------

    def _container(self, config: dict[str, Any], kind: Kind) -> tuple[str, str, str]:
        path, field = STORING[kind]
        if kind == "profile":
            self._require(config, "SOURCE_KEYS")
            return path, field, source_keys(config)[0]
        self._require(config, "BOARD_KEY")
        return path, field, str(config["BOARD_KEY"])

    def index(self, kind: Kind, documents: Sequence[dict[str, Any]]) -> None:
        """Upsert each document when ``PUSH`` is on: look it up by reference, then PUT or POST.

        Profiles go to the first of ``SOURCE_KEYS``, jobs to ``BOARD_KEY``. PUT replaces the
        whole object (the safe reading of HrFlow.ai's edit semantics), so it sends the stored
        object with the CRM document's fields over it, as HrFlow.ai's own connectors do: what
        only HrFlow.ai holds (labels set by recruiters there, attachments…) is kept.
        """
        config = self.config()
        if not config.get("PUSH") or not documents:
            return
        path, field, container = self._container(config, kind)
        transport = self.transport(config)
        for document in documents:
            reference = document.get("reference")
            if not reference:
                raise BackendError(
                    "A document without a reference cannot be indexed.",
                    detail=f"{kind} document without reference",
                )
            try:
                current = self.client.request(
                    transport, "GET", path, params={field: container, "reference": reference}
                )
            except ObjectNotIndexed:
                current = {}
            stored = current.get("data") if isinstance(current.get("data"), dict) else None
            body = {k: v for k, v in document.items() if k != "key"}
            body[field] = container
            if stored and stored.get("key"):
                body = {**stored, **body, "key": stored["key"]}
                self.client.request(transport, "PUT", path, json=body)
                logger.info("HrFlow.ai %s %s edited", kind, reference)
                if stored.get("archived_at") and not document.get("archived_at"):
                    # Restored in the CRM: an edit does not unarchive (is_archive=0 does).
                    unarchive = {field: container, "reference": reference, "is_archive": 0}
                    self.client.request(transport, "PATCH", f"{path}/archive", json=unarchive)
                    logger.info("HrFlow.ai %s %s unarchived", kind, reference)
            else:
                self.client.request(transport, "POST", path, json=body)
                logger.info("HrFlow.ai %s %s created", kind, reference)

    def archive(self, kind: Kind, references: Sequence[str]) -> None:
        """Archive each reference when ``PUSH`` is on; one already gone is not an error."""
        config = self.config()
        if not config.get("PUSH") or not references:
            return
        path, field, container = self._container(config, kind)
        transport = self.transport(config)
        for reference in references:
            body = {field: container, "reference": reference, "is_archive": 1}
            try:
                self.client.request(transport, "PATCH", f"{path}/archive", json=body)
            except ObjectNotIndexed:
                logger.info("HrFlow.ai %s %s already absent", kind, reference)

    # -- health --------------------------------------------------------------------------

    def health(self) -> Health:
        """``GET auth``: the only key-checking call HrFlow.ai has (there is no ping)."""
        try:
            config = self.config()
            body = self._get(config, "auth", {})
        except BackendError as exc:
            return Health(False, exc.message)
        except TenantNotConfigured as exc:
            return Health(False, str(exc))
        data = body.get("data") if isinstance(body.get("data"), dict) else {}
        team = data.get("team_name") or "unknown team"
        permission = data.get("api_key_permission") or "unknown"
        return Health(True, f"HrFlow.ai answered for {team} (key permission: {permission}).")


def source_keys(config: dict[str, Any]) -> list[str]:
    """``SOURCE_KEYS`` as a list (a provider may hand a comma-separated string)."""
    value = config.get("SOURCE_KEYS") or []
    if isinstance(value, str):
        value = value.split(",")
    return [str(key).strip() for key in value if str(key).strip()]


def _scoring(config: dict[str, Any]) -> dict[str, Any]:
    """What both scoring calls send first: the algorithm, ``use_algorithm=1`` as HrFlow.ai's
    own notebooks send it with ``algorithm_key``, ``use_agent=1`` as the SDK sends it, and
    the best scores first."""
    return {
        "algorithm_key": config["ALGORITHM_KEY"],
        "use_algorithm": 1,
        "use_agent": 1,
        "sort_by": "scoring",
        "order_by": "desc",
    }


def _search_order(criteria: Criteria) -> dict[str, str]:
    """Relevance order when there are keywords to be relevant to; else newest first."""
    sort_by = "searching" if criteria.text_keywords else "created_at"
    return {"sort_by": sort_by, "order_by": "desc"}
