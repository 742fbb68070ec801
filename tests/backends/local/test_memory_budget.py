"""Snapshots of many tenants in one process: loaded on first query, released least recently used
first once they pass ``LOCAL["MEMORY_BUDGET_MB"]``, loaded again (memory-mapped, not rebuilt) on
the next query."""

from __future__ import annotations

import mmap

import numpy as np
import pytest
from django.test import override_settings

from hrflow_matching.backends.base import Criteria
from hrflow_matching.backends.local import LocalBackend
from hrflow_matching.backends.local.engine import get_engine, loaded_engines, reset_engines
from tests.support.local_fixtures import BACKEND_JOB, PARIS, job, profile

pytestmark = pytest.mark.django_db
TENANTS = ("acme", "globex", "initech")


def mapped(array: np.ndarray) -> bool:
    """Whether ``array``'s memory is a file mapping (a snapshot loaded from disk)."""
    while array is not None and not isinstance(array, mmap.mmap):
        array = getattr(array, "base", None)
    return isinstance(array, mmap.mmap)


@pytest.fixture
def local(settings, tmp_path):
    hrflow = {**settings.HRFLOW_MATCHING, "LOCAL": {"INDEX_DIR": str(tmp_path / "index")}}
    settings.HRFLOW_MATCHING = hrflow
    reset_engines()
    for tenant in TENANTS:  # the same rows under each tenant: snapshots of the same size
        backend = LocalBackend(tenant=tenant)
        backend.index("job", [job(f"{tenant}-job", **BACKEND_JOB)])
        backend.index(
            "profile",
            [
                profile(
                    f"{tenant}-{n}",
                    title="Python Developer" if n % 2 else "Accountant",
                    skills=("Python", "Django") if n % 2 else ("Microsoft Excel",),
                    where=PARIS,
                    years=n % 9,
                )
                for n in range(40)
            ],
        )
        backend.rebuild("profile")  # published on disk, as a worker or hrflow_sync does
    reset_engines()  # a fresh web process: nothing loaded
    yield hrflow
    reset_engines()


def first_page(tenant: str) -> list[str]:
    page = LocalBackend(tenant=tenant).score_profiles(f"{tenant}-job", Criteria(limit=10))
    return [item.reference for item in page.items]


def budget_for(hrflow: dict, snapshots: float):
    size = get_engine("profile", TENANTS[0]).footprint()
    assert size > 0
    local = {**hrflow["LOCAL"], "MEMORY_BUDGET_MB": snapshots * size / 2**20}
    return override_settings(HRFLOW_MATCHING={**hrflow, "LOCAL": local})


def test_least_recently_used_snapshots_are_released_under_the_budget(local):
    before = first_page("acme")
    assert [e.tenant for e in loaded_engines()] == ["acme"]
    with budget_for(local, 2.5):  # room for two of the three tenants' snapshots
        first_page("globex")
        assert [e.tenant for e in loaded_engines()] == ["acme", "globex"]
        first_page("initech")
        assert [e.tenant for e in loaded_engines()] == ["globex", "initech"]
        assert get_engine("profile", "acme").base is None  # released: the oldest

        first_page("globex")  # used again: now the most recent, initech the oldest
        assert first_page("acme") == before
        assert [e.tenant for e in loaded_engines()] == ["globex", "acme"]


def test_a_tenants_first_query_after_eviction_maps_its_snapshot_again(local, tmp_path):
    before = first_page("acme")
    published = sorted(p.name for p in (tmp_path / "index").rglob("v*"))
    with budget_for(local, 1.5):
        first_page("globex")
        assert get_engine("profile", "acme").base is None
        # A write meanwhile: the reloaded snapshot catches up with it (delta) before answering.
        LocalBackend(tenant="acme").index(
            "profile",
            [
                profile(
                    "acme-new",
                    title="Python Developer",
                    skills=("Python", "Django", "PostgreSQL"),
                    where=PARIS,
                    years=5,
                )
            ],
        )
        after = first_page("acme")
    assert after[0] == "acme-new" and after[1:] == before[:9]
    engine = get_engine("profile", "acme")
    assert mapped(engine.base.ids) and mapped(engine.base.bm25.scores["data"])
    # loaded from the published files, not rebuilt: the snapshot folders are the same
    assert sorted(p.name for p in (tmp_path / "index").rglob("v*")) == published


def test_without_a_budget_every_snapshot_stays(local):
    with override_settings(HRFLOW_MATCHING={**local, "LOCAL": {**local["LOCAL"], "MEMORY_BUDGET_MB": None}}):  # fmt: skip
        for tenant in TENANTS:
            first_page(tenant)
        assert {e.tenant for e in loaded_engines()} == set(TENANTS)
