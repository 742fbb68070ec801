"""``hrflow_sync`` fills the local index from the CRM, per tenant, resumably, and removes stale rows."""

from __future__ import annotations

import functools
import io

import pytest
from django.core.management import CommandError, call_command

from example_crm.models import Candidate, JobOffer
from hrflow_matching.backends.base import Criteria
from hrflow_matching.backends.local import LocalBackend
from hrflow_matching.backends.local.engine import reset_engines
from hrflow_matching.models import IndexEntry, SyncCheckpoint

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _local(settings, tmp_path):
    settings.HRFLOW_MATCHING = {
        **settings.HRFLOW_MATCHING,
        "BACKEND": "local",
        "LOCAL": {"INDEX_DIR": str(tmp_path / "index")},
    }
    reset_engines()
    yield
    reset_engines()


def sync(*args: str) -> str:
    out = io.StringIO()
    call_command("hrflow_sync", "--no-progress", *args, stdout=out)
    return out.getvalue()


def seed(**kw: int) -> None:
    args = [f"--{k}={v}" for k, v in kw.items()]
    call_command("seed_demo", "--seed=7", "--today=2026-11-01", *args, stdout=io.StringIO())


def test_sync_indexes_everything_per_tenant_and_scoring_works():
    seed(profiles=24, jobs=4, tenants=2)
    output = sync("--batch-size", "5", "--workers", "2")
    # Inside the test's transaction no other process could see the rows: one process.
    assert "One process" in output
    live = Candidate.objects.filter(archived=False)
    assert f"candidate: {live.count()} indexed, {24 - live.count()} archived" in output
    assert IndexEntry.objects.filter(kind="profile", archived=False).count() == live.count()
    job = JobOffer.objects.select_related("organisation").first()
    tenant = job.organisation.slug
    page = LocalBackend(tenant=tenant).score_profiles(job.reference, Criteria(limit=50))
    own = set(
        Candidate.objects.filter(organisation__slug=tenant).values_list("reference", flat=True)
    )
    assert page.total == len(own) and {i.reference for i in page.items} == own
    assert page.items[0].score >= page.items[-1].score
    assert page.items[0].explanation


def test_kind_since_remove_stale_and_resume():
    seed(profiles=10, jobs=3)
    sync("--kind", "jobs")
    assert not IndexEntry.objects.filter(kind="profile").exists()
    assert IndexEntry.objects.filter(kind="job").count() == 3
    assert "0 indexed" in sync("--kind", "jobs", "--since", "2999-01-01")
    sync("--kind", "profiles")
    before = IndexEntry.objects.filter(kind="profile", archived=False).count()
    gone = Candidate.objects.filter(archived=False).order_by("pk")[:2]
    refs = [c.reference for c in gone]
    Candidate.objects.filter(pk__in=[c.pk for c in gone]).update(archived=True)  # no signals
    Candidate.objects.filter(reference=refs[1]).delete()
    sync("--kind", "profiles", "--since", "2999-01-01", "--remove-stale")
    live = set(
        IndexEntry.objects.filter(kind="profile", archived=False).values_list(
            "reference", flat=True
        )
    )
    assert live.isdisjoint(refs) and len(live) == before - 2
    result = LocalBackend().search_profiles(Criteria(limit=50))
    assert {i.reference for i in result.items} == live
    # An interrupted run resumes after its checkpoint instead of starting over.
    ordered = list(Candidate.objects.order_by("updated_at", "pk"))
    SyncCheckpoint.objects.filter(name="profile:example_crm.candidate").update(
        updated_at_value=ordered[3].updated_at, last_pk=str(ordered[3].pk), done=False
    )
    rest = ordered[4:]
    n_live = sum(not c.archived for c in rest)
    assert f"{n_live} indexed, {len(rest) - n_live} archived" in sync(
        "--kind", "profiles", "--resume"
    )
    assert SyncCheckpoint.objects.get(name="profile:example_crm.candidate").done


