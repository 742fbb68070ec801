"""Several web hosts share only the database: each keeps its own snapshot folder (``INDEX_DIR``).

Two process groups stand for two hosts: each has a "worker" (writes, rebuilds) and a "web"
process (queries), and its own index folder; nothing but the database is shared. A write on
either host is seen by the next query on the other; a snapshot rebuilt and the tombstones
purged on one host make the other rebuild from the database before it answers, so it never
serves what was purged, and never a folder still being written.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.index.test_index_processes import Proc, database_url  # noqa: F401 (a fixture)
from tests.support.local_fixtures import BACKEND_JOB, PARIS, job, profile

ROOT = Path(__file__).resolve().parents[3]
pytestmark = pytest.mark.processes


def fit(reference: str, **kw) -> dict:
    return profile(
        reference,
        title="Python Developer",
        skills=("Python", "Django", "PostgreSQL"),
        where=PARIS,
        **kw,
    )


def snapshots(folder: Path) -> list[str]:
    return sorted(p.name.split("-")[0] for p in folder.rglob("v*") if p.is_dir())


def test_two_hosts_sharing_only_the_database_stay_current(database_url, tmp_path):  # noqa: F811
    env = {**os.environ, "DATABASE_URL": database_url, "PYTHONPATH": str(ROOT)}
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    folders = {host: tmp_path / f"index-{host}" for host in "ab"}

    def host_env(host: str) -> dict[str, str]:
        local = {"INDEX_DIR": str(folders[host]), "REBUILD_AFTER": 3}
        return {**env, "HRFLOW_TEST_LOCAL": json.dumps(local)}

    a_worker, a_web = Proc(host_env("a")), Proc(host_env("a"))
    b_worker, b_web = Proc(host_env("b")), Proc(host_env("b"))
    t = "acme"
    try:
        a_worker(op="index", tenant=t, kind="job", docs=[job("job-1", **BACKEND_JOB)])
        a_worker(
            op="index",
            tenant=t,
            kind="profile",
            docs=[profile("first", title="Accountant", skills=("Microsoft Excel",))],
        )
        assert b_web(op="score_profiles", tenant=t, job="job-1")["refs"] == ["first"]
        assert a_web(op="score_profiles", tenant=t, job="job-1")["refs"] == ["first"]

        # A write on host b: host a's web process sees it at its next query, and back.
        b_worker(op="index", tenant=t, kind="profile", docs=[fit("second", years=5)])
        assert a_web(op="score_profiles", tenant=t, job="job-1")["refs"] == ["second", "first"]
        a_worker(op="archive", tenant=t, kind="profile", refs=["second"])
        assert b_web(op="score_profiles", tenant=t, job="job-1")["refs"] == ["first"]

        # Host a rebuilds (its writer passed REBUILD_AFTER) and purges the tombstones, as
        # hrflow_sync does last. Host b's folder has only older snapshots: its web process
        # must not serve them (the purge removed the row that says "second" is gone).
        a_worker(op="index", tenant=t, kind="profile", docs=[fit(f"p{n}", years=n) for n in range(4)])  # fmt: skip
        published_a = snapshots(folders["a"])
        assert published_a, "host a's writer published a snapshot"
        purged = a_worker(op="compact", kind="profile")
        assert purged["purged"] == 1
        assert snapshots(folders["b"]) < [f"v{purged['version']:012d}"]
        refs = b_web(op="score_profiles", tenant=t, job="job-1")["refs"]
        assert "second" not in refs and sorted(refs) == ["first", "p0", "p1", "p2", "p3"]
        # Host b rebuilt from the database and published in its own folder; host a's is untouched.
        served = b_web(op="snapshot", tenant=t, kind="profile")
        assert served["version"] >= purged["version"] and served["rows"] == 5
        assert snapshots(folders["b"])[-1] >= f"v{purged['version']:012d}"
        assert snapshots(folders["a"]) == published_a
        assert sorted(a_web(op="score_profiles", tenant=t, job="job-1")["refs"]) == sorted(refs)

        # A later write on host a is again seen by host b's next query.
        a_worker(op="index", tenant=t, kind="profile", docs=[fit("late", years=5)])
        assert "late" in b_web(op="score_profiles", tenant=t, job="job-1")["refs"]
    finally:
        for proc in (a_worker, a_web, b_worker, b_web):
            proc.close()