def test_bad_options_are_clear_errors():
    with pytest.raises(CommandError, match="--since"):
        sync("--since", "yesterday")
    # Well formed but impossible: Django's date parsers raise ValueError for these.
    for impossible in ("2026-13-45", "2026-02-30", "2026-01-01T25:00:00"):
        with pytest.raises(CommandError, match=f"--since: “{impossible}” is not a valid date"):
            sync("--since", impossible)
    with pytest.raises(CommandError, match="--batch-size"):
        sync("--batch-size", "0")
    with pytest.raises(CommandError, match="--workers"):
        sync("--workers", "0")


@pytest.mark.django_db(transaction=True)
@pytest.mark.processes
@pytest.mark.parametrize("workers", ["1", "2"])
def test_sync_outside_a_transaction_writes_every_batch_and_checkpoints_only_written_ones(
    monkeypatch, workers
):
    """Outside a transaction, on a database other processes can open, batches are built and
    written by worker processes: every batch is written, and a failing write stops the run with
    its checkpoint at the last batch written in order, so ``--resume`` redoes the failed one."""
    from hrflow_matching.index.batches import can_fork

    assert can_fork()  # the test database is a file (see conftest.py) or PostgreSQL
    sync = functools.partial(globals()["sync"], "--workers", workers)
    seed(profiles=12, jobs=2)
    sync("--kind", "profiles", "--batch-size", "4")
    live = Candidate.objects.filter(archived=False).count()
    assert IndexEntry.objects.filter(kind="profile", archived=False).count() == live
    assert SyncCheckpoint.objects.get(name="profile:example_crm.candidate").done

    IndexEntry.objects.all().delete()
    ordered = list(Candidate.objects.order_by("updated_at", "pk"))
    second_batch = {c.reference for c in ordered[4:8] if not c.archived}
    assert second_batch
    original = LocalBackend.index

    def failing(self, kind, documents):  # runs in the worker process that has the batch
        if second_batch & {d["reference"] for d in documents}:
            raise RuntimeError("disk full")
        return original(self, kind, documents)

    monkeypatch.setattr(LocalBackend, "index", failing)
    with pytest.raises(RuntimeError, match="disk full"):
        sync("--kind", "profiles", "--batch-size", "4")
    checkpoint = SyncCheckpoint.objects.get(name="profile:example_crm.candidate")
    assert not checkpoint.done and checkpoint.last_pk == str(ordered[3].pk)
    monkeypatch.setattr(LocalBackend, "index", original)
    sync("--kind", "profiles", "--batch-size", "4", "--resume")
    assert IndexEntry.objects.filter(kind="profile", archived=False).count() == live


@pytest.mark.django_db(transaction=True)
@pytest.mark.processes
def test_snapshot_scanned_by_worker_processes_is_the_one_built_in_one_pass(monkeypatch):
    """With workers, ``hrflow_sync`` reads and scans the snapshot's rows in id ranges, one per
    process, and merges them: the result is the snapshot one process builds, array for array."""
    import numpy as np

    from hrflow_matching.backends.local import engine, store
    from hrflow_matching.backends.local.build import build_table
    from hrflow_matching.backends.local.snapshot import _ARRAYS
    from hrflow_matching.index.batches import can_fork

    assert can_fork()  # the test database is a file (see conftest.py) or PostgreSQL
    seed(profiles=40, jobs=2)
    monkeypatch.setattr(engine, "MIN_ROWS_PER_SCAN", 5)
    sync("--kind", "profiles", "--workers", "2")
    ranges = store.id_ranges("profile", None, 2, 5)
    assert len(ranges) == 2 and ranges[0][0] == 0 and ranges[1][1] is None

    built = engine.get_engine("profile", None).view().base  # as published by the workers
    one_pass = build_table(store.iter_rows("profile", None), version=built.version)
    assert len(built) == IndexEntry.objects.filter(kind="profile", archived=False).count()
    assert built.refs == one_pass.refs and built.vocab == one_pass.vocab
    assert (built.titles, built.skill_vocab, built.lang_vocab) == (
        one_pass.titles,
        one_pass.skill_vocab,
        one_pass.lang_vocab,
    )
    for name in _ARRAYS:
        np.testing.assert_array_equal(built.arrays[name], one_pass.arrays[name], err_msg=name)
    for name in ("data", "indices", "indptr"):
        np.testing.assert_array_equal(built.bm25.scores[name], one_pass.bm25.scores[name])
